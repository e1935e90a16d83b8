import pytest


@pytest.fixture(autouse=True)
def _isolated_cache():
    """Rate limits and cached reads must not leak from one test into the next."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"

import pytest

from tests.live_site import LiveSite, copy_db


@pytest.fixture
def make_site(site_template, tmp_path):
    sites = []

    def make(redis_url=None) -> LiveSite:
        db = copy_db(site_template, tmp_path / f"site{len(sites)}.sqlite3")
        site = LiveSite(db, redis_url) if redis_url else LiveSite(db)
        sites.append(site)
        return site

    yield make
    for site in sites:
        site.stop()

"""The search backend in use: Elasticsearch when ELASTICSEARCH_URL is set, else the database."""

from functools import cache

from django.conf import settings


@cache
def _backends(url: str):
    from yiban_core.search.backends.database import DatabaseBackend

    database = DatabaseBackend()
    if not url:
        return database, None
    from yiban_core.search.backends.elastic import ElasticBackend

    return database, ElasticBackend(url)


def database_backend():
    return _backends(settings.ELASTICSEARCH_URL)[0]


def elastic_backend():
    """The Elasticsearch backend, or None when it is not configured."""
    return _backends(settings.ELASTICSEARCH_URL)[1]

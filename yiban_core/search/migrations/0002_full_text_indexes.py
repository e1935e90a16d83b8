"""The full-text index, in the form each database has: a GIN index over the
tsvector of `tokens` on PostgreSQL; an FTS5 table kept by triggers on SQLite."""

from django.db import migrations

POSTGRES_UP = [
    "CREATE INDEX search_tokens_gin ON search_searchdocument "
    "USING gin (to_tsvector('simple'::regconfig, COALESCE(tokens, '')))",
]
POSTGRES_DOWN = ["DROP INDEX IF EXISTS search_tokens_gin"]

SQLITE_UP = [
    "CREATE VIRTUAL TABLE search_fts USING fts5("
    "tokens, content='search_searchdocument', content_rowid='id')",
    "CREATE TRIGGER search_fts_insert AFTER INSERT ON search_searchdocument BEGIN "
    "INSERT INTO search_fts(rowid, tokens) VALUES (new.id, new.tokens); END",
    "CREATE TRIGGER search_fts_delete AFTER DELETE ON search_searchdocument BEGIN "
    "INSERT INTO search_fts(search_fts, rowid, tokens) VALUES ('delete', old.id, old.tokens); END",
    "CREATE TRIGGER search_fts_update AFTER UPDATE ON search_searchdocument BEGIN "
    "INSERT INTO search_fts(search_fts, rowid, tokens) VALUES ('delete', old.id, old.tokens); "
    "INSERT INTO search_fts(rowid, tokens) VALUES (new.id, new.tokens); END",
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS search_fts_update",
    "DROP TRIGGER IF EXISTS search_fts_delete",
    "DROP TRIGGER IF EXISTS search_fts_insert",
    "DROP TABLE IF EXISTS search_fts",
]


def run(statements_by_vendor):
    def apply(apps, schema_editor):
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)

    return apply


class Migration(migrations.Migration):
    dependencies = [("search", "0001_initial")]

    operations = [
        migrations.RunPython(
            run({"postgresql": POSTGRES_UP, "sqlite": SQLITE_UP}),
            run({"postgresql": POSTGRES_DOWN, "sqlite": SQLITE_DOWN}),
        )
    ]

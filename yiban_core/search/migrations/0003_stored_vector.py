"""PostgreSQL: store the tsvector (a generated column) and index that, so neither the
match nor ts_rank rebuilds it from `tokens` row by row (bench/search.py: that rebuild
was most of a slow query's time). SQLite keeps its FTS5 table."""

from django.db import migrations

UP = [
    "ALTER TABLE search_searchdocument ADD COLUMN vector tsvector "
    "GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, COALESCE(tokens, ''))) STORED",
    "CREATE INDEX search_vector_gin ON search_searchdocument USING gin (vector)",
    "DROP INDEX IF EXISTS search_tokens_gin",
]
DOWN = [
    "CREATE INDEX search_tokens_gin ON search_searchdocument "
    "USING gin (to_tsvector('simple'::regconfig, COALESCE(tokens, '')))",
    "ALTER TABLE search_searchdocument DROP COLUMN vector",
]


def run(statements):
    def apply(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for statement in statements:
                schema_editor.execute(statement)

    return apply


class Migration(migrations.Migration):
    dependencies = [("search", "0002_full_text_indexes")]

    operations = [migrations.RunPython(run(UP), run(DOWN))]

"""A resource's downloads in its index row, for ranking (base.rank_score).

Added with ALTER TABLE on both databases: Django would rebuild the table on SQLite
to add a NOT NULL column, and the rebuild drops the triggers that keep the FTS5
table (migration 0002) current."""

from django.db import migrations, models

ADD = ("ALTER TABLE search_searchdocument ADD COLUMN downloads integer NOT NULL DEFAULT 0 "
       "CHECK (downloads >= 0)")
DROP = "ALTER TABLE search_searchdocument DROP COLUMN downloads"


class Migration(migrations.Migration):
    dependencies = [("search", "0003_stored_vector")]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunSQL(ADD, DROP)],
            state_operations=[migrations.AddField(
                model_name="searchdocument", name="downloads",
                field=models.PositiveIntegerField(default=0),
            )],
        )
    ]

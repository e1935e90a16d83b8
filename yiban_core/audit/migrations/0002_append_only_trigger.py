"""On PostgreSQL, audit rows cannot be changed or deleted: a trigger refuses UPDATE and
DELETE, except a DELETE of rows older than the cutoff the retention prune names in the
transaction-local setting yiban.audit_prune_before (yiban_core/audit/services.py).
SQLite has no such setting; there the model itself refuses (models.py)."""

from django.db import migrations

CREATE = r"""
CREATE OR REPLACE FUNCTION audit_entry_append_only() RETURNS trigger AS $$
DECLARE
    prune_before text := current_setting('yiban.audit_prune_before', true);
BEGIN
    IF TG_OP = 'DELETE' AND coalesce(prune_before, '') <> ''
            AND OLD.at < prune_before::timestamptz THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'audit log entries are append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER audit_entry_append_only
    BEFORE UPDATE OR DELETE ON audit_auditentry
    FOR EACH ROW EXECUTE FUNCTION audit_entry_append_only();
"""

DROP = """
DROP TRIGGER IF EXISTS audit_entry_append_only ON audit_auditentry;
DROP FUNCTION IF EXISTS audit_entry_append_only();
"""


def on_postgresql(sql):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql, params=None)  # the SQL has a literal %

    return run


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]

    operations = [
        migrations.RunPython(on_postgresql(CREATE), on_postgresql(DROP), elidable=False),
    ]

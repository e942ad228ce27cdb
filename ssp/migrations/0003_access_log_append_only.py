from django.db import migrations

# The access log is evidence: PostgreSQL itself refuses to change or remove its rows.
# (TRUNCATE stays possible for the test suite's flush; the ORM never issues it.)
FORBID = """
CREATE FUNCTION ssp_accesslog_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'the access log is append-only';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER ssp_accesslog_append_only
    BEFORE UPDATE OR DELETE ON ssp_accesslog
    FOR EACH STATEMENT EXECUTE FUNCTION ssp_accesslog_append_only();
"""
ALLOW = """
DROP TRIGGER IF EXISTS ssp_accesslog_append_only ON ssp_accesslog;
DROP FUNCTION IF EXISTS ssp_accesslog_append_only();
"""


def forbid(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORBID)


def allow(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(ALLOW)


class Migration(migrations.Migration):
    dependencies = [("ssp", "0002_historicalnotification_accesslog_notification")]
    operations = [migrations.RunPython(forbid, allow)]

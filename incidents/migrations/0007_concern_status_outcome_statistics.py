from django.db import migrations

# Most concerns never reach the police, so "status shared or early intervention and no
# police outcome yet" matches a handful of rows, not what the two columns' separate
# statistics multiply out to. Without this, PostgreSQL expected hundreds of open police
# concerns for an SSPO's two schools and started parallel workers to read a few dozen.
CREATE = (
    "CREATE STATISTICS IF NOT EXISTS incidents_concern_status_outcome (mcv) "
    "ON status, police_outcome FROM incidents_concern"
)
DROP = "DROP STATISTICS IF EXISTS incidents_concern_status_outcome"


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("incidents", "0006_overview_index")]
    operations = [migrations.RunPython(create, drop)]

from django.db import migrations, models

# PostgreSQL multiplies the separate chances of a concern's status and of its having no
# police outcome, though only shared concerns ever get one: it thought 15,000 concerns of
# two schools open where 369 were, and sorted them all rather than walk the caseload's
# index. Statistics of the columns together let it see how few are open.
STATISTICS = "concern_status_outcome_school"


def _create_statistics(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE STATISTICS {STATISTICS} (dependencies, mcv) "
            "ON status, police_outcome, school_id FROM incidents_concern"
        )
        # Built now where there are concerns to read. Not on an empty table: analysed
        # empty, it would be planned as empty (a sequential scan for each foreign-key
        # check) until autovacuum looked again; the statistics come with that look.
        with schema_editor.connection.cursor() as cursor:
            cursor.execute("SELECT EXISTS (SELECT 1 FROM incidents_concern)")
            if cursor.fetchone()[0]:
                schema_editor.execute("ANALYZE incidents_concern")


def _drop_statistics(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP STATISTICS IF EXISTS {STATISTICS}")


class Migration(migrations.Migration):
    dependencies = [("incidents", "0015_summary_school")]

    operations = [
        migrations.AddIndex(
            model_name="concern",
            index=models.Index(
                condition=models.Q(
                    ("police_outcome", ""), ("status__in", ["shared", "early_intervention"])
                ),
                fields=["acknowledged_at", "-immediate_risk", "triaged_at", "school"],
                name="concern_caseload_order",
            ),
        ),
        migrations.RunPython(_create_statistics, _drop_statistics, elidable=False),
    ]

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def _from_incidents(apps, schema_editor):
    """Each summary, and each of its history rows, takes its incident's school."""
    Incident = apps.get_model("incidents", "Incident")
    school = Subquery(Incident.objects.filter(pk=OuterRef("incident_id")).values("school_id")[:1])
    for name in ("IncidentSummary", "HistoricalIncidentSummary"):
        apps.get_model("incidents", name).objects.update(school_id=school)


class Migration(migrations.Migration):
    dependencies = [
        ("incidents", "0014_enquiry_list_indexes"),
        ("schools", "0005_data_protection_lead"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="historicalincidentsummary",
            name="school",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to="schools.school",
            ),
        ),
        migrations.AddField(
            model_name="incidentsummary",
            name="school",
            field=models.ForeignKey(
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="incident_summaries",
                to="schools.school",
            ),
        ),
        migrations.RunPython(_from_incidents, migrations.RunPython.noop, elidable=False),
        migrations.AlterField(
            model_name="incidentsummary",
            name="school",
            field=models.ForeignKey(
                editable=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="incident_summaries",
                to="schools.school",
            ),
        ),
        migrations.AddIndex(
            model_name="incidentsummary",
            index=models.Index(fields=["school", "-sent_at", "-id"], name="summary_school_latest"),
        ),
    ]

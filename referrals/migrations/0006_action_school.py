import django.db.models.deletion
from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def _from_conferences(apps, schema_editor):
    """Each action, and each of its history rows, takes its conference's school."""
    Conference = apps.get_model("referrals", "Conference")
    school = Subquery(Conference.objects.filter(pk=OuterRef("conference_id")).values("school_id"))
    for name in ("ConferenceAction", "HistoricalConferenceAction"):
        apps.get_model("referrals", name).objects.update(school_id=school)


class Migration(migrations.Migration):
    dependencies = [
        ("referrals", "0005_referral_list_ranks"),
        ("schools", "0005_data_protection_lead"),
    ]

    operations = [
        migrations.AddField(
            model_name="historicalconferenceaction",
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
            model_name="conferenceaction",
            name="school",
            field=models.ForeignKey(
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="conference_actions",
                to="schools.school",
            ),
        ),
        migrations.RunPython(_from_conferences, migrations.RunPython.noop, elidable=False),
        migrations.AlterField(
            model_name="conferenceaction",
            name="school",
            field=models.ForeignKey(
                editable=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="conference_actions",
                to="schools.school",
            ),
        ),
        migrations.AddIndex(
            model_name="conferenceaction",
            index=models.Index(
                condition=models.Q(("done_at__isnull", True)),
                fields=["school", "due_on"],
                name="conference_action_school_open",
            ),
        ),
    ]

from django.db import migrations, models

OPEN = models.Q(("police_outcome", ""), ("status__in", ["shared", "early_intervention"]))


class Migration(migrations.Migration):
    """The caseload's counts of the shared concerns still with the police read the ids from
    their indexes alone, and stop at a hundred (incidents.models.Concern)."""

    dependencies = [("incidents", "0018_enquiry_police_waiting_shows_its_rows")]

    operations = [
        migrations.RemoveIndex(model_name="concern", name="concern_police_open"),
        migrations.RemoveIndex(model_name="concern", name="concern_police_unacknowledged"),
        migrations.AddIndex(
            model_name="concern",
            index=models.Index(
                condition=OPEN,
                fields=["school", "triaged_at"],
                include=("id",),
                name="concern_police_open",
            ),
        ),
        migrations.AddIndex(
            model_name="concern",
            index=models.Index(
                condition=models.Q(("acknowledged_at__isnull", True)) & OPEN,
                fields=["school", "triaged_at"],
                include=("id",),
                name="concern_police_unacknowledged",
            ),
        ),
    ]

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("incidents", "0016_caseload_order")]

    operations = [
        migrations.AddIndex(
            model_name="concern",
            index=models.Index(
                condition=models.Q(
                    ("acknowledged_at__isnull", True),
                    ("police_outcome", ""),
                    ("status__in", ["shared", "early_intervention"]),
                ),
                fields=["school", "triaged_at"],
                name="concern_police_unacknowledged",
            ),
        ),
        migrations.AddIndex(
            model_name="enquiry",
            index=models.Index(
                condition=models.Q(("awaiting", "police"), ("status", "open")),
                fields=["school", "last_message_at"],
                name="enquiry_police_waiting",
            ),
        ),
    ]

from django.db import migrations, models


class Migration(migrations.Migration):
    """The caseload's index of enquiries waiting for the police carries what the section
    shows of them, so its rows come from the index alone (incidents.models.Enquiry)."""

    dependencies = [("incidents", "0017_caseload_waiting")]

    operations = [
        migrations.RemoveIndex(model_name="enquiry", name="enquiry_police_waiting"),
        migrations.AddIndex(
            model_name="enquiry",
            index=models.Index(
                condition=models.Q(("awaiting", "police"), ("status", "open")),
                fields=["school", "last_message_at"],
                include=("code", "subject"),
                name="enquiry_police_waiting",
            ),
        ),
    ]

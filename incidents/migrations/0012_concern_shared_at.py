"""A concern's `shared_at`: when it was shared with the police, its Share's moment.

The concerns already shared get it from their Share (the earliest, should there be more
than one). That is the same fact moved beside the concern, not a change to what happened,
so it writes no history row: the concern's next history row carries it.
"""

from django.conf import settings
from django.db import migrations, models
from django.db.models import Exists, OuterRef, Subquery


def from_shares(apps, schema_editor):
    Concern = apps.get_model("incidents", "Concern")
    Share = apps.get_model("incidents", "Share")
    shares = Share.objects.filter(concern=OuterRef("pk"))
    Concern.objects.filter(Exists(shares)).update(
        shared_at=Subquery(shares.order_by("at", "pk").values("at")[:1])
    )


class Migration(migrations.Migration):
    dependencies = [
        ("incidents", "0011_share_concern_with"),
        ("schools", "0005_data_protection_lead"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveIndex(model_name="concern", name="concern_overview_open"),
        migrations.AddField(
            model_name="concern",
            name="shared_at",
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name="historicalconcern",
            name="shared_at",
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
        migrations.RunPython(from_shares, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name="concern",
            index=models.Index(
                condition=models.Q(
                    ("police_outcome", ""),
                    ("shared_at__isnull", False),
                    ("status__in", ["shared", "early_intervention"]),
                ),
                fields=["school"],
                include=("id", "triaged_at", "acknowledged_at"),
                name="concern_overview_open",
            ),
        ),
    ]

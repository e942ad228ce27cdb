from django.db import migrations, models


class Migration(migrations.Migration):
    """This month's triage times of the overview, held in the database as well as the cache
    (reports.models.KeptCounts.packed)."""

    dependencies = [
        ("reports", "0002_kept_counts"),
    ]

    operations = [
        migrations.AddField(
            model_name="keptcounts",
            name="packed",
            field=models.BinaryField(null=True),
        ),
    ]

from django.db import migrations, models


class Migration(migrations.Migration):
    """The overview's earlier months, held in the database as well as the cache
    (reports.models.EarlierMonths)."""

    initial = True

    dependencies = []

    operations = [
        migrations.CreateModel(
            name="EarlierMonths",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("schools", models.CharField(max_length=64)),
                ("month", models.DateField()),
                ("checked_at", models.DateTimeField()),
                ("checked_change", models.BigIntegerField(null=True)),
                ("seen", models.JSONField(default=list)),
                ("counts", models.JSONField(default=list)),
                ("triage", models.JSONField(default=list)),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(
                        fields=("schools", "month"), name="earlier_months_once"
                    )
                ],
            },
        ),
    ]

from django.db import migrations, models


class Migration(migrations.Migration):
    """What the overview counts school by school, held in the database as well as the cache
    (reports.models.KeptCounts)."""

    dependencies = [("reports", "0001_earlier_months")]

    operations = [
        migrations.CreateModel(
            name="KeptCounts",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("key", models.CharField(max_length=120, unique=True)),
                ("until", models.DateTimeField()),
                ("seen", models.JSONField()),
                ("counted", models.JSONField()),
            ],
        ),
    ]

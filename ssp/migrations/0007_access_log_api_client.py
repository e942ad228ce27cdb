from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("ssp", "0006_once_submission"),
    ]

    operations = [
        migrations.AddField(
            model_name="accesslog",
            name="api_client",
            field=models.UUIDField(blank=True, null=True),
        ),
    ]

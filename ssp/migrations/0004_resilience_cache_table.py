from django.core.management import call_command
from django.db import migrations

# The database cache table that stands in for Redis while Redis is down (ssp/cache.py).
# `createcachetable` creates it only if it is missing, and only for a DatabaseCache.


def create(apps, schema_editor):
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):
    dependencies = [("ssp", "0003_access_log_append_only")]

    operations = [migrations.RunPython(create, migrations.RunPython.noop)]

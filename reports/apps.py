from django.apps import AppConfig
from django.db.backends.signals import connection_created


class ReportsConfig(AppConfig):
    name = "reports"

    def ready(self):
        from .aggregates import register_sqlite_median

        connection_created.connect(register_sqlite_median)

from django.apps import AppConfig


class EncompassConfig(AppConfig):
    name = "encompass"
    verbose_name = "Operation Encompass"

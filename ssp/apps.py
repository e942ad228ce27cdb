from django.apps import AppConfig


class SspConfig(AppConfig):
    name = "ssp"
    verbose_name = "SSP Portal"

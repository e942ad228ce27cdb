from django.apps import AppConfig


class RecordsConfig(AppConfig):
    """Retention, legal hold, disposal and subject access: over every app's records about a
    pupil, which each app names through its `holdings.held_about` (see ssp/held.py)."""

    name = "records"
    verbose_name = "Records: retention, legal hold, disposal and subject access"

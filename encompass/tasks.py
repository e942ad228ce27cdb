from celery import shared_task

from .services import escalate_overdue


@shared_task
def escalate_unacknowledged() -> int:
    """Every few minutes: notifications past their deadline unacknowledged go to the head."""
    return escalate_overdue()

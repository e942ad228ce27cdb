from celery import shared_task
from django.db import InterfaceError, OperationalError

from . import notifications, submissions
from .notifications import NotificationBusy


# acks_late with reject_on_worker_lost: a worker that dies mid-task leaves the message to be
# delivered again; the row lock and the sent mark make that second run send nothing twice.
# OSError covers SMTP errors and an unreachable mail server; the database may blink too.
# After the last retry the row is still pending, and the sweep queues it again later.
@shared_task(
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(OSError, OperationalError, InterfaceError, NotificationBusy),
    retry_backoff=30,
    retry_backoff_max=600,
    max_retries=8,
)
def deliver_notification(pk: int) -> str:
    return notifications.send_notification_email(pk)


@shared_task
def sweep_outbox() -> int:
    return notifications.sweep_outbox()


@shared_task
def sweep_submissions() -> int:
    return submissions.submissions_sweep()


# Not retried: a backup that failed is told to the administrators, and a second attempt
# straight away would most likely fail the same way. acks_late is off so a worker killed
# mid-backup does not start a second one: its half-made folder is pruned later.
@shared_task(acks_late=False)
def scheduled_backup() -> str:
    from . import backups

    return backups.scheduled_backup()

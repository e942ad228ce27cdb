"""Notifications that are never lost: written with the change, delivered by Celery.

The notification row is the outbox. It is created in the same transaction as the change
it announces; after commit a task is queued to e-mail it. If the broker is down the row
simply waits: the beat sweep queues every pending row again until it is sent.
"""

import logging

from django.conf import settings
from django.db import transaction

from .models import Notification

logger = logging.getLogger(__name__)


def notify(*, recipients, subject: str, link: str) -> list[Notification]:
    """Tell people there is something to look at. Never names or details in `subject`."""
    created = [
        Notification.objects.create(recipient=user, subject=subject, link=link)
        for user in {u.pk: u for u in recipients}.values()
    ]
    for notification in created:
        transaction.on_commit(lambda pk=notification.pk: queue_delivery(pk))
    return created


def queue_delivery(pk: int) -> None:
    from .tasks import deliver_notification

    try:
        deliver_notification.apply_async(args=[pk], retry=False)
    except Exception:  # the broker is down or frozen: the sweep will send it later
        logger.warning(
            "Broker unavailable; notification %s waits for the sweep", pk, exc_info=settings.DEBUG
        )

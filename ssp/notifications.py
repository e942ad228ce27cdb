"""Notifications that are never lost: written with the change, delivered by Celery.

The notification row is the outbox. It is created in the same transaction as the change
it announces; after commit a task is queued to e-mail it. If the broker is down the row
simply waits: the beat sweep queues every pending row again until it is sent.

Delivery is at least once, never at most once: the row stays locked while the mail server
takes the message and is marked sent in the same transaction, so a task run twice sends
one e-mail, and a worker that dies before the mark is committed leaves the row pending to
be sent again. Only a death between the mail server's "accepted" and our commit can repeat
an e-mail, and the repeat carries the same Message-ID.
"""

import logging
import time
from datetime import timedelta
from enum import StrEnum
from functools import partial

from django.conf import settings
from django.core.cache import cache
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme

from .celery import app as celery_app
from .models import Notification

logger = logging.getLogger(__name__)

# After the broker fails, this process stops trying for a while: the sweep sends the rows.
# A frozen Redis costs one request one socket timeout, not every request.
BROKER_BACKOFF_SECONDS = 15
# The sweep queues a pending row again only after this long, so a slow worker or a mail
# server that is down for hours does not grow the queue every minute.
SWEEP_AGAIN_AFTER_SECONDS = 15 * 60
SWEEP_LIMIT = 500

_broker_down_until = 0.0


class NotificationBusy(Exception):
    """Another transaction holds the row (a duplicate task, or its reader): try later."""


def is_local_link(link: str) -> bool:
    return link.startswith("/") and url_has_allowed_host_and_scheme(link, allowed_hosts=set())


class Kind(StrEnum):
    """Why a notification may need someone now. Urgency is decided here, by kind, not at
    each call: a notification of any kind in URGENT is marked urgent (a red tag in the
    portal). The rest are ROUTINE: they matter, but can wait for the next time the person
    looks."""

    ROUTINE = "routine"
    # A concern marked as immediate risk: logged, shared with the SSPO, or still untriaged.
    IMMEDIATE_RISK = "immediate_risk"
    # A data sharing agreement revoked: the police must stop relying on it at once, and the
    # school's leads must know their next concern cannot be shared.
    SHARING_STOPPED = "sharing_stopped"
    # GIAS says a school with a partnership has closed: its officer and pupils need a plan.
    PARTNERED_SCHOOL_CLOSED = "partnered_school_closed"
    # Last night's backup did not happen: records written since are not safe yet.
    BACKUP_FAILED = "backup_failed"
    # An Operation Encompass notification: the school's key adult must read it before the
    # next school day starts, and the head must know when it was not.
    ENCOMPASS = "encompass"


URGENT = frozenset(
    {
        Kind.IMMEDIATE_RISK,
        Kind.SHARING_STOPPED,
        Kind.PARTNERED_SCHOOL_CLOSED,
        Kind.BACKUP_FAILED,
        Kind.ENCOMPASS,
    }
)


def notify(
    *, recipients, subject: str, link: str, reference: str = "", kind: Kind = Kind.ROUTINE
) -> list[Notification]:
    """Tell people there is something to look at. Never names or details in `subject` or
    `reference`. The reference is what people quote: the record's own reference (a
    concern's, an incident's, a referral's) or, where the record has none, what it belongs
    to ("Partnership: <school>"); empty only when the notification is about no record
    (tests/ssp/test_notification_kinds.py holds every call in the portal to that)."""
    if not is_local_link(link):
        raise ValueError("A notification links to a page of the portal: a path starting '/'.")
    urgent = kind in URGENT
    created = [
        Notification.objects.create(
            recipient=user, subject=subject, link=link, reference=reference, urgent=urgent
        )
        for user in {u.pk: u for u in recipients}.values()
        if user.is_active  # a disabled account gets nothing, in the portal or by e-mail
    ]
    if created:
        transaction.on_commit(partial(queue_delivery, [n.pk for n in created]), robust=True)
    return created


def unread_count(user) -> int:
    """How many of the person's notifications are unread. The sign-in backend loads it with
    the user (no query of its own); a user loaded otherwise costs one count."""
    loaded = getattr(user, "unread_notifications", None)
    if loaded is not None:
        return loaded
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def queue_delivery(pks: list[int]) -> None:
    """Hand the rows to the broker, or leave them to the sweep. Never holds a request long.

    kombu retries a refused connection for `broker_connection_timeout` even when
    publishing with retry=False; one attempt is made here instead. A frozen Redis is
    bounded by the socket timeouts in CELERY_BROKER_TRANSPORT_OPTIONS.
    """
    global _broker_down_until
    from .tasks import deliver_notification

    if time.monotonic() < _broker_down_until:
        return
    try:
        with celery_app.producer_or_acquire() as producer:
            producer.connection.ensure_connection(max_retries=0)
            for pk in pks:
                deliver_notification.apply_async(args=[pk], producer=producer, retry=False)
    except Exception:  # the broker is down or frozen: the sweep will send them later
        _broker_down_until = time.monotonic() + BROKER_BACKOFF_SECONDS
        logger.warning(
            "Broker unavailable; notifications %s wait for the sweep", pks, exc_info=settings.DEBUG
        )


def send_notification_email(pk: int) -> str:
    """E-mail one notification, once. Raises NotificationBusy if the row is locked."""
    try:
        with transaction.atomic():
            notification = (
                Notification.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("recipient")
                .filter(pk=pk)
                .first()
            )
            if notification is None:
                if Notification.objects.filter(pk=pk).exists():
                    raise NotificationBusy(pk)
                return "missing"
            if notification.email_sent_at is not None:
                return "already-sent"
            notification.email_attempts += 1
            _email(notification).send()
            notification.email_sent_at = timezone.now()
            notification.save(update_fields=["email_sent_at", "email_attempts"])
            return "sent"
    except NotificationBusy:
        raise
    except Exception:
        _count_failed_attempt(pk)
        raise


def _email(notification: Notification) -> EmailMessage:
    # Only the subject and the link: the page behind the link applies the access rules.
    return EmailMessage(
        subject=f"SSP Portal: {notification.subject}",
        body=render_to_string(
            "ssp/email/notification.txt",
            {
                "notification": notification,
                "url": settings.SITE_URL.rstrip("/") + notification.link,
            },
        ),
        to=[notification.recipient.email],
        # The same Message-ID on a repeat lets a receiving server drop it.
        headers={"Message-ID": f"<notification-{notification.code}@ssp-portal>"},
    )


def _count_failed_attempt(pk: int) -> None:
    try:
        with transaction.atomic():
            notification = Notification.objects.select_for_update().filter(pk=pk).first()
            if notification is not None and notification.email_sent_at is None:
                notification.email_attempts += 1
                notification.save(update_fields=["email_attempts"])
    except Exception:  # the database itself may be what failed; the retry matters more
        logger.warning("Could not count a failed attempt for notification %s", pk)


def sweep_outbox() -> int:
    """Queue again every notification still waiting for its e-mail; return how many."""
    from .tasks import deliver_notification

    cutoff = timezone.now() - timedelta(seconds=settings.OUTBOX_SWEEP_AFTER_SECONDS)
    pending = (
        Notification.objects.filter(email_sent_at__isnull=True, created_at__lte=cutoff)
        .order_by("created_at")
        .values_list("pk", flat=True)
    )
    queued = 0
    for pk in pending.iterator(chunk_size=SWEEP_LIMIT):
        if queued >= SWEEP_LIMIT:
            break
        key = f"outbox:swept:{pk}"
        if not cache.add(key, True, timeout=SWEEP_AGAIN_AFTER_SECONDS):
            continue  # queued by an earlier sweep not long ago
        try:
            deliver_notification.apply_async(args=[pk])
        except Exception:
            cache.delete(key)
            raise
        queued += 1
    return queued

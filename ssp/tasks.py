from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from .models import Notification


@shared_task(bind=True, acks_late=True, max_retries=None, default_retry_delay=30)
def deliver_notification(self, pk: int) -> str:
    """E-mail one notification, once. Safe to run twice: the row is locked and marked."""
    try:
        with transaction.atomic():
            notification = (
                Notification.objects.select_for_update(skip_locked=True)
                .select_related("recipient")
                .filter(pk=pk)
                .first()
            )
            if notification is None:
                return "busy-or-missing"  # another worker holds it, or it never existed
            if notification.email_sent_at is not None:
                return "already-sent"
            notification.email_attempts += 1
            message = EmailMessage(
                subject=f"SSP Portal: {notification.subject}",
                body=render_to_string(
                    "ssp/email/notification.txt",
                    {
                        "notification": notification,
                        "url": settings.SITE_URL.rstrip("/") + notification.link,
                    },
                ),
                to=[notification.recipient.email],
                # A receiving server can drop a duplicate by its Message-ID.
                headers={"Message-ID": f"<notification-{notification.code}@ssp-portal>"},
            )
            message.send()
            notification.email_sent_at = timezone.now()
            notification.save(update_fields=["email_sent_at", "email_attempts"])
            return "sent"
    except OSError as error:  # the mail server is unreachable: try again later
        raise self.retry(exc=error) from error


@shared_task
def sweep_outbox() -> int:
    """Queue every notification still waiting for its e-mail (after a broker outage)."""
    cutoff = timezone.now() - timedelta(seconds=settings.OUTBOX_SWEEP_AFTER_SECONDS)
    pending = Notification.objects.filter(email_sent_at__isnull=True, created_at__lte=cutoff)
    count = 0
    for pk in pending.values_list("pk", flat=True)[:500]:
        deliver_notification.delay(pk)
        count += 1
    return count

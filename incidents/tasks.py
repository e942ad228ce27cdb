import logging
from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from schools.models import Membership
from ssp.notifications import Kind, notify

from .models import Concern
from .services import attachment_orphans_remove

logger = logging.getLogger(__name__)


@shared_task
def remind_untriaged_concerns() -> int:
    return send_triage_reminders()


@shared_task
def remove_orphan_attachments() -> int:
    return len(attachment_orphans_remove())


def send_triage_reminders() -> int:
    """Remind each school's SPOC and deputy, once, of concerns waiting too long for triage.

    Each concern is reminded in its own transaction, with its row locked, so a triage
    decision made at the same moment either comes first (no reminder) or waits for it.
    """
    cutoff = timezone.now() - timedelta(hours=settings.TRIAGE_REMINDER_HOURS)
    due = Concern.objects.awaiting_triage().filter(
        recorded_at__lte=cutoff, triage_reminder_sent_at__isnull=True
    )
    sent = 0
    for pk in due.order_by("recorded_at").values_list("pk", flat=True):
        with transaction.atomic():
            concern = (
                due.select_for_update(of=("self",)).select_related("school").filter(pk=pk).first()
            )
            if concern is None:
                continue  # triaged or reminded since the list was read
            recipients = _triage_leads(concern.school)
            if not recipients:
                logger.warning("Concern %s awaits triage and its school has no lead", concern.code)
                continue  # try again next hour: someone may have been named by then
            notify(
                recipients=recipients,
                subject="A concern is waiting for triage",
                link=reverse("concern_detail", args=[concern.code]),
                reference=concern.reference,
                kind=Kind.IMMEDIATE_RISK if concern.immediate_risk else Kind.ROUTINE,
            )
            concern.triage_reminder_sent_at = timezone.now()
            concern.save(update_fields=["triage_reminder_sent_at"])
            sent += 1
    return sent


def _triage_leads(school) -> list:
    """The SPOC and deputy; the head teacher when the school has named neither."""
    leads = [m.user for m in Membership.objects.spocs_of(school).select_related("user")]
    return leads or [m.user for m in Membership.objects.heads_of(school).select_related("user")]

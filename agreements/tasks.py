import logging

from celery import shared_task
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from ssp.notifications import notify

from .models import AgreementReminder, Document, Partnership
from .services import head_teachers, kind_noun, team_sergeants

logger = logging.getLogger(__name__)

# Days before a review or expiry date on which the head and the sergeant are reminded.
STAGES = (1, 7, 30)


@shared_task
def remind_agreement_dates() -> int:
    return send_agreement_reminders()


def due_stage(days_left: int) -> int | None:
    """The most urgent stage a date has reached: a run missed on the day itself still sends
    the reminder late, and never an earlier, less urgent one after it."""
    if days_left < 0:
        return None
    return next((stage for stage in STAGES if days_left <= stage), None)


def send_agreement_reminders(today=None) -> int:
    """Remind each active partnership's head and sergeant before the current protocol's and
    DSA's review and expiry dates: each stage once per partnership and version.

    The reminder row and its notifications are written in one transaction, and the row's
    unique constraint decides between two runs at once, so running twice sends nothing twice.
    """
    today = today or timezone.localdate()
    current = {}
    sent = 0
    partnerships = Partnership.objects.filter(status=Partnership.Status.ACTIVE).select_related(
        "school"
    )
    for partnership in partnerships.order_by("pk"):
        for kind in Document.Kind:
            key = (partnership.force_id, kind)
            if key not in current:
                current[key] = Document.objects.current_of(partnership.force_id, kind).first()
            document = current[key]
            if document is None:
                continue
            for due, day in (
                (AgreementReminder.Due.REVIEW, document.review_on),
                (AgreementReminder.Due.EXPIRY, document.expires_on),
            ):
                stage = due_stage((day - today).days)
                if stage is not None:
                    sent += _remind(partnership, document, due, stage, day)
    return sent


def _remind(partnership, document, due, stage, day) -> int:
    if AgreementReminder.objects.filter(
        partnership=partnership, document=document, due=due, days_before=stage
    ).exists():
        return 0
    try:
        with transaction.atomic():
            AgreementReminder.objects.create(
                partnership=partnership, document=document, due=due, days_before=stage
            )
            what = "review" if due == AgreementReminder.Due.REVIEW else "expiry"
            notify(
                recipients=[*head_teachers(partnership.school), *team_sergeants(partnership)],
                subject=f"The {kind_noun(document)} reaches its {what} date on {day:%-d %B %Y}",
                link=reverse("partnership_detail", args=[partnership.code]),
                reference=f"Partnership: {partnership.school.name}",
            )
    except IntegrityError:
        return 0  # this stage was sent already (perhaps by a run at the same moment)
    return 1

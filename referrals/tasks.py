from celery import shared_task
from django.db.models import F

from .models import Referral
from .services import send_follow_up_reminder


@shared_task
def remind_follow_ups_due() -> int:
    return send_follow_up_reminders()


def send_follow_up_reminders() -> int:
    """Each open referral whose follow-up date has come, reminded once for that date.

    Each referral is reminded in its own transaction with its row locked (see the service),
    so a status move at the same moment comes first or waits.
    """
    due = Referral.objects.follow_up_due().exclude(follow_up_reminded_on=F("follow_up_on"))
    return sum(
        send_follow_up_reminder(referral_pk=pk)
        for pk in due.order_by("follow_up_on", "pk").values_list("pk", flat=True)
    )

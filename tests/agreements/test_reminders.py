"""Reminders before the current versions' review and expiry dates: each stage once."""

import datetime

import pytest
from django.conf import settings
from django.utils import timezone

from agreements.models import AgreementReminder
from agreements.services import partnership_move, signature_create
from agreements.tasks import due_stage, send_agreement_reminders
from ssp.models import Notification

TODAY = timezone.localdate()


def day(n):
    return TODAY + datetime.timedelta(days=n)


@pytest.fixture
def dsa(school_a, sspo_a, head_a, sergeant, force, publish_new_version):
    """School A's current DSA: review in 30 days, expiry in 60; signed by both sides."""
    document = publish_new_version(force, review_on=day(30), expires_on=day(60))
    for side, by in (("school", head_a), ("force", sergeant)):
        signature_create(
            partnership=school_a.partnership,
            document=document,
            side=side,
            by=by,
            signed_as="Signatory",
        )
    return document


def reminded():
    return sorted(
        Notification.objects.filter(subject__contains="date on").values_list(
            "recipient__email", "subject"
        )
    )


def test_the_head_and_the_teams_sergeant_are_reminded_once(
    dsa, school_a, head_a, sergeant, spoc_a, staff_a, head_b, other_sergeant
):
    # Both partnerships of the force (A and B) work under the force's current DSA.
    assert send_agreement_reminders(today=TODAY) == 2
    first = reminded()
    subject = f"The data sharing agreement reaches its review date on {day(30):%-d %B %Y}"
    assert first == sorted(
        [(head_a.email, subject), (head_b.email, subject)] + [(sergeant.email, subject)] * 2
    )
    # Run again the same day, and again the next: nothing is sent twice.
    assert send_agreement_reminders(today=TODAY) == 0
    assert send_agreement_reminders(today=day(1)) == 0
    assert reminded() == first
    reminder = AgreementReminder.objects.get(partnership=school_a.partnership)
    assert (reminder.document, reminder.due, reminder.days_before) == (dsa, "review", 30)


def test_each_stage_is_sent_once_as_its_date_comes(dsa):
    sent = {n: send_agreement_reminders(today=day(n)) for n in range(0, 62)}
    stages = sorted(
        AgreementReminder.objects.filter(document=dsa).values_list("due", "days_before")
    )
    assert stages == sorted(
        [
            ("review", 30),
            ("review", 7),
            ("review", 1),
            ("expiry", 30),
            ("expiry", 7),
            ("expiry", 1),
        ]
    )
    # review: days 0, 23, 29; expiry: days 30, 53, 59. Nothing on the other days.
    assert {n for n, count in sent.items() if count} == {0, 23, 29, 30, 53, 59}
    assert Notification.objects.filter(subject__contains="date on").count() == 6 * 2


def test_a_missed_day_sends_the_stage_late_but_never_a_less_urgent_one_after(dsa):
    assert send_agreement_reminders(today=day(25)) == 1  # five days left: the 7-day stage
    assert send_agreement_reminders(today=day(26)) == 0
    assert list(AgreementReminder.objects.values_list("days_before", flat=True)) == [7]


def test_a_new_version_is_reminded_on_its_own(dsa, force, publish_new_version, school_a):
    send_agreement_reminders(today=TODAY)
    newer = publish_new_version(force, review_on=day(30), expires_on=day(400))
    assert send_agreement_reminders(today=TODAY) == 1
    assert AgreementReminder.objects.filter(document=newer, days_before=30).exists()


@pytest.mark.parametrize("status", ["suspended", "ended"])
def test_partnerships_that_are_not_active_are_not_reminded(dsa, school_a, sergeant, status):
    partnership_move(partnership=school_a.partnership, to=status, by=sergeant, reason="Review.")
    assert send_agreement_reminders(today=TODAY) == 0
    assert not Notification.objects.filter(subject__contains="date on").exists()


def test_the_stages():
    assert [due_stage(n) for n in (-1, 0, 1, 2, 7, 8, 30, 31)] == [None, 1, 1, 7, 7, 30, 30, None]


def test_the_reminders_run_daily_from_beat():
    entry = settings.CELERY_BEAT_SCHEDULE["remind-agreement-dates"]
    assert entry["task"] == "agreements.tasks.remind_agreement_dates"
    assert entry["schedule"] == 24 * 3600.0

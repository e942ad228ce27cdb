import datetime

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from incidents.tasks import remind_untriaged_concerns
from ssp.models import Notification
from ssp.tasks import deliver_notification

SUBJECT = "A concern is waiting for triage"


def hours_ago(hours):
    return timezone.now() - datetime.timedelta(hours=hours)


@pytest.fixture
def old_concern(make_concern, school_a, staff_a, pupil_a, settings):
    settings.TRIAGE_REMINDER_HOURS = 24
    return make_concern(
        school=school_a, reported_by=staff_a, pupils=[pupil_a], recorded_at=hours_ago(25)
    )


def reminded():
    return Notification.objects.filter(subject=SUBJECT)


def test_an_old_untriaged_concern_reminds_the_spoc_and_deputy_once_and_not_staff(
    old_concern, spoc_a, deputy_a, staff_a, head_a
):
    assert remind_untriaged_concerns() == 1
    assert {n.recipient for n in reminded()} == {spoc_a, deputy_a}
    assert {n.link for n in reminded()} == {reverse("concern_detail", args=[old_concern.code])}
    old_concern.refresh_from_db()
    assert old_concern.triage_reminder_sent_at is not None
    assert old_concern.history.first().triage_reminder_sent_at is not None  # saved, not updated


def test_a_second_run_sends_no_second_reminder(old_concern, spoc_a):
    remind_untriaged_concerns()
    assert remind_untriaged_concerns() == 0
    assert reminded().count() == 1


def test_the_reminder_email_says_only_that_a_concern_waits(old_concern, spoc_a):
    remind_untriaged_concerns()
    deliver_notification(reminded().get().pk)
    (email,) = mail.outbox
    assert SUBJECT in email.subject
    for detail in ["Amelia", "Ashby", old_concern.reference, old_concern.narrative[:20]]:
        assert detail not in email.subject + email.body


@pytest.mark.parametrize("status", ["in_school", "shared", "early_intervention", "nfa"])
def test_a_triaged_concern_gets_no_reminder(
    make_concern, school_a, staff_a, spoc_a, settings, status
):
    settings.TRIAGE_REMINDER_HOURS = 24
    make_concern(school=school_a, reported_by=staff_a, status=status, recorded_at=hours_ago(48))
    assert remind_untriaged_concerns() == 0
    assert not reminded().exists()


def test_a_recent_concern_gets_no_reminder_yet(make_concern, school_a, staff_a, spoc_a, settings):
    settings.TRIAGE_REMINDER_HOURS = 24
    make_concern(school=school_a, reported_by=staff_a, recorded_at=hours_ago(23))
    assert remind_untriaged_concerns() == 0
    assert not reminded().exists()


def test_an_immediate_risk_concern_still_untriaged_is_reminded_too(
    make_concern, school_a, staff_a, spoc_a, settings
):
    settings.TRIAGE_REMINDER_HOURS = 24
    make_concern(
        school=school_a, reported_by=staff_a, immediate_risk=True, recorded_at=hours_ago(30)
    )
    assert remind_untriaged_concerns() == 1
    assert reminded().get().recipient == spoc_a


def test_a_spoc_who_has_left_is_not_reminded(old_concern, spoc_a, deputy_a):
    membership = spoc_a.memberships.get()
    membership.left_on = timezone.localdate()
    membership.save(update_fields=["left_on"])
    remind_untriaged_concerns()
    assert [n.recipient for n in reminded()] == [deputy_a]


def test_a_school_with_no_spoc_or_deputy_reminds_its_head(old_concern, head_a, staff_a):
    assert remind_untriaged_concerns() == 1
    assert reminded().get().recipient == head_a


def test_a_school_with_no_lead_at_all_keeps_the_reminder_for_the_next_run(old_concern, staff_a):
    assert remind_untriaged_concerns() == 0
    old_concern.refresh_from_db()
    assert old_concern.triage_reminder_sent_at is None
    assert not reminded().exists()


def test_only_the_concerns_own_school_is_reminded(old_concern, spoc_a, spoc_b):
    remind_untriaged_concerns()
    assert [n.recipient for n in reminded()] == [spoc_a]

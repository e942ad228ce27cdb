"""The head reminds the staff who have not confirmed the SSP summary, at most once a day."""

import datetime

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from agreements.models import AwarenessConfirmation, AwarenessReminder, Document
from ssp.models import Notification

SUBJECT = "Please read the Safer Schools Partnership summary and confirm"


def _remind(client, user, school):
    client.force_login(user)
    return client.post(reverse("awareness_remind", args=[school.partnership.code]), follow=True)


@pytest.fixture
def staff_a_confirmed(school_a, staff_a):
    document = Document.objects.current_of(school_a.force, Document.Kind.PROTOCOL).get()
    return AwarenessConfirmation.objects.create(
        partnership=school_a.partnership, document=document, user=staff_a
    )


def test_the_head_reminds_only_the_staff_who_have_not_confirmed_and_is_told_how_many(
    client, head_a, spoc_a, staff_a, staff_a2, staff_a_confirmed, school_a
):
    client.force_login(head_a)
    page = client.get(reverse("awareness_staff", args=[school_a.partnership.code]))
    assert "Remind staff who have not confirmed" in page.content.decode()
    body = _remind(client, head_a, school_a).content.decode()
    assert "2 members of staff have been reminded to read the summary." in body
    reminded = set(
        Notification.objects.filter(subject=SUBJECT).values_list("recipient", flat=True)
    )
    assert reminded == {spoc_a.pk, staff_a2.pk}
    link = reverse("ssp_summary", args=[school_a.partnership.code])
    assert set(Notification.objects.filter(subject=SUBJECT).values_list("link", flat=True)) == {
        link
    }
    reminder = AwarenessReminder.objects.get()
    assert (reminder.reminded, reminder.sent_by) == (2, head_a)
    assert reminder.history.get().history_user == head_a
    assert "You can remind them again tomorrow" in body
    assert "Remind staff who have not confirmed" not in body


def test_a_second_reminder_the_same_day_is_refused_and_the_next_day_allowed(
    client, head_a, staff_a, school_a
):
    _remind(client, head_a, school_a)
    body = _remind(client, head_a, school_a).content.decode()
    assert "Staff were already reminded today" in body
    assert Notification.objects.filter(subject=SUBJECT).count() == 1
    with time_machine.travel(timezone.now() + datetime.timedelta(days=1)):
        body = _remind(client, head_a, school_a).content.decode()
    assert "1 member of staff has been reminded" in body
    assert Notification.objects.filter(subject=SUBJECT).count() == 2


def test_when_everyone_has_confirmed_no_one_is_reminded(
    client, head_a, staff_a, staff_a_confirmed, school_a
):
    body = _remind(client, head_a, school_a).content.decode()
    assert "there is no one to remind" in body
    assert not AwarenessReminder.objects.exists()
    assert not Notification.objects.filter(subject=SUBJECT).exists()


@pytest.mark.parametrize(
    ("who", "status"), [("staff_a", 403), ("spoc_a", 403), ("sergeant", 403), ("head_b", 404)]
)
def test_only_the_schools_head_may_remind(
    client, request, head_a, staff_a2, school_a, who, status
):
    user = request.getfixturevalue(who)
    client.force_login(user)
    response = client.post(reverse("awareness_remind", args=[school_a.partnership.code]))
    assert response.status_code == status
    assert not Notification.objects.filter(subject=SUBJECT).exists()
    assert not AwarenessReminder.objects.exists()


def test_a_reminder_is_a_post(client, head_a, staff_a, school_a):
    client.force_login(head_a)
    response = client.get(reverse("awareness_remind", args=[school_a.partnership.code]))
    assert response.status_code == 405

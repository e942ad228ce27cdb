"""Operation Encompass: intake, matching, who reaches what, acknowledgement, escalation."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.urls import reverse

from encompass import services
from encompass.models import Notification
from ssp.models import AccessLog
from ssp.models import Notification as PortalNotification
from tests.factories import PupilFactory, SchoolFactory
from tests.keyset_walk import walk

pytestmark = pytest.mark.django_db
LONDON = ZoneInfo("Europe/London")
# A Tuesday evening in term.
EVENING = dt.datetime(2026, 10, 6, 21, 0, tzinfo=LONDON)


def details(**over):
    data = {
        "child_first_name": "Amelia",
        "child_last_name": "Ashby",
        "child_date_of_birth": dt.date(2013, 4, 2),
        "police_reference": "DA/2026/0001",
        "incident_at": EVENING - dt.timedelta(hours=2),
        "incident_location": "Home address",
        "child_presence": Notification.Presence.PRESENT,
        "child_whereabouts": "Upstairs bedroom",
        "voice_of_child": "Said they were scared.",
        "circumstances": "Argument between adults; one arrested.",
        "other_information": "",
    }
    data.update(over)
    return data


@pytest.fixture
def sender(sergeant, sspo_a):
    return sergeant  # the sergeant's team serves school A through its SSPO


@pytest.fixture
def sent(sender, school_a, spoc_a, head_a):
    PupilFactory(
        school=school_a, first_name="Amelia", last_name="Ashby", date_of_birth=dt.date(2013, 4, 2)
    )
    with time_machine.travel(EVENING, tick=False):
        notification, created = services.receive(school=school_a, details=details(), sender=sender)
    assert created
    return notification


def test_one_candidate_is_matched_and_the_deadline_is_next_morning(sent):
    assert sent.pupil is not None and sent.pupil.first_name == "Amelia"
    assert sent.deadline == dt.datetime(2026, 10, 7, 8, 30, tzinfo=LONDON)


def test_the_key_adults_are_told_at_once_urgently_without_details(sent, spoc_a, head_a):
    told = PortalNotification.objects.get(recipient=spoc_a)
    assert told.urgent
    assert told.reference == "Encompass: DA/2026/0001"
    assert "Amelia" not in told.subject and "Ashby" not in told.subject
    # With a SPOC in place, the head is told only on escalation.
    assert not PortalNotification.objects.filter(recipient=head_a).exists()


def test_two_candidates_are_never_guessed(sender, school_a, spoc_a):
    for _ in range(2):
        PupilFactory(
            school=school_a,
            first_name="Sam",
            last_name="Lee",
            date_of_birth=dt.date(2012, 1, 1),
        )
    notification, _ = services.receive(
        school=school_a,
        details=details(
            child_first_name="Sam", child_last_name="Lee", child_date_of_birth=dt.date(2012, 1, 1)
        ),
        sender=sender,
    )
    assert notification.pupil is None
    assert services.candidates(notification).count() == 2


def test_no_candidate_is_left_to_match(sender, school_a, spoc_a):
    notification, _ = services.receive(
        school=school_a, details=details(child_first_name="Nobody"), sender=sender
    )
    assert notification.pupil is None


def test_a_pupil_of_another_school_is_never_matched(sender, school_a, school_b, spoc_a):
    PupilFactory(
        school=school_b, first_name="Amelia", last_name="Ashby", date_of_birth=dt.date(2013, 4, 2)
    )
    notification, _ = services.receive(school=school_a, details=details(), sender=sender)
    assert notification.pupil is None


def test_a_sergeant_cannot_send_for_a_school_their_team_does_not_serve(other_sergeant, school_a):
    with pytest.raises(PermissionDenied):
        services.receive(school=school_a, details=details(), sender=other_sergeant)
    assert not Notification.objects.exists()


def test_school_staff_cannot_send(spoc_a, school_a):
    with pytest.raises(PermissionDenied):
        services.receive(school=school_a, details=details(), sender=spoc_a)
    assert not Notification.objects.exists()


def test_a_client_sends_only_for_its_forces_schools(school_a, force):
    import uuid

    from tests.factories import ForceFactory

    code = uuid.uuid4()
    with pytest.raises(PermissionDenied):
        services.receive(
            school=school_a, details=details(), client_code=code, client_force=ForceFactory()
        )
    assert not Notification.objects.exists()
    first, created = services.receive(
        school=school_a, details=details(), client_code=code, client_force=force,
        idempotency_key="k1",
    )  # fmt: skip
    again, created_again = services.receive(
        school=school_a, details=details(police_reference="other"), client_code=code,
        client_force=force, idempotency_key="k1",
    )  # fmt: skip
    assert created and not created_again and again.pk == first.pk
    assert Notification.objects.count() == 1


def test_the_key_adult_acknowledges_once(sent, spoc_a, head_a):
    services.acknowledge(user=spoc_a, notification=sent, support_plan="Check in at break.")
    sent.refresh_from_db()
    assert sent.acknowledged_by == spoc_a and sent.acknowledged_at is not None
    with pytest.raises(services.AlreadyAcknowledged):
        services.acknowledge(user=head_a, notification=sent, support_plan="Another plan")
    sent.refresh_from_db()
    assert sent.support_plan == "Check in at break."


def test_the_sergeant_and_staff_cannot_acknowledge(sent, sergeant, staff_a, spoc_b):
    # The sergeant reaches the notification (its receipt) but may not act on it: 403. Staff
    # and another school's SPOC do not reach it at all: as if it did not exist, 404.
    with pytest.raises(PermissionDenied):
        services.acknowledge(user=sergeant, notification=sent, support_plan="x")
    for user in (staff_a, spoc_b):
        with pytest.raises(Http404):
            services.acknowledge(user=user, notification=sent, support_plan="x")
    sent.refresh_from_db()
    assert sent.acknowledged_at is None


def test_matching_by_hand_takes_only_a_pupil_of_the_school(sender, school_a, school_b, spoc_a):
    notification, _ = services.receive(
        school=school_a, details=details(child_first_name="Nobody"), sender=sender
    )
    elsewhere = PupilFactory(school=school_b)
    with pytest.raises(PermissionDenied):
        services.match_pupil(user=spoc_a, notification=notification, pupil=elsewhere)
    here = PupilFactory(school=school_a)
    services.match_pupil(user=spoc_a, notification=notification, pupil=here)
    notification.refresh_from_db()
    assert notification.pupil == here and notification.matched_by == spoc_a


def test_unacknowledged_past_the_deadline_escalates_to_the_head_once(sent, head_a):
    with time_machine.travel(sent.deadline - dt.timedelta(minutes=1), tick=False):
        assert services.escalate_overdue() == 0
    with time_machine.travel(sent.deadline + dt.timedelta(minutes=1), tick=False):
        assert services.escalate_overdue() == 1
        assert services.escalate_overdue() == 0
    assert PortalNotification.objects.filter(recipient=head_a).count() == 1
    sent.refresh_from_db()
    assert sent.escalated_at is not None


def test_an_acknowledged_notification_never_escalates(sent, spoc_a, head_a):
    services.acknowledge(user=spoc_a, notification=sent, support_plan="Plan")
    with time_machine.travel(sent.deadline + dt.timedelta(days=1), tick=False):
        assert services.escalate_overdue() == 0
    assert not PortalNotification.objects.filter(recipient=head_a).exists()


# Pages: outsiders get 404; the sergeant sees the receipt, never the plan.


@pytest.mark.parametrize("who", ["staff_a", "spoc_b", "head_b", "other_sergeant", "sspo_a"])
def test_outsiders_get_404(sent, signed_in, request, who):
    client = signed_in(request.getfixturevalue(who))
    assert client.get(reverse("encompass:detail", args=[sent.code])).status_code == 404


def test_the_key_adult_reads_it_and_the_read_is_logged(sent, signed_in, spoc_a):
    response = signed_in(spoc_a).get(reverse("encompass:detail", args=[sent.code]))
    assert response.status_code == 200
    assert b"Argument between adults" in response.content
    assert AccessLog.objects.filter(object_code=sent.code, user=spoc_a).exists()


def test_the_key_adult_lists_their_schools_only(sent, signed_in, spoc_a, spoc_b):
    assert b"DA/2026/0001" in signed_in(spoc_a).get(reverse("encompass:list")).content
    assert b"DA/2026/0001" not in signed_in(spoc_b).get(reverse("encompass:list")).content


def test_the_sergeant_sees_the_receipt_not_the_plan(sent, spoc_a, signed_in, sergeant):
    services.acknowledge(user=spoc_a, notification=sent, support_plan="Quiet word at break")
    response = signed_in(sergeant).get(reverse("encompass:detail", args=[sent.code]))
    assert response.status_code == 200
    assert b"Quiet word at break" not in response.content
    assert b"Not yet" not in response.content  # the receipt shows when it was acknowledged


def test_acknowledging_in_the_page_needs_a_plan_and_keeps_nothing_lost(sent, signed_in, spoc_a):
    client = signed_in(spoc_a)
    url = reverse("encompass:acknowledge", args=[sent.code])
    assert client.post(url, {"support_plan": ""}).status_code == 400
    response = client.post(url, {"support_plan": "Check in daily"})
    assert response.status_code == 302
    sent.refresh_from_db()
    assert sent.support_plan == "Check in daily"


def test_the_second_acknowledgement_in_the_page_is_told(sent, signed_in, spoc_a, head_a):
    services.acknowledge(user=head_a, notification=sent, support_plan="Head's plan")
    response = signed_in(spoc_a).post(
        reverse("encompass:acknowledge", args=[sent.code]), {"support_plan": "Mine"}
    )
    assert response.status_code == 400
    assert b"Someone else acknowledged" in response.content


def test_other_schools_get_no_notice(sent, spoc_b):
    assert not PortalNotification.objects.filter(recipient=spoc_b).exists()


def test_another_schools_term_dates_do_not_move_the_deadline(sender, school_a, spoc_a):
    SchoolFactory()
    with time_machine.travel(EVENING, tick=False):
        notification, _ = services.receive(school=school_a, details=details(), sender=sender)
    assert notification.deadline.astimezone(LONDON).date() == dt.date(2026, 10, 7)


def test_the_beat_runs_the_escalation(settings, sent, head_a):
    from encompass.tasks import escalate_unacknowledged

    schedule = settings.CELERY_BEAT_SCHEDULE["escalate-encompass"]
    assert schedule["task"] == "encompass.tasks.escalate_unacknowledged"
    with time_machine.travel(sent.deadline + dt.timedelta(minutes=5), tick=False):
        assert escalate_unacknowledged.apply().get() == 1
    assert PortalNotification.objects.filter(recipient=head_a).count() == 1


def test_the_list_pages_by_cursor_in_the_same_queries_to_the_end(sender, school_a, spoc_a, client):
    with time_machine.travel(EVENING, tick=False):
        for n in range(120):  # three pages of 50, ties on received_at included
            services.receive(
                school=school_a, details=details(police_reference=f"DA/{n:04}"), sender=sender
            )
    client.force_login(spoc_a)
    client.get(reverse("encompass:list"))  # the session's first page sets what it keeps
    codes, queries = walk(client, reverse("encompass:list"), "")
    assert len(codes) == len(set(codes)) == 120
    assert len(queries) == 3 and len(set(queries)) == 1

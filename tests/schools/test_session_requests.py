"""Session requests: the SPOC asks, the officer schedules (into the activity log) or
declines, the SPOC may withdraw while it waits; one decision wins."""

import datetime
import threading

import pytest
import time_machine
from django.db import connection
from django.urls import reverse

from schools.activity_services import (
    RecordChanged,
    session_request_decline,
    session_request_schedule,
)
from schools.models import Activity, SessionRequest
from ssp.models import Notification
from tests.factories import MembershipFactory

from .activity_fixtures import *  # noqa: F403  (the fixtures)
from .activity_fixtures import ANON, PEOPLE, date_fields, days, make_request, who

SCHOOL_A_READERS = {"spoc_a", "deputy_a", "head_a", "sspo_a", "sergeant"}
LIST_READERS = {
    "spoc_a",
    "deputy_a",
    "head_a",
    "spoc_b",
    "head_b",
    "head_c",
    "spoc_c",
    "sspo_a",
    "sspo_b",
    "sergeant",
    "other_sergeant",
    "yet_officer",
}
REQUESTERS = {"spoc_a", "deputy_a", "spoc_b", "spoc_c"}


@pytest.fixture
def world(request_a, staff_a, head_a, spoc_a, deputy_a, spoc_b, head_b, sspo_a, sspo_b):
    return request_a


def snapshot():
    return (
        sorted(SessionRequest.objects.values_list("pk", "status", "version", "decline_reason")),
        Activity.objects.count(),
    )


PAGES = {
    "list": dict.fromkeys(LIST_READERS, 200),
    "new": dict.fromkeys(REQUESTERS, 200),
    "detail": dict.fromkeys(SCHOOL_A_READERS, 200),
}


def page_url(page, session_request):
    return {
        "list": reverse("session_request_list"),
        "new": reverse("session_request_new"),
        "detail": reverse("session_request_detail", args=[session_request.code]),
    }[page]


@pytest.mark.parametrize("person", [*PEOPLE, ANON])
@pytest.mark.parametrize("page", list(PAGES))
def test_pages_by_person(request, client, world, person, page):
    user = who(request, person)
    if user:
        client.force_login(user)
    before = snapshot()
    response = client.get(page_url(page, world))
    if user is None:
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
        return
    assert response.status_code == PAGES[page].get(person, 404 if page == "detail" else 403)
    assert snapshot() == before


@pytest.mark.parametrize("person", sorted(LIST_READERS))
def test_the_list_shows_only_requests_in_scope(request, client, world, person):
    client.force_login(request.getfixturevalue(person))
    body = client.get(reverse("session_request_list")).content.decode()
    assert ("County lines awareness" in body) == (person in SCHOOL_A_READERS)


def schedule_data(version=1, **overrides):
    return {
        "version": version,
        "kind": "assembly",
        **date_fields("on", days(7)),
        "starts_at": "09:00",
        "ends_at": "09:40",
    } | overrides


ACTIONS = {
    "schedule": (
        "session_request_schedule",
        schedule_data(),
        {"sspo_a": 302} | dict.fromkeys(["spoc_a", "deputy_a", "head_a", "sergeant"], 403),
    ),
    "decline": (
        "session_request_decline",
        {"version": 1, "reason": "Fully booked this term"},
        {"sspo_a": 302} | dict.fromkeys(["spoc_a", "deputy_a", "head_a", "sergeant"], 403),
    ),
    "withdraw": (
        "session_request_withdraw",
        {"version": 1},
        dict.fromkeys(["spoc_a", "deputy_a"], 302)
        | dict.fromkeys(["head_a", "sspo_a", "sergeant"], 403),
    ),
}


@pytest.mark.parametrize("person", [*PEOPLE, ANON])
@pytest.mark.parametrize("action", list(ACTIONS))
def test_acting_on_a_request(request, client, world, person, action):
    name, data, allowed = ACTIONS[action]
    user = who(request, person)
    if user:
        client.force_login(user)
    before = snapshot()
    response = client.post(reverse(name, args=[world.code]), data)
    if user is None:
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
        assert snapshot() == before
        return
    assert response.status_code == allowed.get(person, 404)
    world.refresh_from_db()
    if response.status_code == 302:
        expected = {"schedule": "scheduled", "decline": "declined", "withdraw": "withdrawn"}
        assert world.status == expected[action]
    else:
        assert snapshot() == before


@pytest.mark.parametrize(
    "person, school, outcome",
    [
        ("spoc_a", "school_a", 302),
        ("deputy_a", "school_a", 302),
        ("spoc_c", "school_c", 302),
        ("spoc_b", "school_a", "own school"),  # the school is theirs, whatever is posted
    ],
)
def test_making_a_request(request, client, person, school, outcome, deputy_a, spoc_b, spoc_c):
    user = request.getfixturevalue(person)
    school = request.getfixturevalue(school)
    client.force_login(user)
    data = {  # one school each, so no school question: a posted one is ignored
        "school": str(school.code),
        "topic": "Online safety",
        "year_groups": ["7", "8"],
        "preferred_dates": "Any Monday in March",
        "notes": "",
    }
    response = client.post(reverse("session_request_new"), data)
    if outcome == "own school":
        assert response.status_code == 302
        assert SessionRequest.objects.get().school == request.getfixturevalue("school_b")
        return
    assert response.status_code == outcome
    made = SessionRequest.objects.get()
    assert (made.school, made.requested_by, made.year_groups) == (school, user, ["7", "8"])
    assert made.history.get().history_user == user


def test_a_request_needs_a_topic_year_groups_and_dates_and_keeps_the_typing(client, spoc_a):
    client.force_login(spoc_a)
    response = client.post(
        reverse("session_request_new"),
        {"topic": "", "year_groups": [], "preferred_dates": "", "notes": "Hall is free pm"},
    )
    body = response.content.decode()
    for message in (
        "Enter the topic of the session",
        "Choose the year groups",
        "Enter the dates that would suit the school",
    ):
        assert message in body
    assert "Hall is free pm" in body and "govuk-error-summary" in body
    assert not SessionRequest.objects.exists()


def test_year_groups_are_checkboxes_for_years_7_to_13(client, spoc_a):
    client.force_login(spoc_a)
    body = client.get(reverse("session_request_new")).content.decode()
    for year in range(7, 14):
        assert f'type="checkbox" name="year_groups" value="{year}"' in body
    assert 'value="6"' not in body


def test_request_scheduled_appears_in_the_log_and_is_then_delivered(
    client, spoc_a, deputy_a, sspo_a, school_a
):
    client.force_login(spoc_a)
    client.post(
        reverse("session_request_new"),
        {
            "topic": "Knife crime",
            "year_groups": ["10", "9"],
            "preferred_dates": "Week of 11 January",
        },
    )
    session_request = SessionRequest.objects.get()
    link = reverse("session_request_detail", args=[session_request.code])
    assert Notification.objects.filter(recipient=sspo_a, link=link).exists()

    client.force_login(sspo_a)
    assert "Knife crime" in client.get(reverse("session_request_list")).content.decode()
    response = client.post(
        reverse("session_request_schedule", args=[session_request.code]),
        schedule_data(kind="rshe"),
    )
    assert response.status_code == 302
    activity = Activity.objects.get(session_request=session_request)
    assert (activity.status, activity.kind, activity.theme, activity.year_groups) == (
        "scheduled",
        "rshe",
        "Knife crime",
        ["9", "10"],
    )
    assert {n.recipient for n in Notification.objects.filter(link=link)} == {
        sspo_a,
        spoc_a,
        deputy_a,
    }

    client.force_login(spoc_a)
    log = client.get(reverse("school_activity_list", args=[school_a.code])).content.decode()
    assert "Knife crime" in log and "Scheduled" in log
    detail = client.get(link).content.decode()
    assert "Scheduled" in detail and "RSHE session" in detail

    close = reverse("activity_close", args=[activity.code])
    with time_machine.travel(days(8)):
        client.force_login(sspo_a)  # a week later: a new sign-in
        response = client.post(close, {"status": "delivered", "pupils_count": "58"})
        assert response.status_code == 302 and response["Location"].startswith("/activity/")
    activity.refresh_from_db()
    assert (activity.status, activity.pupils_count) == ("delivered", 58)


def test_a_declined_request_tells_the_school_why(client, world, spoc_a, sspo_a):
    client.force_login(sspo_a)
    url = reverse("session_request_decline", args=[world.code])
    body = client.post(url, {"version": 1, "reason": " "}).content.decode()
    assert "Say why you are declining the request" in body
    assert client.post(url, {"version": 1, "reason": "No officer free in January"}).status_code
    world.refresh_from_db()
    assert (world.status, world.answered_by) == ("declined", sspo_a)
    assert not Activity.objects.exists()
    client.force_login(spoc_a)
    detail = client.get(reverse("session_request_detail", args=[world.code])).content.decode()
    assert "No officer free in January" in detail
    assert Notification.objects.filter(
        recipient=spoc_a, subject="A session your school asked for has been declined"
    ).exists()


def test_a_withdrawn_request_can_no_longer_be_scheduled(client, world, spoc_a, sspo_a):
    client.force_login(spoc_a)
    withdraw = reverse("session_request_withdraw", args=[world.code])
    assert client.post(withdraw, {"version": 1}).status_code == 302
    assert Notification.objects.filter(
        recipient=sspo_a, subject="A school has withdrawn a session request"
    ).exists()
    client.force_login(sspo_a)
    detail = client.get(reverse("session_request_detail", args=[world.code])).content.decode()
    assert "Schedule the session" not in detail
    response = client.post(
        reverse("session_request_schedule", args=[world.code]), schedule_data(version=2)
    )
    assert response.status_code == 409
    assert not Activity.objects.exists()


def test_scheduling_checks_the_date_and_times_and_keeps_the_typing(client, world, sspo_a):
    client.force_login(sspo_a)
    url = reverse("session_request_schedule", args=[world.code])
    cases = [
        (schedule_data(**date_fields("on", days(-1))), "The date of the session must be"),
        (schedule_data(ends_at="08:00"), "The end time must be after the start time"),
        (schedule_data(kind="patrol"), "Select a valid choice"),
        (schedule_data(starts_at=""), "Enter the start time"),
    ]
    for data, message in cases:
        body = client.post(url, data).content.decode()
        assert message in body
        assert f'value="{data["on_0"]}"' in body
    world.refresh_from_db()
    assert world.status == "requested" and not Activity.objects.exists()


def test_of_a_schedule_and_a_decline_one_wins_and_the_other_is_told(client, world, sspo_a):
    client.force_login(sspo_a)
    first = client.post(
        reverse("session_request_schedule", args=[world.code]), schedule_data(version=1)
    )
    second = client.post(
        reverse("session_request_decline", args=[world.code]), {"version": 1, "reason": "No"}
    )
    assert first.status_code == 302 and second.status_code == 409
    assert "Someone else answered this request first" in second.content.decode()
    world.refresh_from_db()
    assert (world.status, world.version, world.decline_reason) == ("scheduled", 2, "")
    assert Activity.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_of_two_officers_answering_at_the_same_moment_one_wins(request_a, sspo_a):
    barrier = threading.Barrier(2)
    results = []

    def schedule():
        return session_request_schedule(
            session_request=request_a,
            by=sspo_a,
            kind="assembly",
            on=days(3),
            starts_at=datetime.time(9, 0),
            seen_version=1,
        )

    def decline():
        return session_request_decline(
            session_request=request_a, by=sspo_a, reason="Booked", seen_version=1
        )

    def attempt(act):
        try:
            barrier.wait()
            act()
            results.append("won")
        except RecordChanged:
            results.append("lost")
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt, args=(act,)) for act in (schedule, decline)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == ["lost", "won"]
    request_a.refresh_from_db()
    assert request_a.version == 2
    assert Activity.objects.count() == (1 if request_a.status == "scheduled" else 0)


def test_a_yet_school_asks_the_youth_engagement_team(client, spoc_c, yet_officer, sspo_a):
    client.force_login(spoc_c)
    client.post(
        reverse("session_request_new"),
        {"topic": "Road safety", "year_groups": ["7"], "preferred_dates": "Any Friday"},
    )
    session_request = SessionRequest.objects.get()
    link = reverse("session_request_detail", args=[session_request.code])
    assert set(Notification.objects.filter(link=link).values_list("recipient", flat=True)) == {
        yet_officer.pk
    }
    client.force_login(yet_officer)
    response = client.post(
        reverse("session_request_schedule", args=[session_request.code]), schedule_data()
    )
    assert response.status_code == 302
    assert Activity.objects.get().officer == yet_officer.officer
    client.force_login(sspo_a)
    assert client.get(link).status_code == 404


def test_the_sspo_home_shows_requests_waiting(client, world, sspo_a):
    client.force_login(sspo_a)
    body = client.get(reverse("home")).content.decode()
    assert "Session requests waiting" in body
    assert reverse("session_request_detail", args=[world.code]) in body


@pytest.mark.parametrize("person", ["sspo_a", "spoc_a", "sergeant"])
def test_the_list_answers_in_a_fixed_number_of_queries(
    request, client, django_assert_max_num_queries, spoc_a, sspo_a, school_a, person
):
    client.force_login(request.getfixturevalue(person))
    url = reverse("session_request_list")

    def grow_to(count):
        while SessionRequest.objects.count() < count:
            made = make_request(school=school_a, by=spoc_a)
            if SessionRequest.objects.count() % 2:
                session_request_schedule(
                    session_request=made,
                    by=sspo_a,
                    kind="assembly",
                    on=days(5),
                    starts_at=datetime.time(10, 0),
                    seen_version=1,
                )

    grow_to(3)
    with django_assert_max_num_queries(12) as small:
        assert client.get(url).status_code == 200
    grow_to(24)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client.get(url).status_code == 200


def test_a_lead_of_two_schools_chooses_one_of_them_and_no_other(
    client, spoc_a, school_a, school_b, school_c
):
    MembershipFactory(school=school_b, user=spoc_a, is_slt=True, designation="deputy")
    client.force_login(spoc_a)
    form = client.get(reverse("session_request_new")).content.decode()
    assert "Ashdown Academy" in form and "Brookfield School" in form
    assert "Coldharbour School" not in form
    data = {"topic": "Vaping", "year_groups": ["11"], "preferred_dates": "June"}
    body = client.post(
        reverse("session_request_new"), data | {"school": str(school_c.code)}
    ).content.decode()
    assert "Choose a school where you are the SPOC or deputy" in body
    assert 'value="Vaping"' in body
    assert not SessionRequest.objects.exists()
    client.post(reverse("session_request_new"), data | {"school": str(school_b.code)})
    assert SessionRequest.objects.get().school == school_b

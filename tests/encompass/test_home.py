"""The key adults' home shows the Encompass notifications still to read, urgent-looking, each
with its deadline, within the home's pinned query budget (tests/reports/test_home.py)."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from encompass import services
from tests.encompass.test_notifications import details

pytestmark = pytest.mark.django_db
HOME = "/"


@pytest.fixture
def send(sergeant, sspo_a, sspo_b):
    def make(school, reference="DA/2026/0001"):
        notification, _ = services.receive(
            school=school, details=details(police_reference=reference), sender=sergeant
        )
        return notification

    return make


@pytest.mark.parametrize("who", ["spoc_a", "deputy_a", "head_a"])
def test_the_key_adults_see_what_waits_with_its_deadline(
    request, client, send, school_a, school_b, who
):
    waiting = send(school_a, "DA/WAITING")
    read = send(school_a, "DA/READ")
    services.acknowledge(
        user=request.getfixturevalue("spoc_a"), notification=read, support_plan="Check-in"
    )
    send(school_b, "DA/OTHER-SCHOOL")
    client.force_login(request.getfixturevalue(who))
    body = client.get(HOME).content.decode()
    assert "DA/WAITING" in body
    assert reverse("encompass:detail", args=[waiting.code]) in body
    deadline = timezone.localtime(waiting.deadline)
    assert f"read by {deadline:%a} {deadline.day} {deadline:%b %H:%M}" in body
    section = body[body.index('id="encompass-waiting"') :]
    assert 'govuk-tag--red">Urgent' in section
    assert "DA/READ" not in body and "DA/OTHER-SCHOOL" not in body


def test_past_its_deadline_it_says_overdue(client, send, school_a, spoc_a):
    notification = send(school_a)
    type(notification).objects.filter(pk=notification.pk).update(
        deadline=timezone.now() - dt.timedelta(minutes=1)
    )
    client.force_login(spoc_a)
    body = client.get(HOME).content.decode()
    assert 'govuk-tag--red">Overdue' in body


def test_nothing_waiting_shows_nothing(client, send, school_b, spoc_a):
    send(school_b)
    client.force_login(spoc_a)
    assert 'id="encompass-waiting"' not in client.get(HOME).content.decode()


def test_staff_and_police_homes_show_no_notifications(client, send, school_a, staff_a, sspo_a):
    send(school_a)
    for person in (staff_a, sspo_a):
        client.force_login(person)
        assert "DA/2026/0001" not in client.get(HOME).content.decode()


def test_the_spoc_home_stays_in_its_budget_however_many_wait(
    client, send, school_a, spoc_a, django_assert_max_num_queries
):
    send(school_a)
    client.force_login(spoc_a)
    client.get(HOME)
    with django_assert_max_num_queries(10) as few:  # the SPOC's pin in tests/reports
        assert client.get(HOME).status_code == 200
    for n in range(15):
        send(school_a, f"DA/MORE/{n}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        body = client.get(HOME).content.decode()
    assert body.count('govuk-tag--red">Urgent') == 10
    assert f'href="{reverse("encompass:list")}"' in body

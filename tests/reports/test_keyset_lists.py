"""The police's long lists page by cursor too: incidents, case conferences and the school's
view of referrals. Every sort walks the whole list once, in order, and a deep page costs the
queries of the first."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from incidents.models import Incident
from referrals.models import Conference, Referral
from tests.factories import PupilFactory
from tests.keyset_walk import UUID, walk


@pytest.fixture
def incidents_55(make_incident, school_a, pupil_a):
    for n in range(55):
        incident = make_incident(school=school_a, pupils=[pupil_a])
        if n % 3 == 0:
            incident.status = Incident.Status.CLOSED
            incident.save(update_fields=["status"])


@pytest.fixture
def conferences_55(school_a, pupil_a, sspo_a):
    for n in range(55):
        conference = Conference.objects.create(
            school=school_a,
            held_on=timezone.localdate() - datetime.timedelta(days=n // 4),  # ties on the day
            agencies="Children's services",
            attendees="SSPO, SPOC",
            decisions="Mentoring",
            rationale="Risk",
            recorded_by=sspo_a,
        )
        conference.pupils.set([pupil_a])


@pytest.fixture
def referrals_55(make_referral, school_a, sspo_a):
    pupils = PupilFactory.create_batch(5, school=school_a)
    for n in range(55):
        make_referral(pupil=pupils[n % 5], made_by=sspo_a)


@pytest.mark.parametrize(
    "who, name, rows, model, sort, order",
    [
        (
            "sspo_a",
            "incident_list",
            "incidents_55",
            Incident,
            "",
            ["-status", "-recorded_at", "-pk"],
        ),
        ("sspo_a", "incident_list", "incidents_55", Incident, "oldest", ["recorded_at", "pk"]),
        ("spoc_a", "conference_list", "conferences_55", Conference, "", ["-held_on", "-pk"]),
        ("sspo_a", "conference_list", "conferences_55", Conference, "earliest", ["held_on", "pk"]),
        ("spoc_a", "school_referral_list", "referrals_55", Referral, "", ["-made_at", "-pk"]),
        ("head_a", "school_referral_list", "referrals_55", Referral, "oldest", ["made_at", "pk"]),
    ],
)
def test_each_list_walks_in_order_once_and_deep_pages_cost_the_same(
    request, client, who, name, rows, model, sort, order
):
    request.getfixturevalue(rows)
    client.force_login(request.getfixturevalue(who))
    url = reverse(name)
    client.get(url)  # the session's first request does more
    codes, queries = walk(client, url, f"sort={sort}")
    expected = [
        str(code) for code in model.objects.order_by(*order).values_list("code", flat=True)
    ]
    assert [code for code in codes if code in expected] == expected
    assert len(queries) == 3
    assert queries[0] == queries[1] == queries[2]
    assert queries[0] <= 8


def test_an_outsider_still_gets_no_rows_and_a_bad_cursor_no_error(client, incidents_55, sspo_b):
    client.force_login(sspo_b)
    response = client.get(reverse("incident_list"), {"cursor": "forged", "sort": "nope"})
    assert response.status_code == 200
    assert not UUID.findall(response.content.decode())

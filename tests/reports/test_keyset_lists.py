"""The police's long lists page by cursor too: incidents, case conferences and the school's
view of referrals. Every sort walks the whole list once, in order, and a deep page costs the
queries of the first."""

import datetime

import pytest
from django.db.models import Case, IntegerField, When
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


# The lists that paged by number until the last of them moved to cursors. Each walk meets
# rows that tie on the time they sort by (a third of them share one moment).


def _tie(model, pks, field):
    moment = timezone.now() - datetime.timedelta(hours=1)
    model.objects.filter(pk__in=pks[::3]).update(**{field: moment})


@pytest.fixture
def summaries_60(make_incident, school_a, pupil_a, sspo_a, spoc_a):
    from incidents.models import IncidentSummary
    from incidents.services import incident_send_summary

    incident = make_incident(school=school_a, pupils=[pupil_a])
    pks = [
        incident_send_summary(incident=incident, by=sspo_a, text=f"Summary {n}.").pk
        for n in range(60)
    ]
    _tie(IncidentSummary, pks, "sent_at")


@pytest.fixture
def session_requests_60(school_a, spoc_a):
    from schools.models import SessionRequest

    pks = []
    for n in range(60):
        pks.append(
            SessionRequest.objects.create(
                school=school_a,
                requested_by=spoc_a,
                topic=f"Topic {n}",
                status="requested" if n % 4 else "scheduled",
            ).pk
        )
    _tie(SessionRequest, pks, "requested_at")


@pytest.fixture
def notifications_60(sspo_a):
    from ssp.models import Notification

    pks = [
        Notification.objects.create(recipient=sspo_a, subject=f"Look {n}", link="/").pk
        for n in range(60)
    ]
    _tie(Notification, pks, "created_at")


@pytest.mark.parametrize(
    "who, name, rows, model, order",
    [
        (
            "spoc_a",
            "incident_summary_list",
            "summaries_60",
            "incidents.IncidentSummary",
            ["-sent_at"],
        ),
        (
            "head_a",
            "incident_summary_list",
            "summaries_60",
            "incidents.IncidentSummary",
            ["-sent_at"],
        ),
        (
            "spoc_a",
            "session_request_list",
            "session_requests_60",
            "schools.SessionRequest",
            ["-waiting", "-requested_at"],
        ),
        (
            "sspo_a",
            "session_request_list",
            "session_requests_60",
            "schools.SessionRequest",
            ["-waiting", "-requested_at"],
        ),
        ("sspo_a", "notifications", "notifications_60", "ssp.Notification", ["-created_at"]),
    ],
)
def test_the_lists_that_paged_by_number_walk_by_cursor(
    request, client, who, name, rows, model, order
):
    from django.apps import apps

    request.getfixturevalue(rows)
    model = apps.get_model(model)
    client.force_login(request.getfixturevalue(who))
    url = reverse(name)
    client.get(url)  # the session's first request does more
    codes, queries = walk(client, url, "")
    # Those waiting for an answer first, whatever their time.
    waiting = Case(When(status="requested", then=1), default=0, output_field=IntegerField())
    rows = model.objects.annotate(waiting=waiting) if "-waiting" in order else model.objects
    expected = [str(code) for code in rows.order_by(*order, "-pk").values_list("code", flat=True)]
    assert [code for code in codes if code in expected] == expected
    assert len(queries) == 3
    assert queries[0] == queries[1] == queries[2]


def test_the_sharing_log_walks_by_cursor(client, school_a, spoc_a, sspo_a, head_a):
    import re
    import uuid

    from agreements.models import Disclosure, Gateway
    from agreements.services import sharing_allowed

    dsa = sharing_allowed(school_a).document
    pks = [
        Disclosure.objects.create(
            school=school_a,
            partnership=school_a.partnership,
            document=dsa,
            gateway=Gateway.CHILDREN_ACT_2004_S11,
            purpose="Safeguarding",
            direction="to_police",
            kind="concern_shared",
            record_code=uuid.uuid4(),
            disclosed_by=spoc_a,
            disclosed_to=sspo_a,
            agreement=f"Agreement {n:03d}",
        ).pk
        for n in range(120)
    ]
    _tie(Disclosure, pks, "at")
    client.force_login(head_a)
    url = reverse("sharing_log")
    client.get(url)
    seen, queries = walk(client, url, "", row=re.compile(r"Agreement (\d{3})"))
    expected = [
        f"{n:03d}"
        for n in Disclosure.objects.order_by("-at", "-pk").values_list("agreement", flat=True)
        for n in [int(n.split()[1])]
    ]
    assert seen == expected
    assert len(queries) == 3 and queries[0] == queries[1] == queries[2]


def test_a_concerns_access_log_walks_by_cursor(client, concern_a, head_a):
    import re

    from ssp.models import AccessLog

    for n in range(120):
        AccessLog.objects.create(
            user=head_a,
            role="head",
            action="view",
            object_type="concern",
            object_code=concern_a.code,
            outcome="allowed",
            purpose=f"Read {n:03d}",
        )
    # No ties here: the log cannot be rewritten (PostgreSQL refuses UPDATE), and each row
    # takes its own time as it is written; the pk ends the order all the same.
    client.force_login(head_a)
    url = reverse("concern_access_log", args=[concern_a.code])
    client.get(url)
    seen, queries = walk(client, url, "", row=re.compile(r"Purpose: Read (\d{3})"))
    expected = [
        purpose.split()[1]
        for purpose in AccessLog.objects.filter(
            object_code=concern_a.code, purpose__startswith="Read"
        )
        .order_by("-at", "-pk")
        .values_list("purpose", flat=True)
    ]
    assert seen == expected and len(set(seen)) == 120
    assert len(queries) == 3 and queries[0] == queries[1] == queries[2]


def test_a_partnerships_reviews_walk_by_cursor(client, school_a, sergeant, head_a):
    import re

    from agreements.models import Review

    partnership = school_a.partnership
    for n in range(60):
        year, term = 2000 + n // 3, ("autumn", "spring", "summer")[n % 3]
        start = datetime.date(year, 9, 1)
        Review.objects.create(
            partnership=partnership,
            academic_year=year,
            term=term,
            # Ties: each year's three terms share a start, so the pk orders them.
            period_start=start,
            period_end=start + datetime.timedelta(days=90),
            rating="green",
            comments="Working well.",
            reviewed_by=sergeant,
        )
    client.force_login(head_a)
    url = reverse("review_list", args=[partnership.code])
    client.get(url)
    seen, queries = walk(client, url, "", row=re.compile(r"/reviews/([0-9a-f-]{36})/\""))
    expected = [
        str(code)
        for code in Review.objects.order_by("-period_start", "-pk").values_list("code", flat=True)
    ]
    assert seen == expected
    assert len(queries) == 3 and queries[0] == queries[1] == queries[2]

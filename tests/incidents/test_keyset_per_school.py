"""A list over several schools is read school by school (ssp.keyset, `per_school`): the
SSPO's and the sergeant's concerns shared with them come in the same order, whole and without
repeats, forwards and back, as one sort of everything they may see would give."""

import datetime
import json
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from incidents.models import Concern, ConcernPupil, Enquiry, Incident, Share
from incidents.services import enquiry_open
from referrals.models import Conference
from schools.services import assignment_create
from ssp.keyset import READ_APART
from tests.factories import (
    MembershipFactory,
    OfficerFactory,
    PartnershipFactory,
    PupilFactory,
    UserFactory,
)
from tests.keyset_walk import link, walk, walk_by_school
from tests.plans import nodes, plans_of

SHARED = reverse("shared_with_me")
REFERENCE = re.compile(r'href="/concerns/[0-9a-f-]{36}/">([^<]+)</a>')
ORDERS = {
    "": ("-immediate_risk", "-recorded_at", "-pk"),
    "newest": ("-recorded_at", "-pk"),
    "oldest": ("recorded_at", "pk"),
}


def _concerns(school, reporter, sspo, count, *, prefix, now, every=1):
    """`count` concerns at `school`, one a minute back from `now` (every `every` minutes),
    most shared with `sspo`; some at immediate risk; some not shared at all."""
    made = Concern.objects.bulk_create(
        Concern(
            reference=f"{prefix}-{n}",
            school=school,
            reported_by=reporter,
            category="welfare",
            narrative="Bulk",
            happened_at=now - datetime.timedelta(days=1),
            recorded_at=now - datetime.timedelta(minutes=n * every),
            location="in_school",
            immediate_risk=n % 11 == 0,
            status="new" if n % 7 == 3 else "early_intervention" if n % 4 == 1 else "shared",
            shared_at=None if n % 7 == 3 else now,
        )
        for n in range(count)
    )
    pupil = PupilFactory(school=school)
    ConcernPupil.objects.bulk_create(
        ConcernPupil(concern=concern, pupil=pupil, role="victim") for concern in made
    )
    Share.objects.bulk_create(
        Share(
            concern=concern,
            shared_by=reporter,
            shared_with=sspo,
            partnership=school.partnership,
            agreement="Test DSA",
        )
        for concern in made
        if concern.status != "new"
    )
    return made


@pytest.fixture
def two_schools(school_a, school_b, staff_a, spoc_b, sspo_a, sergeant, safer_team):
    """The SSPO works at both schools: 50 concerns at one, 40 at the other, logged at times
    that interleave and tie (so the id decides), and a few shared with an earlier officer."""
    assignment_create(
        officer=sspo_a.officer,
        school=school_b,
        starts_on=datetime.date(2026, 9, 1),
        by=sergeant,
    )
    now = timezone.now().replace(second=0, microsecond=0)
    _concerns(school_a, staff_a, sspo_a, 50, prefix="A", now=now)
    _concerns(school_b, spoc_b, sspo_a, 40, prefix="B", now=now, every=2)
    earlier = UserFactory()
    _concerns(school_b, spoc_b, earlier, 5, prefix="E", now=now)  # not shared with sspo_a
    return sspo_a


def _expected(user, order):
    return list(
        Concern.objects.visible_to(user).order_by(*order).values_list("reference", flat=True)
    )


def _walk_forward(client, query):
    seen, pages = [], []
    while query is not None:
        body = client.get(f"{SHARED}?{query}").content.decode()
        rows = REFERENCE.findall(body)
        seen += rows
        pages.append((query, rows))
        query = link(body, "next")
        assert len(pages) < 20
    return seen, pages


@pytest.mark.parametrize("sort", ORDERS)
@pytest.mark.parametrize("who", ["two_schools", "sergeant"])
def test_every_sort_walks_every_school_in_one_order(request, client, two_schools, who, sort):
    user = request.getfixturevalue(who)
    client.force_login(user)
    expected = _expected(user, ORDERS[sort])
    # The SSPO sees what was shared with them; the sergeant what was shared with anyone.
    prefixes = {"A", "B", "E"} if who == "sergeant" else {"A", "B"}
    assert {reference[0] for reference in expected} == prefixes
    seen, pages = _walk_forward(client, f"sort={sort}" if sort else "")
    assert seen == expected
    assert len(pages) == -(-len(expected) // 25)


@pytest.mark.parametrize("sort", ORDERS)
def test_previous_goes_back_through_the_same_pages(client, two_schools, sort):
    client.force_login(two_schools)
    _, pages = _walk_forward(client, f"sort={sort}" if sort else "")
    body = client.get(f"{SHARED}?{pages[-1][0]}").content.decode()
    for _, rows in reversed(pages[:-1]):
        query = link(body, "prev")
        body = client.get(f"{SHARED}?{query}").content.decode()
        assert REFERENCE.findall(body) == rows


def _suspend(school):
    partnership = school.partnership
    partnership.status = partnership.Status.SUSPENDED
    partnership.save()


def test_each_school_is_read_for_one_page_in_the_same_statement(
    client, two_schools, school_b, spoc_b, sspo_b
):
    client.force_login(two_schools)
    client.get(SHARED)
    with CaptureQueriesContext(connection) as captured:
        body = client.get(SHARED).content.decode()
    assert len(REFERENCE.findall(body)) == 25
    reads = [q["sql"] for q in captured.captured_queries if 'FROM "incidents_concern"' in q["sql"]]
    assert len(reads) == 1
    assert reads[0].count("UNION ALL") == 1  # one part a school
    assert reads[0].count("LIMIT 26") == 3  # each part, and the page
    # The access rule (the look for a share) is in each part, not again around them.
    assert reads[0].count('FROM "incidents_share"') == 2
    # No more queries than an SSPO of one school makes for a page of theirs.
    _concerns(school_b, spoc_b, sspo_b, 30, prefix="S", now=timezone.now())
    client.force_login(sspo_b)
    client.get(SHARED)
    with CaptureQueriesContext(connection) as one_school:
        body = client.get(SHARED).content.decode()
    assert len(REFERENCE.findall(body)) == 25
    assert "UNION" not in " ".join(q["sql"] for q in one_school.captured_queries)
    assert len(one_school) == len(captured)


def test_the_filters_are_left_out_around_the_parts_only_where_they_join_nothing(db):
    """The rows the parts found are read without the filters the parts applied; but a
    filter that joins (one row per related row) is kept, so the rows found stay the same."""
    from ssp.keyset import _around

    plain = Concern.objects.filter(status="shared", school_id__in=[1, 2])
    assert "WHERE" in str(plain.query) and "WHERE" not in str(_around(plain).query)
    joined = Concern.objects.filter(involved__role="victim")
    assert str(_around(joined).query) == str(joined.query)


def test_a_school_whose_agreement_lapsed_drops_out_of_every_part(client, two_schools, school_b):
    _suspend(school_b)
    client.force_login(two_schools)
    seen, _ = _walk_forward(client, "")
    assert seen and all(reference.startswith("A") for reference in seen)


INCIDENT_ORDERS = {
    "": ("-status", "-recorded_at", "-pk"),
    "newest": ("-recorded_at", "-pk"),
    "oldest": ("recorded_at", "pk"),
}


@pytest.mark.parametrize("sort", INCIDENT_ORDERS)
def test_incidents_at_two_schools_walk_in_one_order(
    client, two_schools, school_a, school_b, make_incident, sort
):
    """The SSPO's incidents across both their schools, some closed: one order, every one."""
    pupils = {school: PupilFactory(school=school) for school in (school_a, school_b)}
    for n in range(33):
        school = school_a if n % 3 else school_b
        incident = make_incident(school=school, pupils=[pupils[school]])
        if n % 4 == 0:
            incident.status = Incident.Status.CLOSED
            incident.save(update_fields=["status"])
    client.force_login(two_schools)
    url = reverse("incident_list")
    client.get(url)
    codes, queries = walk(client, url, f"sort={sort}")
    expected = Incident.objects.order_by(*INCIDENT_ORDERS[sort]).values_list("code", flat=True)
    assert codes == [str(code) for code in expected]
    assert len(queries) == 2 and queries[0] == queries[1]


def test_conferences_at_two_schools_walk_in_one_order(client, two_schools, school_a, school_b):
    pupils = {school: PupilFactory(school=school) for school in (school_a, school_b)}
    for n in range(31):
        school = school_b if n % 3 else school_a
        conference = Conference.objects.create(
            school=school,
            held_on=timezone.localdate() - datetime.timedelta(days=n // 3),  # ties on the day
            agencies="Children's services",
            attendees="SSPO, SPOC",
            decisions="Mentoring",
            rationale="Risk",
            recorded_by=two_schools,
        )
        conference.pupils.set([pupils[school]])
    client.force_login(two_schools)
    url = reverse("conference_list")
    codes, queries = walk_by_school(client, url, "")
    expected = Conference.objects.order_by("-held_on", "-pk").values_list("code", flat=True)
    assert codes == [str(code) for code in expected]
    assert len(queries) == 2 and queries[0] == queries[1]


def test_a_team_of_many_schools_is_walked_in_one_read(client, two_schools, sergeant, force):
    """Past READ_APART schools the page is one ordered read: still every concern, in order."""
    for k in range(READ_APART):
        school = PartnershipFactory(school__force=force, school__name=f"Extra {k}").school
        officer = OfficerFactory(team=sergeant.officer.team, user=UserFactory()).user
        assignment_create(
            officer=officer.officer,
            school=school,
            starts_on=datetime.date(2026, 9, 1),
            by=sergeant,
        )
        spoc = MembershipFactory(school=school, user=UserFactory()).user
        _concerns(school, spoc, officer, 4, prefix=f"X{k}", now=timezone.now())
    client.force_login(sergeant)
    expected = _expected(sergeant, ORDERS[""])
    assert len({reference.split("-")[0] for reference in expected}) == READ_APART + 3
    with CaptureQueriesContext(connection) as captured:
        seen, _ = _walk_forward(client, "")
    assert seen == expected
    assert "UNION" not in " ".join(q["sql"] for q in captured.captured_queries)


@pytest.mark.parametrize(
    "sort, order", [("", ("-last_message_at", "-pk")), ("oldest", ("last_message_at", "pk"))]
)
def test_enquiries_at_two_schools_walk_in_one_order(
    client, two_schools, school_a, school_b, sort, order
):
    now = timezone.now()
    for n in range(31):
        school = school_a if n % 3 else school_b
        enquiry = enquiry_open(
            by=two_schools, school=school, about="general", subject=f"Question {n}", text="Can we?"
        )
        Enquiry.objects.filter(pk=enquiry.pk).update(
            last_message_at=now - datetime.timedelta(hours=n // 4)  # ties: the id decides
        )
    client.force_login(two_schools)
    url = reverse("enquiry_list")
    codes, queries = walk_by_school(client, url, f"sort={sort}")
    expected = Enquiry.objects.order_by(*order).values_list("code", flat=True)
    assert codes == [str(code) for code in expected]
    assert len(queries) == 2 and queries[0] == queries[1]


@pytest.fixture
def summaries_at_two_schools(
    two_schools, school_a, school_b, spoc_a, spoc_b, head_a, make_incident
):
    """Summaries sent back to both of the SSPO's schools, at times that interleave and tie,
    and the head of the first school made head of the second too."""
    from incidents.services import incident_send_summary

    MembershipFactory(user=head_a, school=school_b, position="head", is_slt=True)
    now = timezone.now()
    pupils = {school: PupilFactory(school=school) for school in (school_a, school_b)}
    for n in range(33):
        school = school_a if n % 3 else school_b
        incident = make_incident(school=school, pupils=[pupils[school]])
        summary = incident_send_summary(incident=incident, by=two_schools, text=f"Summary {n}.")
        type(summary).objects.filter(pk=summary.pk).update(
            sent_at=now - datetime.timedelta(hours=n // 4)  # ties: the id decides
        )
    return head_a


def test_a_schools_summaries_are_its_incidents(summaries_at_two_schools, school_a):
    from incidents.models import IncidentSummary

    summaries = IncidentSummary.objects.select_related("incident")
    assert summaries.count() == 33
    assert all(summary.school_id == summary.incident.school_id for summary in summaries)
    assert summaries.filter(school=school_a).count() == 22


def test_summaries_at_two_schools_walk_in_one_order(client, summaries_at_two_schools):
    """A head of two schools reads both schools' summaries, newest first, each once."""
    from incidents.models import IncidentSummary

    client.force_login(summaries_at_two_schools)
    url = reverse("incident_summary_list")
    codes, queries = walk_by_school(client, url, "")
    expected = IncidentSummary.objects.order_by("-sent_at", "-pk").values_list("code", flat=True)
    assert codes == [str(code) for code in expected]
    assert len(queries) == 2 and queries[0] == queries[1]


def test_a_lead_of_one_school_walks_its_summaries_alone(
    client, summaries_at_two_schools, spoc_b, school_b
):
    from incidents.models import IncidentSummary

    client.force_login(spoc_b)
    codes, _ = walk(client, reverse("incident_summary_list"), "")
    expected = (
        IncidentSummary.objects.filter(incident__school=school_b)
        .order_by("-sent_at", "-pk")
        .values_list("code", flat=True)
    )
    assert codes == [str(code) for code in expected] and len(codes) == 11


def test_the_last_page_reads_each_school_from_its_own_index(
    client, two_schools, school_c, staff_a
):
    """PostgreSQL estimates a row comparison by its first column alone: strictly past a
    cursor among the concerns not at immediate risk, it expected no row, and read an SSPO's
    last page from the index of every school's shared concerns (concern_team_risk), through
    the other schools' rows. Each school is read from its own index, as on the first page."""
    now = timezone.now().replace(second=0, microsecond=0)
    Concern.objects.bulk_create(  # shared at another school, older than the SSPO's
        Concern(
            reference=f"C-{n}",
            school=school_c,
            reported_by=staff_a,
            category="welfare",
            narrative="Bulk",
            happened_at=now - datetime.timedelta(days=30),
            recorded_at=now - datetime.timedelta(days=20, minutes=n),
            location="in_school",
            status="shared",
            shared_at=now,
        )
        for n in range(3000)
    )
    client.force_login(two_schools)
    _, pages = _walk_forward(client, "")
    with CaptureQueriesContext(connection) as captured:
        body = client.get(f"{SHARED}?{pages[-1][0]}").content.decode()
    assert REFERENCE.findall(body) == pages[-1][1]
    [read] = [q["sql"] for q in captured.captured_queries if "UNION ALL" in q["sql"]]
    [plan] = plans_of([read], ("incidents_concern", "incidents_share"))
    indexes = {node.get("Index Name") for node in nodes(plan)} - {None}
    assert "concern_team_risk" not in indexes, json.dumps(plan, indent=1)
    assert "concern_police_risk" in indexes, json.dumps(plan, indent=1)

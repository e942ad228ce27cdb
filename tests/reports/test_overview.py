"""The sergeant's overview (a head teacher's: their own school's), its CSV exports and its
cost. Figures are checked against records counted by hand below, with records of another
team's school and of another force that must not count."""

import csv
import dataclasses
import datetime
import io
import random
import re
import statistics
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.cache import cache
from django.db import connection, models
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from agreements.models import Document, Partnership, Review
from agreements.services import document_version_publish, signature_create
from incidents.models import Concern, Share
from referrals.models import Conference, ConferenceAction
from reports import overview as team_figures
from reports.models import EarlierMonths, KeptCounts
from reports.tasks import count_new_overview_scopes, count_overview_months
from reports.views import OVERVIEW_PURPOSE
from schools.allocation import officer_assign
from schools.services import assignment_create
from ssp.models import AccessLog
from tests.factories import (
    DocumentFactory,
    ForceFactory,
    MembershipFactory,
    OfficerFactory,
    PartnershipFactory,
    PupilFactory,
    TeamFactory,
    UserFactory,
    revoke_dsa,
    step_up,
)
from tests.reports.kept import nothing_kept
from tests.ssp.test_outbox import celery_broker, free_port

LONDON = ZoneInfo("Europe/London")
NOW = datetime.datetime(2026, 11, 20, 10, 0, tzinfo=LONDON)
TODAY = NOW.date()
PAGE = reverse("overview")
CSVS = {
    "partnerships": reverse("overview_partnerships_csv"),
    "concerns": reverse("overview_concerns_csv"),
    "triage": reverse("overview_triage_csv"),
}
PASSWORD = "correct horse battery staple"


@pytest.fixture(autouse=True)
def _frozen():
    # Every date below is counted by hand against this moment (GMT: UTC = London).
    with time_machine.travel(NOW, tick=False):
        yield


def at(year, month, day, hour=9, minute=0):
    return datetime.datetime(year, month, day, hour, minute, tzinfo=LONDON)


def hours(n):
    return datetime.timedelta(hours=n)


@pytest.fixture
def school_d(force):
    """A partnered school of the same force held by another team's officer."""
    school = PartnershipFactory(school__force=force, school__name="Dunmore High").school
    officer = OfficerFactory(team=TeamFactory(force=force, name="North Safer Schools Team"))
    assignment_create(officer=officer, school=school, starts_on=datetime.date(2026, 9, 1))
    return school


@pytest.fixture
def school_e(other_sergeant):
    """A partnered school of another force, held by the other sergeant's officer."""
    team = other_sergeant.officer.team
    school = PartnershipFactory(school__force=team.force, school__name="Eastgate College").school
    assignment_create(
        officer=OfficerFactory(team=team), school=school, starts_on=datetime.date(2026, 9, 1)
    )
    return school


def shared_on_time(make_concern, school, staff, spoc, sspo):
    """A concern of welfare logged 5 hours ago, triaged an hour later and shared: open with
    the police, not yet overdue."""
    concern = make_concern(
        school=school,
        reported_by=staff,
        category="welfare",
        status="shared",
        recorded_at=NOW - hours(5),
        triaged_at=NOW - hours(4),
    )
    return share(concern, by=spoc, to=sspo)


def share(concern, *, by, to):
    """As incidents.services.concern_triage shares a concern: its Share, and its shared_at."""
    made = Share.objects.create(
        concern=concern,
        shared_by=by,
        shared_with=to,
        partnership=concern.school.partnership,
        agreement="Data sharing agreement v1",
    )
    concern.shared_at = made.at
    concern.save(update_fields=["shared_at"])
    return concern


def review(partnership, *, by, year, term, start, end, rating):
    return Review.objects.create(
        partnership=partnership,
        academic_year=year,
        term=term,
        period_start=start,
        period_end=end,
        rating=rating,
        comments="Reviewed.",
        reviewed_by=by,
    )


@pytest.fixture
def records(
    make_concern,
    make_incident,
    make_referral,
    school_a,
    school_b,
    school_d,
    school_e,
    staff_a,
    spoc_a,
    spoc_b,
    sspo_a,
    sspo_b,
    sergeant,
    pupil_a,
):
    """What the overview is checked against, counted by hand (now: 20 November 2026)."""
    c = make_concern
    # Ashdown (school A): three concerns triaged in March after 4, 10 and 6 hours (median 6),
    # one of them shared and never acknowledged (open and overdue).
    c(
        school=school_a,
        reported_by=staff_a,
        category="bullying",
        status="in_school",
        recorded_at=at(2026, 3, 10),
        triaged_at=at(2026, 3, 10) + hours(4),
    )
    c(
        school=school_a,
        reported_by=staff_a,
        category="bullying",
        status="nfa",
        recorded_at=at(2026, 3, 20),
        triaged_at=at(2026, 3, 20) + hours(10),
    )
    share(
        c(
            school=school_a,
            reported_by=staff_a,
            category="blades",
            status="shared",
            recorded_at=at(2026, 3, 25),
            triaged_at=at(2026, 3, 25) + hours(6),
        ),
        by=spoc_a,
        to=sspo_a,
    )
    c(school=school_a, reported_by=staff_a, category="welfare", recorded_at=at(2026, 11, 2))
    # Just before the 12 months (November 2025) and just inside them (December 2025).
    c(
        school=school_a,
        reported_by=staff_a,
        category="welfare",
        status="nfa",
        recorded_at=at(2025, 11, 30, 23, 30),
        triaged_at=at(2025, 12, 1, 0, 30),
    )
    c(school=school_a, reported_by=staff_a, category="welfare", recorded_at=at(2025, 12, 1, 0, 30))
    # Brookfield (school B): logged at 00:30 on 1 July in London (still 30 June in UTC),
    # triaged after 2 hours, shared and done with.
    share(
        c(
            school=school_b,
            reported_by=spoc_b,
            category="drugs",
            status="shared",
            recorded_at=at(2026, 7, 1, 0, 30),
            triaged_at=at(2026, 7, 1, 2, 30),
            acknowledged_at=at(2026, 7, 1, 3),
            police_outcome="advice",
        ),
        by=spoc_b,
        to=sspo_b,
    )
    # November: triaged after 24 hours and 1 hour (median 12.5); both open, neither overdue.
    share(
        c(
            school=school_b,
            reported_by=spoc_b,
            category="welfare",
            status="shared",
            recorded_at=at(2026, 11, 18),
            triaged_at=at(2026, 11, 19),
            acknowledged_at=at(2026, 11, 19, 12),
        ),
        by=spoc_b,
        to=sspo_b,
    )
    share(
        c(
            school=school_b,
            reported_by=spoc_b,
            category="asb",
            status="shared",
            recorded_at=at(2026, 11, 19),
            triaged_at=at(2026, 11, 19, 10),
        ),
        by=spoc_b,
        to=sspo_b,
    )
    # Police records at Ashdown: 2 open incidents and 1 closed; 2 open referrals (one with
    # its follow-up due) and 1 completed; conference actions: 1 overdue, 1 due, 1 done.
    make_incident(school=school_a, pupils=[pupil_a])
    make_incident(school=school_a, pupils=[pupil_a])
    closed = make_incident(school=school_a, pupils=[pupil_a])
    closed.status = "closed"
    closed.save(update_fields=["status"])
    make_incident(school=school_b, by=sspo_b)
    make_referral(pupil=pupil_a, made_by=sspo_a, follow_up_on=TODAY - datetime.timedelta(days=1))
    make_referral(pupil=pupil_a, made_by=sspo_a)
    make_referral(pupil=pupil_a, made_by=sspo_a, status="completed")
    conference = Conference.objects.create(
        school=school_a,
        held_on=TODAY - datetime.timedelta(days=20),
        agencies="CAMHS",
        attendees="SSPO, SPOC",
        decisions="Mentoring",
        rationale="Risk",
        recorded_by=sspo_a,
    )
    for due, done in ((-1, False), (7, False), (-5, True)):
        ConferenceAction.objects.create(
            conference=conference,
            description="Act",
            owner="School",
            due_on=TODAY + datetime.timedelta(days=due),
            done_at=NOW if done else None,
            done_by=sspo_a if done else None,
        )
    # Ashdown's reviews: the latest (summer) is amber.
    for term, start, rating in (
        ("spring", (2026, 1, 5), "red"),
        ("summer", (2026, 4, 20), "amber"),
    ):
        review(
            school_a.partnership,
            by=sergeant,
            year=2025,
            term=term,
            start=datetime.date(*start),
            end=datetime.date(*start) + datetime.timedelta(days=80),
            rating=rating,
        )
    # None of this counts: another team's school and another force's.
    for school in (school_d, school_e):
        reporter = MembershipFactory(school=school).user
        officer = school.assignments.get().officer.user
        share(
            c(
                school=school,
                reported_by=reporter,
                category="bullying",
                status="shared",
                recorded_at=at(2026, 3, 12),
                triaged_at=at(2026, 3, 12, 10),
            ),
            by=reporter,
            to=officer,
        )
        c(school=school, reported_by=reporter, category="weapons", recorded_at=at(2026, 11, 10))
        make_incident(school=school, by=officer, pupils=[PupilFactory(school=school)])
        make_referral(
            pupil=PupilFactory(school=school),
            made_by=officer,
            follow_up_on=TODAY - datetime.timedelta(days=3),
        )
        review(
            school.partnership,
            by=sergeant,
            year=2025,
            term="summer",
            start=datetime.date(2026, 4, 20),
            end=datetime.date(2026, 7, 20),
            rating="green",
        )


def reauthenticate(client):
    step_up(client)  # the authenticator code: a password alone unlocks no export


def csv_rows(response) -> list[list[str]]:
    assert response.status_code == 200, response
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.reader(io.StringIO(response.content.decode())))


MONTHS = [
    "2025-12",
    "2026-01",
    "2026-02",
    "2026-03",
    "2026-04",
    "2026-05",
    "2026-06",
    "2026-07",
    "2026-08",
    "2026-09",
    "2026-10",
    "2026-11",
]


def per_month(**counts) -> list[int]:
    """Twelve counts, December 2025 to November 2026, from keyword months like mar=2."""
    names = ["dec", "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov"]
    return [counts.get(name, 0) for name in names]


# The figures, counted by hand -------------------------------------------------------------


def test_the_sergeant_sees_each_partnership_of_the_team_with_its_figures(records, sergeant):
    found = team_figures.overview(sergeant)
    rows = {row.school.name: row for row in found.rows}
    assert set(rows) == {"Ashdown Academy", "Brookfield School"}
    ashdown, brookfield = rows["Ashdown Academy"], rows["Brookfield School"]
    assert ashdown.open == {"concerns": 1, "incidents": 2, "referrals": 2, "actions": 2}
    assert ashdown.overdue == {"concerns": 1, "referrals": 1, "actions": 1}
    assert brookfield.open == {"concerns": 2, "incidents": 1, "referrals": 0, "actions": 0}
    assert brookfield.overdue == {"concerns": 0, "referrals": 0, "actions": 0}
    assert (ashdown.rating, ashdown.reviewed) == ("Amber", "Summer 2025")
    assert brookfield.rating == ""
    assert ashdown.sspos == ["Dan Okafor"] and brookfield.sspos == ["Claire Hughes"]
    assert ashdown.in_force and brookfield.in_force
    assert (found.open_total, found.overdue_total) == (10, 3)


def test_the_sergeants_home_counts_the_teams_concerns_still_with_the_police(
    client, records, sergeant, other_sergeant
):
    # The same count as the overview's (Ashdown 1, overdue; Brookfield 2), not every concern
    # the team's schools ever shared: Brookfield's July concern has its outcome.
    client.force_login(sergeant)
    body = client.get(reverse("home")).content.decode()
    assert "Concerns shared by the team's schools</a>: 3 to acknowledge or act on, " in body
    assert "<strong>1 not acknowledged within 2 days</strong>" in body
    # Another force's sergeant counts only their own school's (Eastgate's, waiting since March).
    client.force_login(other_sergeant)
    body = client.get(reverse("home")).content.decode()
    assert "</a>: 1 to acknowledge or act on, <strong>1 not acknowledged" in body


def test_the_sergeants_home_keeps_its_count_until_a_concern_changes(
    client, records, sergeant, school_a, staff_a, spoc_a, sspo_a, make_concern
):
    """The home's count is the overview's kept part: counted once, then read from the cache
    (a team's open concerns grow with the force) until a concern or share changes."""
    client.force_login(sergeant)
    client.get(reverse("home"))
    with CaptureQueriesContext(connection) as kept:
        body = client.get(reverse("home")).content.decode()
    assert ": 3 to acknowledge or act on, " in body
    assert not counts_concerns(kept.captured_queries)
    shared_on_time(make_concern, school_a, staff_a, spoc_a, sspo_a)
    with CaptureQueriesContext(connection) as drawn:
        body = client.get(reverse("home")).content.decode()
    assert ": 4 to acknowledge or act on, " in body
    assert counts_concerns(drawn.captured_queries)
    # The overview counts the same, from what the home kept.
    with CaptureQueriesContext(connection) as overview:
        page = client.get(PAGE).content.decode()
    # Ashdown's one became two (Brookfield had two already).
    assert "1 shared concern to acknowledge" not in page
    assert "2 shared concerns to acknowledge" in page
    assert not counts_concerns(overview.captured_queries)


def test_only_concerns_shared_with_the_police_are_open_for_them(
    records, sergeant, make_concern, school_a, staff_a, spoc_a, sspo_a
):
    # Referred for early intervention when no agreement was in force: it stays in school.
    kept_in_school = make_concern(
        school=school_a,
        reported_by=staff_a,
        status="early_intervention",
        recorded_at=NOW - hours(5),
        triaged_at=NOW - hours(4),
    )
    ashdown = team_figures.overview(sergeant).rows[0]
    assert ashdown.open["concerns"] == 1
    share(kept_in_school, by=spoc_a, to=sspo_a)  # passed on once one was
    ashdown = team_figures.overview(sergeant).rows[0]
    assert ashdown.open["concerns"] == 2


def test_concerns_by_category_and_month_count_the_teams_schools_in_london_months(
    records, sergeant
):
    found = team_figures.overview(sergeant)
    assert [f"{m:%Y-%m}" for m in found.months] == MONTHS
    assert found.categories == [
        ("General welfare", per_month(dec=1, nov=2), 3),
        ("Bullying", per_month(mar=2), 2),
        ("Anti-social behaviour", per_month(nov=1), 1),
        ("Possession of blades (any type)", per_month(mar=1), 1),
        ("Possession of drugs", per_month(jul=1), 1),
    ]
    assert found.concerns_total == 8


def test_triage_times_are_the_median_hours_per_month_logged(records, sergeant):
    triage = {f"{m:%Y-%m}": (n, median) for m, n, median in team_figures.overview(sergeant).triage}
    assert triage["2026-03"] == (3, 6.0)
    assert triage["2026-07"] == (1, 2.0)
    assert triage["2026-11"] == (2, 12.5)
    assert triage["2025-12"] == (0, None)  # logged then, not triaged yet
    assert sum(n for n, _ in triage.values()) == 6


def test_the_head_sees_the_same_figures_for_their_own_school_only(records, head_a, head_b):
    found = team_figures.overview(head_a)
    assert [row.school.name for row in found.rows] == ["Ashdown Academy"]
    assert found.rows[0].open == {"concerns": 1, "incidents": 2, "referrals": 2, "actions": 2}
    assert found.categories == [
        ("Bullying", per_month(mar=2), 2),
        ("General welfare", per_month(dec=1, nov=1), 2),
        ("Possession of blades (any type)", per_month(mar=1), 1),
    ]
    triage = {f"{m:%Y-%m}": (n, median) for m, n, median in found.triage if n}
    assert triage == {"2026-03": (3, 6.0)}
    brookfield = team_figures.overview(head_b)
    assert [row.school.name for row in brookfield.rows] == ["Brookfield School"]
    assert brookfield.concerns_total == 3


def unmarked(concern):
    """As if no history row marked the concern (so it shows only when counted anew)."""
    Concern.history.filter(id=concern.pk).delete()
    return concern


def truancy_of(found):
    return dict((label, months) for label, months, _ in found.categories).get(
        "Truancy", per_month()
    )


def test_earlier_months_are_kept_until_a_concern_logged_in_them_changes(
    records, sergeant, make_concern, school_a, staff_a
):
    team_figures.overview(sergeant)
    # Concerns of March and May no history row marks: their months' figures are kept, so
    # they are not counted until those months are counted again.
    c = make_concern
    for logged in (at(2026, 3, 5), at(2026, 5, 5)):
        unmarked(c(school=school_a, reported_by=staff_a, category="truancy", recorded_at=logged))
    # One logged this month is counted at once, and leaves the earlier months as kept.
    c(school=school_a, reported_by=staff_a, category="truancy", recorded_at=NOW - hours(1))
    assert truancy_of(team_figures.overview(sergeant)) == per_month(nov=1)
    # However long nothing logged before this month changes; and a change to a concern
    # logged before the charts' first month changes none of their figures.
    with time_machine.travel(NOW + datetime.timedelta(days=3), tick=False):
        assert truancy_of(team_figures.overview(sergeant)) == per_month(nov=1)
        c(school=school_a, reported_by=staff_a, recorded_at=at(2025, 11, 30))
        assert truancy_of(team_figures.overview(sergeant)) == per_month(nov=1)
        # A concern logged in May, triaged late: May and the months after it are counted
        # again; March is still as kept.
        c(
            school=school_a,
            reported_by=staff_a,
            category="truancy",
            recorded_at=at(2026, 5, 6),
            triaged_at=at(2026, 5, 6) + hours(3),
        )
        found = team_figures.overview(sergeant)
        assert truancy_of(found) == per_month(may=2, nov=1)
        assert (found.triage[5][1], found.triage[5][2]) == (1, 3.0)
        # And one of March: from March.
        c(school=school_a, reported_by=staff_a, recorded_at=at(2026, 3, 6))
        assert truancy_of(team_figures.overview(sergeant)) == per_month(mar=1, may=2, nov=1)


def test_this_months_counts_are_counted_again_only_at_the_school_whose_concerns_changed(
    records, sergeant, make_concern, school_a, staff_a
):
    def overview():  # as the page draws it: told the newest history rows
        return team_figures.overview(sergeant, changes=team_figures._last_changes())

    overview()
    before = truancy_of(overview())
    with CaptureQueriesContext(connection) as unchanged:
        overview()
    concern = make_concern(
        school=school_a, reported_by=staff_a, category="truancy", recorded_at=NOW - hours(1)
    )
    with CaptureQueriesContext(connection) as changed:
        found = overview()
    assert truancy_of(found) == [*before[:-1], before[-1] + 1]

    def counted_this_month(queries):
        return [
            query["sql"]
            for query in queries
            if 'FROM "incidents_concern"' in query["sql"] and '"category"' in query["sql"]
        ]

    assert not counted_this_month(unchanged.captured_queries)  # kept, at both schools
    [this_month] = counted_this_month(changed.captured_queries)
    assert f'"school_id" IN ({school_a.pk})' in this_month  # school A's alone
    # A change that leaves the counts as they were (a triage) counts no school again.
    concern.triaged_at = NOW
    concern.save()
    with CaptureQueriesContext(connection) as triaged:
        found = overview()
    assert not counted_this_month(triaged.captured_queries)
    assert truancy_of(found) == [*before[:-1], before[-1] + 1]
    # One that moves them (another category) counts its school again.
    concern.category = "welfare"
    concern.save()
    with CaptureQueriesContext(connection) as recategorised:
        found = overview()
    [this_month] = counted_this_month(recategorised.captured_queries)
    assert f'"school_id" IN ({school_a.pk})' in this_month
    assert truancy_of(found) == before


def counts_triage_times(queries) -> bool:
    """Whether the triage times were counted or read from the concerns: their medians, or
    this month's times to triage one by one."""
    return any(
        "PERCENTILE_CONT" in query["sql"]
        or '("incidents_concern"."triaged_at" - "incidents_concern"."recorded_at")' in query["sql"]
        for query in queries
    )


def test_this_months_triage_times_follow_each_change_without_counting_again(
    records, sergeant, make_concern, school_a, school_e, staff_a
):
    def november(found):
        return (found.triage[-1][1], found.triage[-1][2])

    def drawn():  # as the page draws it, with what each query was
        with CaptureQueriesContext(connection) as queries:
            found = team_figures.overview(sergeant, changes=team_figures._last_changes())
        return november(found), counts_triage_times(queries.captured_queries)

    def afresh():  # counted now, nothing kept
        return november(team_figures.overview(sergeant))

    assert drawn() == ((2, 12.5), True)  # the twelve months counted
    assert drawn() == ((2, 12.5), True)  # this month's times read on their own, then kept
    assert drawn() == ((2, 12.5), False)
    # Logged this month, not yet triaged: no triage time moves.
    concern = make_concern(school=school_a, reported_by=staff_a, recorded_at=NOW - hours(6))
    assert drawn() == ((2, 12.5), False)
    # Triaged after 3 hours: put in from its history row, not counted again.
    concern.triaged_at, concern.status = NOW - hours(3), "in_school"
    concern.save()
    assert drawn() == ((3, 3.0), False)
    assert afresh() == (3, 3.0)
    # A change that leaves its moments and school as they were (here, saved as it is).
    concern.save()
    assert drawn() == ((3, 3.0), False)
    # Triaged at another force's school this month: not these schools' times.
    make_concern(
        school=school_e,
        reported_by=MembershipFactory(school=school_e).user,
        recorded_at=NOW - hours(9),
        triaged_at=NOW - hours(8),
    )
    assert drawn() == ((3, 3.0), False)
    # Its triage moment corrected: its time replaces the one it had.
    concern.triaged_at = NOW - hours(1)
    concern.save()
    assert drawn() == ((3, 5.0), False)
    assert afresh() == (3, 5.0)
    # Moved to another force's school, then back.
    concern.school = school_e
    concern.save()
    assert drawn() == ((2, 12.5), False)
    assert afresh() == (2, 12.5)
    concern.school = school_a
    concern.save()
    assert drawn() == ((3, 5.0), False)


def test_after_a_change_to_a_concern_its_history_is_read_once_for_every_part(
    client, records, sergeant, school_a, staff_a, make_concern
):
    def looks(queries):  # along the concerns' history, by row number
        return [
            query["sql"]
            for query in queries
            if 'FROM "incidents_historicalconcern"' in query["sql"]
            and '"history_id" >' in query["sql"]
        ]

    client.force_login(sergeant)
    client.get(PAGE)
    client.get(PAGE)
    make_concern(
        school=school_a, reported_by=staff_a, category="truancy", recorded_at=NOW - hours(2)
    )
    with CaptureQueriesContext(connection) as drawn:
        body = client.get(PAGE).content.decode()
    assert "Truancy" in body  # this month's counts counted again
    # The caseload, this month's counts and its triage times each look: one read serves all.
    assert len(looks(drawn.captured_queries)) == 1
    assert schools_counted(drawn.captured_queries, "incidents_concern") == {school_a.pk}
    # A home page moved the caseload's look on: the months' read, from further back,
    # covers it.
    school_ids = team_figures.scope_school_ids(sergeant)
    make_concern(school=school_a, reported_by=staff_a, recorded_at=NOW - hours(1))
    team_figures.with_the_police(sergeant, school_ids)
    make_concern(school=school_a, reported_by=staff_a, recorded_at=NOW - hours(1))
    with CaptureQueriesContext(connection) as drawn:
        client.get(PAGE)
    assert len(looks(drawn.captured_queries)) == 1
    # The months' looks moved on alone: the caseload's, from further back, reads its own.
    make_concern(school=school_a, reported_by=staff_a, recorded_at=NOW - hours(1))
    months = team_figures.last_months(TODAY)
    newest = Concern.history.order_by("-history_id").first().history_id
    team_figures.month_figures(school_ids, months, newest)
    make_concern(school=school_a, reported_by=staff_a, recorded_at=NOW - hours(1))
    with CaptureQueriesContext(connection) as drawn:
        client.get(PAGE)
    assert len(looks(drawn.captured_queries)) == 2


def test_this_months_triage_times_the_cache_lost_are_read_from_the_database(
    records, sergeant, make_concern, school_a, staff_a
):
    def drawn():  # as the page draws it, and whether the times were counted
        with CaptureQueriesContext(connection) as queries:
            found = team_figures.overview(sergeant, changes=team_figures._last_changes())
        november = (found.triage[-1][1], found.triage[-1][2])
        return november, counts_triage_times(queries.captured_queries)

    key = team_figures.by_school_key(
        "triage", team_figures.scope_school_ids(sergeant), datetime.date(2026, 11, 1)
    )
    assert drawn() == ((2, 12.5), True)  # the twelve months counted
    assert drawn() == ((2, 12.5), True)  # this month's times on their own, and stored
    cache.clear()  # as if the cache had been restarted
    assert drawn() == ((2, 12.5), False)  # read back, not counted
    # Triaged after 3 hours since: the look goes on from what was seen when stored.
    concern = make_concern(
        school=school_a,
        reported_by=staff_a,
        recorded_at=NOW - hours(6),
        triaged_at=NOW - hours(3),
        status="in_school",
    )
    assert drawn() == ((3, 3.0), False)
    cache.clear()
    assert drawn() == ((3, 3.0), False)
    # Stored again at most hourly (each concern of the month: large): an hour on, a drawing
    # after a change stores what it keeps.
    assert KeptCounts.objects.get(key=key).counted["triaged"] == 2
    with time_machine.travel(NOW + hours(1), tick=False):
        concern.triaged_at = NOW - hours(2)  # four hours after it was logged
        concern.save()
        assert drawn() == ((3, 4.0), False)
        assert KeptCounts.objects.get(key=key).counted["triaged"] == 3
        cache.clear()
        assert drawn() == ((3, 4.0), False)


@pytest.mark.parametrize(
    "kind, now, before, moves",
    [
        ("+", ("A", "nov", None), None, False),  # logged, not triaged
        ("+", ("A", "nov", "nov"), None, True),  # logged triaged
        ("~", ("A", "nov", "nov"), ("A", "nov", None), True),  # triaged
        ("~", ("A", "nov", "nov"), ("A", "nov", "nov"), False),  # other fields changed
        ("~", ("A", "nov", "nov2"), ("A", "nov", "nov"), True),  # triage moment corrected
        ("~", ("A", "oct", "nov"), ("A", "nov", "nov"), True),  # logging moment corrected
        ("~", ("B", "nov", "nov"), ("A", "nov", "nov"), True),  # moved out of the schools
        ("~", ("A", "nov", "nov"), ("Z", "nov", "nov"), True),  # moved into them
        ("~", ("Z", "nov", "nov2"), ("Z", "nov", "nov"), False),  # another school's
        ("~", ("A", "oct", "nov"), ("A", "oct", None), False),  # logged last month
        ("~", ("A", "nov", None), ("A", "oct", None), False),  # not triaged, either way
        ("-", ("A", "nov", "nov"), ("A", "nov", "nov"), True),  # deleted, triaged
        ("-", ("A", "nov", None), ("A", "nov", None), False),  # deleted, not triaged
        ("~", ("A", "nov", "nov", "bullying"), ("A", "nov", "nov"), False),  # category
    ],
)
def test_which_changes_move_this_months_triage_times(kind, now, before, moves):
    change = _change(kind, now, before)
    assert team_figures._moves_triage(change, {"A", "B"}, at(2026, 11, 1, 0)) is moves


@pytest.mark.parametrize(
    "kind, now, before, schools",
    [
        ("+", ("A", "nov", None), None, {"A"}),  # logged this month
        ("+", ("A", "oct", None), None, set()),  # logged last month
        ("~", ("A", "nov", "nov"), ("A", "nov", None), set()),  # triaged
        ("~", ("A", "nov", "nov"), ("A", "nov", "nov"), set()),  # shared, acknowledged...
        ("~", ("A", "nov", None, "bullying"), ("A", "nov", None), {"A"}),  # category
        ("~", ("A", "oct", None), ("A", "nov", None), {"A"}),  # logging moment, out of it
        ("~", ("A", "nov", None), ("A", "oct", None), {"A"}),  # ... into it
        ("~", ("B", "nov", None), ("A", "nov", None), {"A", "B"}),  # moved school
        ("~", ("A", "oct", None, "bullying"), ("A", "oct", None), set()),  # last month's
        ("-", ("A", "nov", None), ("A", "nov", None), {"A"}),  # deleted
        ("-", ("A", "oct", None), ("A", "oct", None), set()),  # deleted, last month's
    ],
)
def test_which_changes_move_this_months_counts(kind, now, before, schools):
    """A school's count of this month's concerns, by category, is counted again only after
    a change that moves it: most changes to a concern (a triage, a share, an outcome)
    leave every school's as kept."""
    change = _change(kind, now, before)
    assert set(team_figures._moves_month(change, at(2026, 11, 1, 0))) == schools


def _change(kind, now, before):
    moments = {
        "oct": at(2026, 10, 31, 23),
        "nov": at(2026, 11, 2),
        "nov2": at(2026, 11, 3),
        None: None,
    }

    def values(school, logged, triaged, category="welfare"):
        return (school, moments[logged], moments[triaged], category)

    return team_figures.TriageChange(kind, values(*now), values(*before) if before else None)


@pytest.mark.parametrize(
    "kind, now, taken",
    [
        ("+", ("A", "nov", "nov2"), 24),  # logged this month, triaged a day later
        ("~", ("A", "nov", None), None),  # not triaged (or no longer)
        ("~", ("A", "oct", "nov"), None),  # logged last month
        ("~", ("Z", "nov", "nov2"), None),  # at another school
        ("-", ("A", "nov", "nov2"), None),  # deleted
    ],
)
def test_a_concerns_time_to_triage_is_kept_only_while_it_counts(kind, now, taken):
    change = _change(kind, now, None)
    found = team_figures._time_to_triage(change, {"A", "B"}, at(2026, 11, 1, 0))
    assert found == (None if taken is None else taken * 3600 * 1000 * 1000)


def test_the_kept_median_is_the_median_of_each_concerns_latest_time():
    rng = random.Random(7)
    kept, expected = team_figures.Triaged(), {}
    for _ in range(2000):
        concern = rng.randrange(40)
        taken = rng.choice([None, rng.randrange(10**12)])
        kept.put(concern, taken)
        if rng.random() < 0.2:
            kept.put(concern, taken)  # a change seen again is put in as it already is
        if taken is None:
            expected.pop(concern, None)
        else:
            expected[concern] = taken
        times = sorted(expected.values())
        figures = kept.figures("nov")
        assert list(kept.times) == times
        assert sorted(kept.concerns) == sorted(expected)
        if times:
            assert figures == {"nov": (len(times), statistics.median(times) / (3600 * 10**6))}
        else:
            assert figures == {}


def test_a_triage_already_counted_when_it_is_seen_is_not_counted_twice(
    records, sergeant, make_concern, school_a, staff_a
):
    def november():
        found = team_figures.overview(sergeant, changes=team_figures._last_changes())
        return (found.triage[-1][1], found.triage[-1][2])

    school_ids = team_figures.scope_school_ids(sergeant)
    key = team_figures.by_school_key("triage", school_ids, TODAY.replace(day=1))
    november()
    assert november() == (2, 12.5)  # this month's times kept
    seen, _, stored_at = cache.get(key)
    make_concern(school=school_a, reported_by=staff_a, recorded_at=NOW - hours(4), triaged_at=NOW)
    # Read from the concerns with the triage in, but kept as seen before it: as when its
    # row is written between the look before the first count and the count.
    counted = team_figures.Triaged.counted(school_ids, at(2026, 11, 1, 0))
    cache.set(key, (seen, counted, stored_at))
    assert november() == (3, 4.0)


def test_a_triage_whose_history_row_is_seen_late_is_counted_when_it_shows(
    records, sergeant, make_concern, school_a, staff_a
):
    def november():
        found = team_figures.overview(sergeant, changes=team_figures._last_changes())
        return (found.triage[-1][1], found.triage[-1][2])

    november()
    assert november() == (2, 12.5)  # this month's times kept
    late = make_concern(
        school=school_a, reported_by=staff_a, recorded_at=NOW - hours(4), triaged_at=NOW
    )
    rows = list(Concern.history.filter(id=late.pk))
    Concern.history.filter(id=late.pk).delete()  # not committed yet
    Concern.objects.filter(pk=late.pk).update(triaged_at=None)  # as counted before it commits
    newer = Concern.history.filter(school_id=school_a.pk).first()
    newer.pk = None  # a newer row: the late one's number is missing when it is seen
    newer.save()
    assert november() == (2, 12.5)
    Concern.objects.filter(pk=late.pk).update(triaged_at=NOW)
    Concern.history.bulk_create(rows)  # committed now, numbered before the newest
    assert november() == (3, 4.0)


def test_with_no_concern_history_yet_the_earlier_months_are_kept_without_looking(
    records, sergeant
):
    Concern.history.all().delete()  # as if every concern had been loaded without history

    def looks(queries):  # along the history of concerns logged before this month
        return any(
            '"history_date" >=' in query["sql"] and '"recorded_at" <' in query["sql"]
            for query in queries
        )

    with CaptureQueriesContext(connection) as first:
        team_figures.overview(sergeant, changes=team_figures._last_changes())
    with CaptureQueriesContext(connection) as second:
        team_figures.overview(sergeant, changes=team_figures._last_changes())
    assert looks(first.captured_queries)  # read before counting all twelve months
    assert not looks(second.captured_queries)  # nothing newer: kept as counted


def test_a_change_seen_after_a_newer_one_is_counted_within_the_settling_time(
    records, sergeant, make_concern, school_a, staff_a
):
    school_ids = team_figures.scope_school_ids(sergeant)
    months = team_figures.last_months(TODAY)

    def overview():  # as the page draws it: told the newest history rows
        return team_figures.overview(sergeant, changes=team_figures._last_changes())

    overview()
    make_concern(
        school=school_a, reported_by=staff_a, category="truancy", recorded_at=at(2026, 5, 5)
    )
    # As if its history row had been numbered before the newest the figures were checked
    # against, and its transaction had ended only after that check.
    key = team_figures.months_key(school_ids, months[-1])
    checked_at, _, seen, counts, triage, stored_at = cache.get(key)
    newest = Concern.history.order_by("-history_id").first().history_id
    cache.set(key, (checked_at, newest, seen, counts, triage, stored_at))
    assert truancy_of(overview()) == per_month()
    later = NOW + datetime.timedelta(seconds=team_figures.MONTHS_SETTLE)
    with time_machine.travel(later, tick=False):
        assert truancy_of(overview()) == per_month(may=1)


def test_kept_figures_are_never_another_scopes(records, sergeant, other_sergeant, head_a):
    assert team_figures.overview(sergeant).concerns_total == 8
    assert team_figures.overview(head_a).concerns_total == 5
    other = team_figures.overview(other_sergeant)
    assert other.concerns_total == 2  # Eastgate's: bullying in March, weapons in November
    assert [row.school.name for row in other.rows] == ["Eastgate College"]


# Who may see it ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "who, status, sees_a, sees_b",
    [
        ("sergeant", 200, True, True),
        ("head_a", 200, True, False),
        ("head_b", 200, False, True),
        ("other_sergeant", 200, False, False),
        ("sspo_a", 403, False, False),
        ("spoc_a", 403, False, False),
        ("staff_a", 403, False, False),
        ("yet_officer", 403, False, False),
        ("admin_user", 403, False, False),
    ],
)
def test_each_person_sees_only_their_own_figures(
    request, client, records, who, status, sees_a, sees_b
):
    client.force_login(request.getfixturevalue(who))
    response = client.get(PAGE)
    assert response.status_code == status
    body = response.content.decode()
    assert ("Ashdown Academy" in body) == sees_a
    assert ("Brookfield School" in body) == sees_b
    assert "Dunmore High" not in body  # another team's
    if who == "other_sergeant":
        assert "Eastgate College" in body  # their own force's, to show the page did answer
        assert "Dan Okafor" not in body and "Claire Hughes" not in body


def test_the_page_shows_the_hand_counted_figures(client, records, sergeant, school_a):
    client.force_login(sergeant)
    body = client.get(PAGE).content.decode()
    partnership = reverse("partnership_detail", args=[school_a.partnership.code])
    assert f'href="{partnership}">Ashdown Academy</a>' in body
    assert client.get(partnership).status_code == 200
    assert "Your team's overview" in body
    assert "2 open incidents" in body
    assert "1</strong> shared concern not acknowledged within 2 days" in body
    assert "Amber" in body and "Summer 2025" in body
    assert "shared or not: 8 in all" in body
    assert body.count('role="img"') == 5 + 1  # a chart per category, and the triage times
    assert '<title id="triage-chart-title">' in body
    assert "lowest 2.0 hours in July 2026, highest 12.5 hours in November 2026" in body
    assert "Show the data as a table" in body


def test_names_in_the_table_are_shown_as_text_not_markup(
    client, records, sergeant, sspo_a, school_a
):
    # The partnerships table is drawn in Python (reports/table_rows.py), not by the template
    # engine: each value must still be escaped.
    school_a.name = '<script>alert("school")</script>'
    school_a.save(update_fields=["name"])
    sspo_a.first_name = "<b>Bold</b>"
    sspo_a.save(update_fields=["first_name"])
    client.force_login(sergeant)
    body = client.get(PAGE).content.decode()
    assert "&lt;script&gt;alert(&quot;school&quot;)&lt;/script&gt;</a>" in body
    assert "&lt;b&gt;Bold&lt;/b&gt;" in body
    assert "<script>alert" not in body and "<b>Bold</b>" not in body


def figures_of(body: str) -> str:
    # The page around the figures carries the request's own nonce.
    return body[body.index('<div class="govuk-grid-row">') : body.index("</main>")]


def test_the_figures_are_kept_and_a_write_shows_on_the_next_request(
    client, records, sergeant, school_a, make_incident, django_assert_max_num_queries
):
    client.force_login(sergeant)
    first = client.get(PAGE).content.decode()
    assert "2 open incidents" in first
    # Kept: the request's own reads (session, user, scope) and one for what changed last.
    with django_assert_max_num_queries(5):
        assert figures_of(client.get(PAGE).content.decode()) == figures_of(first)
    make_incident(school=school_a)
    assert "3 open incidents" in client.get(PAGE).content.decode()


def reads(queries, table) -> bool:
    return any(f'FROM "{table}"' in query["sql"] for query in queries)


def counts_concerns(queries) -> bool:
    return any('"police_outcome"' in query["sql"] for query in queries)


def schools_counted(queries, table) -> set[int]:
    """The schools whose open rows of a table the caseload's counts read (school_id IN
    (...)); for the concerns, their count with the police, not the months'."""
    found = set()
    for query in queries:
        if table == "incidents_concern" and '"police_outcome"' not in query["sql"]:
            continue
        for ids in re.findall(rf'"{table}"\."school_id" IN \(([^)]*)\)', query["sql"]):
            found |= {int(pk) for pk in ids.split(",")}
    return found


def test_after_a_new_incident_only_the_police_records_are_counted_again(
    client, records, sergeant, school_a, make_incident, django_assert_max_num_queries
):
    client.force_login(sergeant)
    client.get(PAGE)
    make_incident(school=school_a)
    # With what was counted again stored in the database too: the police's records, and
    # this month's counts, kept school by school from the second drawing.
    with django_assert_max_num_queries(14) as drawn:
        body = client.get(PAGE).content.decode()
    assert "3 open incidents" in body  # counted again
    assert "In force until" in body and "Amber" in body  # the partnerships' facts, as kept
    assert "1</strong> shared concern not acknowledged" in body  # the concerns, as kept
    assert reads(drawn.captured_queries, "incidents_incident")
    assert schools_counted(drawn.captured_queries, "incidents_incident") == {school_a.pk}
    assert not reads(drawn.captured_queries, "agreements_partnership")
    assert not counts_concerns(drawn.captured_queries)


def test_after_a_concern_is_shared_only_the_concerns_are_counted_again(
    client, records, sergeant, school_a, staff_a, spoc_a, sspo_a, make_concern
):
    client.force_login(sergeant)
    assert "1 shared concern to acknowledge" in client.get(PAGE).content.decode()
    shared_on_time(make_concern, school_a, staff_a, spoc_a, sspo_a)
    with CaptureQueriesContext(connection) as drawn:
        body = client.get(PAGE).content.decode()
    assert "2 shared concerns to acknowledge" in body  # counted again
    assert "2 open incidents" in body and "Amber" in body  # the rest, as kept
    assert counts_concerns(drawn.captured_queries)
    # Counted again for its own school only: the other schools' counts are as kept.
    assert schools_counted(drawn.captured_queries, "incidents_concern") == {school_a.pk}
    assert not reads(drawn.captured_queries, "incidents_incident")
    assert not reads(drawn.captured_queries, "agreements_partnership")


def test_a_caseload_the_cache_lost_is_read_from_the_database_and_only_changes_counted(
    client, records, sergeant, school_a, staff_a, spoc_a, sspo_a, make_concern
):
    client.force_login(sergeant)
    first = client.get(PAGE).content.decode()
    assert "1 shared concern to acknowledge" in first and "2 open incidents" in first
    cache.clear()  # as if the cache had been restarted
    with CaptureQueriesContext(connection) as drawn:
        body = client.get(PAGE).content.decode()
    assert figures_of(body) == figures_of(first)
    assert not counts_concerns(drawn.captured_queries)  # as stored: no school counted
    assert not reads(drawn.captured_queries, "incidents_incident")
    # A concern shared at school A, then the cache lost again: the look along the history
    # goes on from what was stored, and counts school A's again, alone.
    shared_on_time(make_concern, school_a, staff_a, spoc_a, sspo_a)
    cache.clear()
    with CaptureQueriesContext(connection) as drawn:
        body = client.get(PAGE).content.decode()
    assert "2 shared concerns to acknowledge" in body
    assert schools_counted(drawn.captured_queries, "incidents_concern") == {school_a.pk}
    assert not reads(drawn.captured_queries, "incidents_incident")
    # Stored as counted again: lost once more, nothing is counted.
    cache.clear()
    with CaptureQueriesContext(connection) as drawn:
        assert "2 shared concerns to acknowledge" in client.get(PAGE).content.decode()
    assert not counts_concerns(drawn.captured_queries)


def test_what_a_drawing_counted_again_is_stored_in_one_statement(
    client, records, sergeant, school_a, staff_a, spoc_a, sspo_a, make_concern, make_incident
):
    client.force_login(sergeant)
    for _ in range(2):  # this month's counts are kept school by school once the rest are
        client.get(PAGE)
    shared_on_time(make_concern, school_a, staff_a, spoc_a, sspo_a)
    make_incident(school=school_a)
    with CaptureQueriesContext(connection) as drawn:
        body = client.get(PAGE).content.decode()
    assert "2 shared concerns to acknowledge" in body and "3 open incidents" in body
    stores = [q for q in drawn.captured_queries if 'INTO "reports_keptcounts"' in q["sql"]]
    assert len(stores) == 1  # the concerns, the police's records and this month's counts
    # The earlier months, looked at again but counted as they were, are stored at most
    # hourly: read back, the look goes on from when they were stored.
    assert not any('INTO "reports_earliermonths"' in q["sql"] for q in drawn.captured_queries)
    # All three as counted again: lost by the cache, nothing is counted.
    cache.clear()
    with CaptureQueriesContext(connection) as drawn:
        assert figures_of(client.get(PAGE).content.decode()) == figures_of(body)
    assert not counts_concerns(drawn.captured_queries)
    assert not reads(drawn.captured_queries, "incidents_incident")


def test_what_the_home_page_counted_is_stored_by_the_next_overview(client, records, sergeant):
    client.force_login(sergeant)
    key = team_figures.by_school_key("concerns", team_figures.scope_school_ids(sergeant), TODAY)
    client.get(reverse("home"))  # counts the team's concerns with the police: not stored
    assert not KeptCounts.objects.filter(key=key).exists()
    with CaptureQueriesContext(connection) as drawn:
        client.get(PAGE)
    assert not counts_concerns(drawn.captured_queries)  # as the home kept them
    assert KeptCounts.objects.filter(key=key).exists()  # and stored now
    cache.clear()
    with CaptureQueriesContext(connection) as drawn:
        assert "1 shared concern to acknowledge" in client.get(PAGE).content.decode()
    assert not counts_concerns(drawn.captured_queries)


def test_stored_counts_come_back_as_they_were_kept(records, sergeant):
    school_ids = team_figures.scope_school_ids(sergeant)
    for _ in range(2):  # this month's counts are kept school by school once the rest are
        team_figures.overview(sergeant, changes=team_figures._last_changes())
    keys = [
        *(team_figures.by_school_key(part, school_ids, TODAY) for part in team_figures.BY_SCHOOL),
        team_figures.by_school_key("month", school_ids, datetime.date(2026, 11, 1)),
    ]
    for key in keys:
        kept = cache.get(key)
        assert kept is not None and kept[1]  # counted, school by school
        assert team_figures.stored_counts(key, timezone.now()) == kept
    # Not read once expired, and deleted by the night's count.
    later = timezone.now() + datetime.timedelta(seconds=team_figures.BY_SCHOOL_KEPT_FOR)
    assert team_figures.stored_counts(keys[0], later) is None
    with time_machine.travel(later, tick=False):
        count_overview_months()
    assert not KeptCounts.objects.filter(key__in=keys).exists()


def test_a_concern_moved_to_another_school_is_counted_again_at_both(
    records, sergeant, school_a, school_b, staff_a, spoc_a, sspo_a, make_concern
):
    def open_concerns(found):
        return {row.school.name: row.open.get("concerns", 0) for row in found.rows if row.in_team}

    def drawn():  # as the page draws it, with the schools whose concerns were counted
        with CaptureQueriesContext(connection) as queries:
            found = team_figures.overview(sergeant, changes=team_figures._last_changes())
        return open_concerns(found), schools_counted(queries.captured_queries, "incidents_concern")

    concern = make_concern(
        school=school_a,
        reported_by=staff_a,
        status="shared",
        recorded_at=NOW - hours(5),
        triaged_at=NOW - hours(4),
    )
    share(concern, by=spoc_a, to=sspo_a)
    before, _ = drawn()
    concern.school = school_b  # as if logged at the wrong school, and corrected
    concern.save()
    after, counted = drawn()
    assert counted == {school_a.pk, school_b.pk}
    assert after[school_a.name] == before[school_a.name] - 1
    assert after[school_b.name] == before[school_b.name] + 1
    assert after == open_concerns(team_figures.overview(sergeant))  # as counted afresh


def test_a_change_whose_history_row_is_seen_late_is_counted_when_it_shows(
    client, records, sergeant, school_a, school_b, spoc_b, sspo_b, make_concern
):
    # A transaction that commits after a newer one: its history row is numbered before
    # the newest seen. Its number was missing when the newer was seen, so it is looked for
    # until it shows (or an hour has passed).
    client.force_login(sergeant)
    at_b = "2 shared concerns to acknowledge"  # school B's, as the records have them
    assert at_b in client.get(PAGE).content.decode()
    late = make_concern(
        school=school_b,
        reported_by=spoc_b,
        status="shared",
        recorded_at=NOW - hours(5),
        triaged_at=NOW - hours(4),
    )
    share(late, by=spoc_b, to=sspo_b)
    rows = list(Concern.history.filter(id=late.pk))
    Concern.history.filter(id=late.pk).delete()  # not committed yet
    newer = Concern.history.filter(school_id=school_a.pk).first()
    newer.pk = None  # a newer row, at the other school
    newer.save()
    with CaptureQueriesContext(connection) as drawn:
        assert at_b in client.get(PAGE).content.decode()
    assert schools_counted(drawn.captured_queries, "incidents_concern") == {school_a.pk}
    Concern.history.bulk_create(rows)  # committed now, numbered before the newest
    # The figures as drawn are kept ten minutes; drawn again, the late row is found.
    later = NOW + datetime.timedelta(seconds=team_figures.FIGURES_KEPT_FOR)
    with time_machine.travel(later, tick=False):
        client.force_login(sergeant)
        with CaptureQueriesContext(connection) as drawn:
            body = client.get(PAGE).content.decode()
    assert schools_counted(drawn.captured_queries, "incidents_concern") == {school_b.pk}
    assert "3 shared concerns to acknowledge" in body


def test_a_row_not_committed_when_first_counted_is_counted_when_it_shows(
    school_a, school_b, spoc_a, spoc_b, make_concern
):
    cache.clear()
    late = make_concern(school=school_b, reported_by=spoc_b, status="shared", triaged_at=NOW)
    make_concern(school=school_a, reported_by=spoc_a)  # numbered after it
    rows = list(Concern.history.filter(id=late.pk))
    Concern.history.filter(id=late.pk).delete()  # not committed yet
    Concern.objects.filter(pk=late.pk).update(shared_at=None)  # as counted before it commits
    schools = [school_a.pk, school_b.pk]

    def waiting_at_b():
        found = team_figures.kept_caseload(
            "concerns", schools, team_figures._last_changes(), TODAY
        )
        return found.open.get((school_b.pk, "concerns"), 0)

    assert waiting_at_b() == 0
    seen, _, _ = cache.get(team_figures.by_school_key("concerns", schools, TODAY))
    assert set(seen.missing[0]) >= {row.history_id for row in rows}
    Concern.objects.filter(pk=late.pk).update(shared_at=NOW)
    Concern.history.bulk_create(rows)  # committed now
    with CaptureQueriesContext(connection) as counted:
        assert waiting_at_b() == 1
    assert schools_counted(counted.captured_queries, "incidents_concern") == {school_b.pk}


def test_a_number_missing_for_an_hour_is_no_longer_looked_for(school_a):
    # A row numbered but never committed (its transaction rolled back) leaves a number no
    # row will fill: looked for an hour, then forgotten.
    school_ids = [school_a.pk]
    changes = team_figures._last_changes()
    team_figures.kept_caseload("concerns", school_ids, changes, TODAY)
    key = team_figures.by_school_key("concerns", school_ids, TODAY)
    seen, counted, stored = cache.get(key)
    gap = seen.highest[0] + 1
    behind = team_figures.Seen(
        (seen.highest[0] + 2,), ({gap: NOW - datetime.timedelta(minutes=59)},)
    )
    cache.set(key, (behind, counted, stored))
    marks = (behind.highest[0],)
    assert behind.looks_for(marks)
    later, found = behind.look((Concern,), NOW)
    assert later.missing == ({gap: NOW - datetime.timedelta(minutes=59)},) and not found
    later, _ = behind.look((Concern,), NOW + datetime.timedelta(minutes=2))
    assert later.missing == ({},) and not later.looks_for(marks)


def test_after_a_change_to_a_partnership_only_its_facts_are_read_again(
    client, records, sergeant, school_a, django_assert_max_num_queries
):
    client.force_login(sergeant)
    assert "Amber" in client.get(PAGE).content.decode()
    review(
        school_a.partnership,
        by=sergeant,
        year=2026,
        term="autumn",
        start=datetime.date(2026, 9, 1),
        end=datetime.date(2026, 11, 19),
        rating="green",
    )
    # This month's counts, kept school by school from the second drawing, and its triage
    # times, each looked for in the database, then stored there (in one statement).
    with django_assert_max_num_queries(15) as drawn:
        body = client.get(PAGE).content.decode()
    assert "Autumn 2026" in body  # the new review, read again
    assert "2 open incidents" in body  # the caseload, as kept
    assert reads(drawn.captured_queries, "agreements_partnership")
    assert not reads(drawn.captured_queries, "incidents_incident")
    assert not counts_concerns(drawn.captured_queries)


def test_a_renamed_school_and_officer_show_on_the_next_request(
    client, records, sergeant, sspo_a, school_a
):
    # A partnership's own cells are drawn again from memory while their values stay the
    # same (reports.table_rows): a change to any of them must draw them anew.
    client.force_login(sergeant)
    first = client.get(PAGE).content.decode()
    assert school_a.name in first and sspo_a.get_full_name() in first
    school_a.name = "Ashdown Academy Trust"
    school_a.save(update_fields=["name"])
    sspo_a.last_name = "Okafor-Reid"
    sspo_a.save(update_fields=["last_name"])
    # The SSPO's user row is not counted (each sign-in writes one): their new name waits
    # for the partnerships' facts to be read again.
    cache.clear()
    body = client.get(PAGE).content.decode()
    assert "Ashdown Academy Trust</a>" in body
    assert f"{sspo_a.first_name} Okafor-Reid" in body


def test_when_the_figures_expire_they_are_drawn_again_from_the_parts_kept_longer(
    client, records, sergeant
):
    # What is drawn is kept ten minutes; the partnerships' facts an hour, and the caseload
    # until the day turns (no shared concern here is on time).
    client.force_login(sergeant)
    client.get(PAGE)

    def drawn_at(moment):
        with time_machine.travel(moment, tick=False):
            client.force_login(sergeant)  # as the same person signing in again
            with CaptureQueriesContext(connection) as drawn:
                assert "2 open incidents" in client.get(PAGE).content.decode()
        return drawn.captured_queries

    queries = drawn_at(NOW + datetime.timedelta(seconds=team_figures.FIGURES_KEPT_FOR - 1))
    assert not reads(queries, "incidents_concern")  # the figures as drawn, kept
    queries = drawn_at(NOW + datetime.timedelta(seconds=team_figures.FIGURES_KEPT_FOR))
    assert reads(queries, "incidents_concern")  # this month's, counted to draw them again
    assert not counts_concerns(queries)
    assert not reads(queries, "incidents_incident")
    assert not reads(queries, "agreements_partnership")
    longer = team_figures.PARTS_KEPT_FOR["partnerships"]
    queries = drawn_at(NOW + datetime.timedelta(seconds=longer))
    assert reads(queries, "agreements_partnership")
    # The caseload is kept school by school for the day: after an hour its records' history
    # is looked along for a change seen late, and with none found nothing is counted again.
    assert reads(queries, "incidents_historicalconcern")
    assert reads(queries, "incidents_historicalincident")
    assert not counts_concerns(queries)
    assert not reads(queries, "incidents_incident")
    queries = drawn_at(at(2026, 11, 21, 0, 1))  # the day has turned: every school again
    assert schools_counted(queries, "incidents_concern") == set(
        team_figures.scope_school_ids(sergeant)
    )
    assert reads(queries, "incidents_incident")


def test_the_figures_are_drawn_again_when_a_concern_on_time_becomes_overdue(
    client, records, sergeant, school_a, staff_a, spoc_a, sspo_a, make_concern
):
    # Shared 47½ hours ago and not acknowledged: overdue in half an hour, with no write.
    share(
        make_concern(
            school=school_a,
            reported_by=staff_a,
            status="shared",
            recorded_at=NOW - hours(48),
            triaged_at=NOW - hours(47.5),
        ),
        by=spoc_a,
        to=sspo_a,
    )
    client.force_login(sergeant)
    assert "1</strong> shared concern not acknowledged" in client.get(PAGE).content.decode()
    with time_machine.travel(NOW + datetime.timedelta(minutes=29), tick=False):
        client.force_login(sergeant)  # as the same person signing in again
        with CaptureQueriesContext(connection) as drawn:
            body = client.get(PAGE).content.decode()
    assert "1</strong> shared concern not acknowledged" in body
    assert not counts_concerns(drawn.captured_queries)  # kept: nothing has changed yet
    with time_machine.travel(NOW + datetime.timedelta(minutes=30, seconds=1), tick=False):
        client.force_login(sergeant)
        with CaptureQueriesContext(connection) as drawn:
            body = client.get(PAGE).content.decode()
    assert "2</strong> shared concerns not acknowledged" in body
    assert counts_concerns(drawn.captured_queries)
    assert not reads(drawn.captured_queries, "incidents_incident")  # the rest, as kept


def test_the_kept_partnerships_are_plain_values_not_model_instances(sergeant, records):
    # A pickled model instance is only good for the Django version that wrote it: the kept
    # part must survive a deploy that changes Django.
    school_ids = team_figures.scope_school_ids(sergeant)
    changes = team_figures._last_changes()
    team_figures.overview(sergeant, school_ids, changes)
    _, kept = cache.get(team_figures.kept_key("partnerships", sergeant, school_ids, changes))
    assert kept
    values = []
    for listed, in_force, agreement, sspos in kept:
        values += [listed, *dataclasses.astuple(listed), in_force, agreement, *sspos]
    assert not [value for value in values if isinstance(value, models.Model)]
    assert {type(listed) for listed, *_ in kept} == {team_figures.Listed}


def test_each_part_is_kept_until_its_own_records_change(
    sergeant, other_sergeant, head_a, school_a
):
    # The newest history id of each model counted, then with one part's moved on.
    changes = tuple(range(len(team_figures.COUNTED)))

    def moved(part):
        models = team_figures.PARTS[part]
        return tuple(
            n + 100 * (model in models)
            for n, model in zip(changes, team_figures.COUNTED, strict=True)
        )

    concerns, police, agreements = moved("concerns"), moved("police"), moved("partnerships")
    schools = [school_a.pk]

    def key(what, person=sergeant, now=changes):
        return team_figures.kept_key(what, person, schools, now)

    assert key("partnerships", now=agreements) != key("partnerships")
    for other in (concerns, police):
        assert key("partnerships", now=other) == key("partnerships")
    # The caseload is kept school by school under one key for the schools and the day: it
    # is changed by its own records, school by school, not by a new key.
    for part in team_figures.BY_SCHOOL:
        for changed in (agreements, concerns, police):
            assert key(part, now=changed) == key(part)
    for changed in (agreements, concerns, police):
        assert key("figures", now=changed) != key("figures")
    # Never another scope's, nor another day's.
    assert key("concerns", person=head_a) == key("concerns")  # the same school: its own counts
    assert key("partnerships", person=head_a) != key("partnerships")
    assert team_figures.kept_key("concerns", sergeant, [school_a.pk, 99], changes) != key(
        "concerns"
    )
    today = key("partnerships")
    with time_machine.travel(NOW + datetime.timedelta(days=1), tick=False):
        assert key("partnerships") != today
    # Another force's sergeant asking about the same schools: their force's unheld
    # partnerships are in the table too, so nothing of this sergeant's is theirs.
    for what in ("figures", "partnerships"):
        assert key(what, person=other_sergeant) != key(what)


def test_kept_figures_are_never_shown_to_another_scope(
    client, records, sergeant, head_a, other_sergeant
):
    # Twice round: the second time every page comes from the cache.
    for _ in range(2):
        for who, sees_a, sees_b in (
            (sergeant, True, True),
            (head_a, True, False),
            (other_sergeant, False, False),
        ):
            client.force_login(who)
            body = figures_of(client.get(PAGE).content.decode())
            assert ("Ashdown Academy" in body) == sees_a
            assert ("Brookfield School" in body) == sees_b
            assert ("Eastgate College" in body) == (who == other_sergeant)


def test_signed_out_people_are_sent_to_sign_in(client):
    response = client.get(PAGE)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_sergeants_home_links_to_the_overview(client, sergeant, head_a, spoc_a):
    for user, linked in ((sergeant, True), (head_a, True), (spoc_a, False)):
        client.force_login(user)
        assert (f'href="{PAGE}"' in client.get("/").content.decode()) == linked, user


# The agreement, in a few words ------------------------------------------------------------


def agreements_seen_by(user) -> dict[str, tuple[bool, str]]:
    return {
        row.school.name: (row.in_force, row.agreement)
        for row in team_figures.partnership_rows(
            user, team_figures.scope_school_ids(user), timezone.localdate()
        )
    }


def test_the_agreement_says_why_it_is_not_in_force(sergeant, sspo_a, school_b, force):
    # Partnerships of the force no officer holds yet are the sergeant's to allocate: listed.
    dsa = Document.objects.current_of(force, Document.Kind.DSA).get()
    school_only = PartnershipFactory(
        school__force=force, school__name="Signed by school", signed=False
    )
    signature_create(
        partnership=school_only,
        document=dsa,
        side="school",
        by=UserFactory(),
        signed_as="Head teacher",
    )
    PartnershipFactory(school__force=force, school__name="Signed by nobody", signed=False)
    PartnershipFactory(school__force=force, school__name="Suspended", status="suspended")
    revoke_dsa(school_b.partnership)
    seen = agreements_seen_by(sergeant)
    assert seen["Ashdown Academy"] == (True, f"In force until {dsa.expires_on:%-d %B %Y}")
    assert seen["Brookfield School"] == (False, "Revoked on 20 November 2026")
    assert seen["Signed by school"] == (False, "Not signed by the force")
    assert seen["Signed by nobody"] == (False, "Not signed by either side")
    assert seen["Suspended"] == (False, "Partnership suspended")
    # Listed, but no officer of the team holds them: their caseload is not the team's.
    rows = team_figures.partnership_rows(
        sergeant, team_figures.scope_school_ids(sergeant), timezone.localdate()
    )
    assert {row.school.name for row in rows if not row.in_team} == {
        "Brookfield School",  # no SSPO holds it in this test
        "Signed by school",
        "Signed by nobody",
        "Suspended",
    }


def test_a_new_version_awaits_signatures_and_an_old_one_expires(sergeant, sspo_a, force, head_a):
    school_a = sspo_a.officer.assignments.get().school
    draft = DocumentFactory(force=force, kind=Document.Kind.DSA, version=2)
    v2 = document_version_publish(document=draft, by=UserFactory())
    assert agreements_seen_by(sergeant)["Ashdown Academy"] == (
        False,
        "New version 2 awaiting signature by either side",
    )
    signature_create(
        partnership=school_a.partnership, document=v2, side="school", by=head_a, signed_as="Head"
    )
    assert agreements_seen_by(sergeant)["Ashdown Academy"] == (
        False,
        "New version 2 awaiting signature by the force",
    )
    signature_create(
        partnership=school_a.partnership,
        document=v2,
        side="force",
        by=sergeant,
        signed_as="Sergeant",
    )
    in_force, text = agreements_seen_by(sergeant)["Ashdown Academy"]
    assert in_force and text == f"In force until {v2.expires_on:%-d %B %Y}"
    # The day after its last day (London), the same version has expired.
    with time_machine.travel(
        datetime.datetime.combine(v2.expires_on, datetime.time(0, 30), tzinfo=LONDON)
        + datetime.timedelta(days=1),
        tick=False,
    ):
        assert agreements_seen_by(sergeant)["Ashdown Academy"] == (
            False,
            f"Expired at the end of {v2.expires_on:%-d %B %Y}",
        )


def test_a_force_without_an_agreement_says_so(db):
    school = PartnershipFactory(
        school__force=ForceFactory(name="Westshire Police"), signed=False
    ).school
    head = MembershipFactory(school=school, position="head", is_slt=True).user
    assert agreements_seen_by(head) == {
        school.name: (False, "The force has not published an agreement")
    }


# CSV exports ------------------------------------------------------------------------------


@pytest.mark.parametrize("name", CSVS)
def test_each_export_asks_to_reauthenticate_first(client, records, sergeant, name):
    client.force_login(sergeant)
    response = client.get(CSVS[name])
    assert response.status_code == 302 and "reauthenticate" in response["Location"]
    assert not AccessLog.objects.filter(action="export_csv").exists()


def test_the_partnerships_export_has_the_tables_figures_and_is_logged(
    client, records, sergeant, force
):
    expires_on = Document.objects.current_of(force, Document.Kind.DSA).get().expires_on
    client.force_login(sergeant)
    reauthenticate(client)
    rows = csv_rows(client.get(CSVS["partnerships"]))
    header, ashdown, brookfield = rows
    assert header[:6] == [
        "school",
        "urn",
        "partnership",
        "agreement in force",
        "agreement",
        "sspo",
    ]
    assert header[-2:] == ["latest rating", "latest review"]
    assert ashdown[0] == "Ashdown Academy" and brookfield[0] == "Brookfield School"
    assert ashdown[2:] == [
        "Active",
        "yes",
        f"In force until {expires_on:%-d %B %Y}",
        "Dan Okafor",
        "1",
        "2",
        "2",
        "2",
        "1",
        "1",
        "1",
        "Amber",
        "Summer 2025",
    ]
    assert brookfield[6:13] == ["2", "1", "0", "0", "0", "0", "0"]
    log = AccessLog.objects.get(action="export_csv")
    assert (log.user, log.role, log.object_type, log.outcome, log.purpose) == (
        sergeant,
        "sergeant",
        "overview_partnerships",
        AccessLog.Outcome.ALLOWED,
        OVERVIEW_PURPOSE,
    )


def test_the_chart_exports_have_the_charts_figures(client, records, sergeant):
    client.force_login(sergeant)
    reauthenticate(client)
    header, *rows = csv_rows(client.get(CSVS["concerns"]))
    assert header == ["category", *MONTHS, "total"]
    assert rows[0] == ["General welfare", *map(str, per_month(dec=1, nov=2)), "3"]
    assert [row[0] for row in rows] == [
        "General welfare",
        "Bullying",
        "Anti-social behaviour",
        "Possession of blades (any type)",
        "Possession of drugs",
    ]
    header, *rows = csv_rows(client.get(CSVS["triage"]))
    assert header == ["month logged", "concerns triaged", "median hours from logging to triage"]
    assert [row[0] for row in rows] == MONTHS
    assert rows[3] == ["2026-03", "3", "6.0"] and rows[11] == ["2026-11", "2", "12.5"]
    assert rows[0] == ["2025-12", "0", ""]
    logged = AccessLog.objects.filter(action="export_csv", user=sergeant)
    assert sorted(logged.values_list("object_type", flat=True)) == [
        "overview_concerns",
        "overview_triage",
    ]


def test_the_head_exports_their_own_school_only_without_a_police_purpose(client, records, head_a):
    client.force_login(head_a)
    reauthenticate(client)
    rows = csv_rows(client.get(CSVS["partnerships"]))
    assert [row[0] for row in rows[1:]] == ["Ashdown Academy"]
    header, *rows = csv_rows(client.get(CSVS["concerns"]))
    assert sum(int(row[-1]) for row in rows) == 5
    assert AccessLog.objects.filter(action="export_csv", user=head_a, purpose="").count() == 2


@pytest.mark.parametrize("who", ["sspo_a", "spoc_a", "staff_a"])
def test_others_are_refused_the_exports_and_the_attempt_is_logged(request, client, records, who):
    user = request.getfixturevalue(who)
    client.force_login(user)
    reauthenticate(client)
    for name, url in CSVS.items():
        assert client.get(url).status_code == 403
        assert AccessLog.objects.filter(
            user=user, object_type=f"overview_{name}", outcome=AccessLog.Outcome.DENIED
        ).exists()
    assert not AccessLog.objects.filter(user=user, outcome=AccessLog.Outcome.ALLOWED).exists()


def test_a_school_name_cannot_run_as_a_spreadsheet_formula(client, records, sergeant, school_a):
    school_a.name = '=HYPERLINK("http://evil.example")'
    school_a.save(update_fields=["name"])
    client.force_login(sergeant)
    reauthenticate(client)
    rows = csv_rows(client.get(CSVS["partnerships"]))
    assert [row[0] for row in rows if "HYPERLINK" in row[0]] == [
        '\'=HYPERLINK("http://evil.example")'
    ]


# Its cost: a fixed number of queries ------------------------------------------------------


def grow(force, sergeant, make_concern, make_incident, make_referral, n):
    """n more partnerships of the team, each with its SSPO, concerns in every month and
    category, police records, a review; one of them with its agreement revoked."""
    team = sergeant.officer.team
    categories = ["bullying", "welfare", "blades", "drugs", "asb", "truancy"]
    for k in range(n):
        school = PartnershipFactory(school__force=force).school
        officer = OfficerFactory(team=team).user
        assignment_create(
            officer=officer.officer, school=school, starts_on=datetime.date(2026, 9, 1)
        )
        reporter = MembershipFactory(school=school).user
        pupil = PupilFactory(school=school)
        for month in range(1, 12):
            concern = make_concern(
                school=school,
                reported_by=reporter,
                category=categories[(k + month) % len(categories)],
                status="shared",
                recorded_at=at(2026, month, 3),
                triaged_at=at(2026, month, 3) + hours(month),
            )
            share(concern, by=reporter, to=officer)
        make_incident(school=school, by=officer, pupils=[pupil])
        make_referral(pupil=pupil, made_by=officer, follow_up_on=TODAY)
        review(
            school.partnership,
            by=sergeant,
            year=2025,
            term="summer",
            start=datetime.date(2026, 4, 20),
            end=datetime.date(2026, 7, 20),
            rating="green",
        )
        if k == 0:
            revoke_dsa(school.partnership)


def test_the_page_makes_the_same_few_queries_however_much_there_is(
    client,
    records,
    force,
    sergeant,
    school_b,
    make_concern,
    make_incident,
    make_referral,
    django_assert_max_num_queries,
):
    revoke_dsa(school_b.partnership)  # a "why not in force" to explain at both sizes
    client.force_login(sergeant)
    client.get(PAGE)
    nothing_kept()  # the figures are kept once drawn: count the page that draws them
    # Each part of the caseload looks along its records' history of the last hour before it
    # counts: one query each. The earlier months and each part of the caseload are looked
    # for in the database, then stored there once counted: two queries each.
    with django_assert_max_num_queries(20) as few:
        assert client.get(PAGE).status_code == 200
    grow(force, sergeant, make_concern, make_incident, make_referral, 8)
    nothing_kept()
    with django_assert_max_num_queries(len(few.captured_queries)):
        body = client.get(PAGE).content.decode()
    assert body.count('<a class="govuk-link" href="/partnerships/') == 10
    assert Partnership.objects.visible_to(sergeant).count() == 10
    assert Concern.objects.count() > 100


def test_the_head_teachers_page_makes_a_fixed_number_of_queries_too(
    client,
    records,
    school_a,
    staff_a,
    head_a,
    make_concern,
    django_assert_max_num_queries,
):
    revoke_dsa(school_a.partnership)  # the head's one partnership needs explaining: the most
    client.force_login(head_a)
    client.get(PAGE)
    nothing_kept()  # the figures are kept once drawn: count the page that draws them
    # The open concerns and the police's records are two reads, each kept on its own, each
    # after a look along its records' history of the last hour; the concerns' history rows
    # of the last hour are read before the months are counted too; the months and each
    # part are looked for in the database before and stored there after.
    with django_assert_max_num_queries(22) as few:
        assert client.get(PAGE).status_code == 200
    for month in range(1, 12):
        for category in ("bullying", "welfare", "drugs"):
            make_concern(
                school=school_a,
                reported_by=staff_a,
                category=category,
                recorded_at=at(2026, month, 4),
            )
    nothing_kept()
    with django_assert_max_num_queries(len(few.captured_queries)):
        body = client.get(PAGE).content.decode()
    assert "Revoked on 20 November 2026" in body


def test_the_exports_make_a_fixed_number_of_queries_too(
    client,
    records,
    force,
    sergeant,
    make_concern,
    make_incident,
    make_referral,
    school_b,
    django_assert_max_num_queries,
):
    revoke_dsa(school_b.partnership)  # as for the page: one "why not" at both sizes
    client.force_login(sergeant)
    reauthenticate(client)
    counts = {}
    for name, url in CSVS.items():
        client.get(url)
        nothing_kept()  # the team's months counted afresh, as for a scope new this month
        with django_assert_max_num_queries(13) as few:
            client.get(url)
        counts[name] = len(few.captured_queries)
    grow(force, sergeant, make_concern, make_incident, make_referral, 6)
    for name, url in CSVS.items():
        nothing_kept()
        with django_assert_max_num_queries(counts[name]):
            assert len(csv_rows(client.get(url))) > 1


def test_each_night_every_scopes_earlier_months_are_counted_before_anyone_asks(
    records, sergeant, other_sergeant, head_a, sspo_a, make_concern, school_a, staff_a
):
    cache.clear()
    # The team's schools, the other force's team's, and the head teacher's school (the
    # SSPO has no overview).
    assert count_overview_months() == 3
    # A concern of May no history row marks: counted only if the months were counted now.
    unmarked(
        make_concern(
            school=school_a, reported_by=staff_a, category="truancy", recorded_at=at(2026, 5, 5)
        )
    )
    for person in (sergeant, head_a):
        found = team_figures.overview(person, changes=team_figures._last_changes())
        assert truancy_of(found) == per_month()
    nothing_kept()  # counted anew, this time with May's
    assert truancy_of(team_figures.overview(sergeant)) == per_month(may=1)


def counts_earlier_months(queries) -> bool:
    """Whether the months were counted by the month each concern was logged in."""
    return any("CASE WHEN" in query["sql"] for query in queries)


def test_earlier_months_the_cache_lost_are_read_from_the_database_not_counted_again(
    records, sergeant, head_a, make_concern, school_a, school_b, staff_a
):
    count_overview_months()
    # A concern of May no history row marks: it shows only if the months are counted again.
    unmarked(
        make_concern(
            school=school_a, reported_by=staff_a, category="truancy", recorded_at=at(2026, 5, 5)
        )
    )
    before = {person: team_figures.overview(person).categories for person in (sergeant, head_a)}
    cache.clear()  # as if the cache had been restarted
    for person in (sergeant, head_a):
        with CaptureQueriesContext(connection) as drawn:
            found = team_figures.overview(person, changes=team_figures._last_changes())
        # Each scope reads its own: the head teacher's school's alone, the team's.
        assert found.categories == before[person]
        assert truancy_of(found) == per_month()
        assert not counts_earlier_months(drawn.captured_queries)
        # Kept in the cache again: the next page does not read the database.
        with CaptureQueriesContext(connection) as again:
            team_figures.overview(person, changes=team_figures._last_changes())
        assert not reads(again.captured_queries, "reports_earliermonths")
    # A change to a concern of an earlier month after the night's count is still seen: the
    # look along the history goes on from where the stored months were checked.
    cache.clear()
    make_concern(
        school=school_b, reported_by=staff_a, category="truancy", recorded_at=at(2026, 3, 5)
    )
    with CaptureQueriesContext(connection) as drawn:
        found = team_figures.overview(sergeant, changes=team_figures._last_changes())
    assert truancy_of(found) == per_month(mar=1, may=1)  # from March: May's counted too
    assert counts_earlier_months(drawn.captured_queries)
    # Stored as counted again, so the cache losing them again reads March too.
    cache.clear()
    found = team_figures.overview(sergeant, changes=team_figures._last_changes())
    assert truancy_of(found) == per_month(mar=1, may=1)


def test_the_stored_months_of_a_month_that_is_over_are_deleted_each_night(records, sergeant):
    count_overview_months()
    assert set(EarlierMonths.objects.values_list("month", flat=True)) == {
        datetime.date(2026, 11, 1)
    }
    with time_machine.travel(at(2026, 12, 1, 0, 20), tick=False):
        count_overview_months()
    assert set(EarlierMonths.objects.values_list("month", flat=True)) == {
        datetime.date(2026, 12, 1)
    }


def test_each_night_every_scopes_caseload_is_counted_for_the_day_before_anyone_asks(
    client, records, sergeant
):
    # Kept for the day, so the day's first page would count every school again.
    school_ids = set(team_figures.scope_school_ids(sergeant))
    night = at(2026, 11, 21, 0, 20)
    with time_machine.travel(night, tick=False):
        client.force_login(sergeant)
        with CaptureQueriesContext(connection) as drawn:
            client.get(PAGE)
    assert schools_counted(drawn.captured_queries, "incidents_concern") == school_ids
    assert schools_counted(drawn.captured_queries, "incidents_incident") == school_ids
    with time_machine.travel(night + datetime.timedelta(days=1), tick=False):
        count_overview_months()
    with time_machine.travel(night + datetime.timedelta(days=1, hours=7), tick=False):
        client.force_login(sergeant)
        with CaptureQueriesContext(connection) as drawn:
            body = client.get(PAGE).content.decode()
    assert "2 open incidents" in body
    assert not counts_concerns(drawn.captured_queries)
    assert not reads(drawn.captured_queries, "incidents_incident")


def test_the_months_are_counted_each_night_from_beat(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["count-overview-months"]
    assert entry["task"] == "reports.tasks.count_overview_months"
    assert (entry["schedule"].hour, entry["schedule"].minute) == ({0}, {20})


def new_school_and_officer(force, sergeant):
    """A partnered school of the force no officer holds, and a new officer of the sergeant's
    team to assign to it."""
    school = PartnershipFactory(school__force=force, school__name="Fernhill Academy").school
    return school, OfficerFactory(team=sergeant.officer.team)


def test_a_new_set_of_schools_is_counted_ahead_once_the_sergeant_assigns_an_officer(
    client,
    records,
    sergeant,
    force,
    staff_a,
    make_concern,
    tasks_run_eagerly,
    django_capture_on_commit_callbacks,
):
    count_overview_months()  # the night's count
    fernhill, officer = new_school_and_officer(force, sergeant)
    make_concern(
        school=fernhill, reported_by=staff_a, category="truancy", recorded_at=at(2026, 5, 5)
    )
    with django_capture_on_commit_callbacks(execute=True):
        officer_assign(school=fernhill, officer=officer, by=sergeant)
    school_ids = team_figures.scope_school_ids(sergeant)
    assert fernhill.pk in school_ids
    # Counted and stored for the team's new set of schools once the assignment committed.
    assert EarlierMonths.objects.filter(schools=team_figures.schools_digest(school_ids)).exists()
    keys = [team_figures.by_school_key(part, school_ids, TODAY) for part in team_figures.BY_SCHOOL]
    assert KeptCounts.objects.filter(key__in=keys).count() == 2
    # So the sergeant's first page after it counts neither the months nor any school.
    client.force_login(sergeant)
    with CaptureQueriesContext(connection) as drawn:
        body = client.get(PAGE).content.decode()
    assert "Fernhill Academy" in body
    assert not counts_earlier_months(drawn.captured_queries)
    assert not counts_concerns(drawn.captured_queries)
    assert not reads(drawn.captured_queries, "incidents_incident")
    found = team_figures.overview(sergeant, changes=team_figures._last_changes())
    assert truancy_of(found) == per_month(may=1)  # Fernhill's, counted ahead


def test_with_the_broker_down_the_assignment_stands_and_the_next_count_finds_its_schools(
    records, sergeant, force, caplog, django_capture_on_commit_callbacks
):
    count_overview_months()
    fernhill, officer = new_school_and_officer(force, sergeant)
    down = f"redis://127.0.0.1:{free_port()}/0"
    with celery_broker(down), django_capture_on_commit_callbacks(execute=True):
        assignment = officer_assign(school=fernhill, officer=officer, by=sergeant)
    assignment.refresh_from_db()  # committed, whatever the broker
    assert "new sets of schools wait for the next count" in caplog.text
    digest = team_figures.schools_digest(team_figures.scope_school_ids(sergeant))
    assert not EarlierMonths.objects.filter(schools=digest).exists()
    assert count_new_overview_scopes() == 1  # the next run, from beat
    assert EarlierMonths.objects.filter(schools=digest).exists()


def test_only_sets_of_schools_not_counted_for_the_day_are_counted_ahead(
    request, records, sergeant, head_a
):
    count_overview_months()  # the night's count: the two teams' and the head teacher's
    with CaptureQueriesContext(connection) as looked:
        assert count_new_overview_scopes() == 0
    assert not counts_earlier_months(looked.captured_queries)
    assert not counts_concerns(looked.captured_queries)
    # A new head teacher at school B: their school's figures, and only those, are new.
    head_b = request.getfixturevalue("head_b")
    assert count_new_overview_scopes() == 1
    school_ids = team_figures.scope_school_ids(head_b)
    assert EarlierMonths.objects.filter(schools=team_figures.schools_digest(school_ids)).exists()
    assert count_new_overview_scopes() == 0
    # A new day, before the night's count: every scope's caseload is counted for the day.
    with time_machine.travel(NOW + datetime.timedelta(days=1), tick=False):
        assert count_new_overview_scopes() == 4


def test_new_sets_of_schools_are_counted_every_ten_minutes_from_beat(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["count-new-overview-scopes"]
    assert entry["task"] == "reports.tasks.count_new_overview_scopes"
    assert entry["schedule"] == 600

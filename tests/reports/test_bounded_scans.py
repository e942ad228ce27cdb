"""The caseload's and the overview's conference actions are read from the person's schools
only: an index bounds each read to those schools, so no plan has to walk every conference or
every conference action of the whole database (issue 11: two all-time scans).

PostgreSQL picks a sequential scan for small tables whatever indexes there are, so each plan
is asked for with sequential scans priced out: a scan that remains is one no index can avoid.
"""

import datetime
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from incidents.models import Enquiry
from referrals.models import Conference, ConferenceAction
from reports.caseload import _parts
from ssp.scope import Scope, _current
from tests.plans import nodes, plans_of
from tests.reports.kept import nothing_kept


def _conferences_elsewhere(school, by, count=60):
    for n in range(count):
        conference = Conference.objects.create(
            school=school,
            held_on=timezone.localdate() - datetime.timedelta(days=n),
            agencies="Children's services",
            attendees="SSPO, SPOC",
            decisions="Mentoring",
            rationale="Risk",
            recorded_by=by,
        )
        for k in range(3):
            ConferenceAction.objects.create(
                conference=conference,
                description="Follow up",
                owner="Youth service",
                due_on=timezone.localdate() + datetime.timedelta(days=k - 1),
                done_at=timezone.now() if k == 0 else None,
                done_by=by if k == 0 else None,
            )


def _plans_of_action_reads(client, user, url) -> list[dict]:
    return _plans_of_reads(client, user, url, "referrals_conferenceaction", "referrals_conference")


def _plans_of_reads(client, user, url, table, *others) -> list[dict]:
    """The plans of the page's reads of the table (with statistics of it and the others)."""
    client.force_login(user)
    client.get(url)
    nothing_kept()  # the overview keeps its rendered figures and counts: read them afresh
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    reads = [
        q["sql"]
        for q in captured.captured_queries
        if f'"{table}"' in q["sql"] and "SELECT" in q["sql"][:10]
    ]
    assert reads, f"the page reads {table}"
    return plans_of(reads, (table, *others), without_seq_scans=True)


def _assert_bounded(plans):
    """Every read of the two tables starts from an index condition (the person's schools,
    or their conferences), never from the whole table, in order or not."""
    for plan in plans:
        for node in nodes(plan):
            if node.get("Relation Name") not in (
                "referrals_conference",
                "referrals_conferenceaction",
            ):
                continue
            assert node["Node Type"] != "Seq Scan", json.dumps(plan, indent=1)
            if node["Node Type"] == "Bitmap Heap Scan":
                node = node["Plans"][0]
            assert "Index Cond" in node, json.dumps(plan, indent=1)


@pytest.mark.django_db
def test_the_sspos_caseload_reads_only_their_schools_open_actions(
    client, conference_a, sspo_a, sspo_b, school_b
):
    _conferences_elsewhere(school_b, sspo_b)
    _assert_bounded(_plans_of_action_reads(client, sspo_a, "/"))


@pytest.mark.django_db
def test_the_head_teachers_overview_reads_only_their_schools_open_actions(
    client, conference_a, head_a, sspo_b, school_b
):
    _conferences_elsewhere(school_b, sspo_b)
    _assert_bounded(_plans_of_action_reads(client, head_a, "/overview/"))


def _reads_of(plan, relation, in_subplan=False):
    """(node, whether it is inside a subplan) for each node reading the relation."""
    in_subplan = in_subplan or plan.get("Parent Relationship") in ("SubPlan", "InitPlan")
    if plan.get("Relation Name") == relation:
        yield plan, in_subplan
    for child in plan.get("Plans", []):
        yield from _reads_of(child, relation, in_subplan)


@pytest.mark.django_db
def test_the_caseload_reads_an_actions_conference_only_for_the_actions_it_shows(
    client, conference_a, sspo_a
):
    """The section counts every open action of the schools but shows five: each shown
    action's conference (for its link) is looked up by key, not joined for every action
    counted (2 ms of the caseload's statement at a million concerns, issue 11)."""
    _conferences_elsewhere(conference_a.school, sspo_a)
    [plan] = _plans_of_action_reads(client, sspo_a, "/")
    reads = list(_reads_of(plan, "referrals_conference"))
    assert reads, json.dumps(plan, indent=1)
    for node, in_subplan in reads:
        assert in_subplan, json.dumps(plan, indent=1)
        assert node["Index Name"] == "referrals_conference_pkey", json.dumps(plan, indent=1)


@pytest.mark.django_db
def test_the_waiting_enquiries_index_carries_what_the_caseload_shows(sspo_a):
    """The caseload's enquiries waiting for the police, oldest first, are read from the
    index of the waiting ones alone (an index-only scan and a sort of the schools' few),
    not by walking every school's enquiries from the oldest through all those long closed
    (issue 11: 0.8 ms to 0.1 at a million concerns, bench/README.md). That holds while the
    index carries every field the section shows. (At a test's few rows PostgreSQL picks
    among the enquiries' indexes by their sizes, so the plan itself is the bench's to show.)"""
    now = timezone.now()
    token = _current.set(Scope(sspo_a))
    try:
        [part] = [
            part
            for key, part in _parts(
                sspo_a, None, acknowledge_by=now, answer_by=now, today=now.date()
            ).items()
            if key == "enquiries"
        ]
    finally:
        _current.reset(token)
    [index] = [i for i in Enquiry._meta.indexes if i.name == "enquiry_police_waiting"]
    fields = Enquiry._meta.get_field
    carried = {fields(name.lstrip("-")).attname for name in (*index.fields, *index.include)}
    shown = {fields(path.split("__")[0]).attname for path in (*part.shows, *part.order)}
    assert shown <= carried, shown - carried

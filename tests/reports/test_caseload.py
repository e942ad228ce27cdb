import datetime

import pytest
from django.utils import timezone

from incidents.services import (
    concern_acknowledge,
    concern_record_police_outcome,
    enquiry_open,
)
from referrals.models import ConferenceAction
from reports.caseload import COUNTED

HOME = "/"


def caseload_of(client, user, **params):
    client.force_login(user)
    response = client.get(HOME, params)
    assert response.status_code == 200
    return response.content.decode(), response.context["caseload"]


@pytest.fixture
def busy_school_a(
    shared_concern_a, make_incident, make_referral, conference_a, school_a, pupil_a, sspo_a, spoc_a
):
    incident = make_incident(school=school_a, pupils=[pupil_a])
    referral = make_referral(
        pupil=pupil_a,
        made_by=sspo_a,
        follow_up_on=timezone.localdate() - datetime.timedelta(days=1),
    )
    action = conference_a.actions.get()
    action.due_on = timezone.localdate() - datetime.timedelta(days=2)
    action.save()
    enquiry = enquiry_open(
        by=spoc_a,
        school=school_a,
        about="general",
        subject="Assembly on knife crime",
        text="Could you come on Friday?",
    )
    return shared_concern_a, incident, referral, action, enquiry


def test_the_sspo_sees_everything_open_at_their_schools(client, busy_school_a, sspo_a):
    concern, incident, referral, action, enquiry = busy_school_a
    body, sections = caseload_of(client, sspo_a)
    for reference in (concern.reference, incident.reference, referral.reference):
        assert reference in body
    assert "Assembly on knife crime" in body and "To acknowledge" in body
    assert sections["referrals"].overdue == 1 and sections["actions"].overdue == 1
    assert [s.count for s in sections.values()] == [1, 1, 1, 1, 1, 0]


def test_another_schools_sspo_sees_none_of_it(client, busy_school_a, sspo_b):
    concern, incident, referral, action, enquiry = busy_school_a
    body, sections = caseload_of(client, sspo_b)
    assert concern.reference not in body and incident.reference not in body
    assert referral.reference not in body and "Assembly on knife crime" not in body
    assert all(s.count == 0 for s in sections.values())


def test_a_concern_leaves_the_caseload_once_its_outcome_is_recorded(
    client, shared_concern_a, sspo_a
):
    concern_acknowledge(concern=shared_concern_a, by=sspo_a)
    body, _ = caseload_of(client, sspo_a)
    assert "Record what was done" in body
    shared_concern_a.refresh_from_db()
    concern_record_police_outcome(
        concern=shared_concern_a,
        by=sspo_a,
        outcome="advice",
        rationale="Advice given to the school.",
    )
    body, sections = caseload_of(client, sspo_a)
    assert shared_concern_a.reference not in body and sections["concerns"].count == 0


def test_an_sspo_with_two_schools_can_look_at_one(
    client, busy_school_a, sspo_a, school_b, sergeant
):
    from schools.services import assignment_create

    assignment_create(officer=sspo_a.officer, school=school_b, by=sergeant)
    concern = busy_school_a[0]
    body, _ = caseload_of(client, sspo_a, school=str(school_b.code))
    assert concern.reference not in body
    body, _ = caseload_of(client, sspo_a, school=str(concern.school.code))
    assert concern.reference in body


def test_the_caseload_answers_in_the_same_queries_however_much_is_open(
    client,
    busy_school_a,
    make_incident,
    make_referral,
    school_a,
    pupil_a,
    sspo_a,
    conference_a,
    django_assert_max_num_queries,
):
    client.force_login(sspo_a)
    client.get(HOME)
    # Issue 11 asks at most 8 of a home page. Seven reads: the session and the user, the
    # schools with their SSPOs and leads (three), which of them have a DSA in force, and the
    # six caseload sections in one statement; and one write, the access-log rows for the
    # children named (issue 10, hole 4).
    with django_assert_max_num_queries(8) as few:
        client.get(HOME)
    for n in range(15):
        make_incident(school=school_a, pupils=[pupil_a])
        make_referral(pupil=pupil_a, made_by=sspo_a)
        ConferenceAction.objects.create(
            conference=conference_a,
            description=f"Action {n}",
            owner="School",
            due_on=timezone.localdate(),
        )
    with django_assert_max_num_queries(len(few.captured_queries)):
        body = client.get(HOME).content.decode()
    assert "16" in body


def test_each_section_lists_a_few_items_and_counts_them_all(
    client, busy_school_a, make_incident, make_referral, school_a, pupil_a, sspo_a
):
    for _ in range(7):
        make_incident(school=school_a, pupils=[pupil_a])
        make_referral(
            pupil=pupil_a,
            made_by=sspo_a,
            follow_up_on=timezone.localdate() - datetime.timedelta(days=3),
        )
    body, sections = caseload_of(client, sspo_a)
    assert sections["incidents"].count == 8 and len(sections["incidents"].items) == 5
    # Overdue counts every open referral with its follow-up due, not just those listed.
    assert sections["referrals"].count == 8 and sections["referrals"].overdue == 8
    assert len(sections["referrals"].items) == 5
    assert "8 overdue" in body


def test_past_a_hundred_a_section_says_so_and_counts_no_further(
    client, busy_school_a, scheme, school_a, pupil_a, sspo_a
):
    """The count costs the same however much is open: it stops at COUNTED, shown as "100+"."""
    from referrals.models import Referral

    def referrals(count, prefix, **fields):
        Referral.objects.bulk_create(
            Referral(
                reference=f"{prefix}-{n:04d}",
                school=school_a,
                pupil=pupil_a,
                scheme=scheme,
                purpose="diversion",
                reason="Reason",
                young_person_consent="given",
                parent_consent="given",
                made_by=sspo_a,
                **fields,
            )
            for n in range(count)
        )

    due = timezone.localdate() - datetime.timedelta(days=1)
    referrals(COUNTED - 4, "RD", follow_up_on=due)  # with the fixture's: 97 overdue
    referrals(2, "RL", follow_up_on=due + datetime.timedelta(days=30))
    body, sections = caseload_of(client, sspo_a)
    assert (sections["referrals"].count, sections["referrals"].overdue) == (99, 97)
    assert ">99</p>" in body and "97 overdue" in body and "100+" not in body
    referrals(5, "RM", follow_up_on=due)
    body, sections = caseload_of(client, sspo_a)
    assert (sections["referrals"].count, sections["referrals"].overdue) == (COUNTED, COUNTED)
    assert "100+ overdue" in body
    # Other sections keep their own counts.
    assert sections["incidents"].count == 1 and ">1</p>" in body


def test_enquiries_waiting_for_the_police_stop_counting_past_a_hundred(
    client, busy_school_a, school_a, sspo_a, spoc_a
):
    """In a busy force the enquiries waiting for the police pile up too: counted up to
    COUNTED, the oldest first."""
    from incidents.models import Enquiry

    now = timezone.now()

    def enquiries(count, prefix, days_ago, **fields):
        return Enquiry.objects.bulk_create(
            Enquiry(
                school=school_a,
                sspo=sspo_a,
                about=Enquiry.About.GENERAL,
                subject=f"{prefix} {n:03d}",
                opened_by=spoc_a,
                last_message_at=now - datetime.timedelta(days=days_ago, minutes=n),
                **{"awaiting": "police", **fields},
            )
            for n in range(count)
        )

    late = enquiries(COUNTED - 4, "Late", days_ago=4)  # waiting past the three days
    enquiries(2, "Recent", days_ago=1)
    # Answered by the police, or waiting for the school: not the police's to answer.
    enquiries(3, "Answered", days_ago=9, status=Enquiry.Status.ANSWERED)
    enquiries(3, "School", days_ago=9, awaiting="school")
    body, sections = caseload_of(client, sspo_a)
    # With the fixture's, asked just now: 99, of which 96 late.
    assert (sections["enquiries"].count, sections["enquiries"].overdue) == (99, 96)
    assert "96 overdue" in body and "100+" not in body
    oldest = sorted(late, key=lambda e: e.last_message_at)[:5]
    assert [e.subject for e in sections["enquiries"].items] == [e.subject for e in oldest]
    assert all(e.overdue for e in sections["enquiries"].items)
    enquiries(5, "Later", days_ago=5)
    body, sections = caseload_of(client, sspo_a)
    assert (sections["enquiries"].count, sections["enquiries"].overdue) == (COUNTED, COUNTED)
    assert sections["enquiries"].count_shown == "100+" and "100+ overdue" in body


def test_each_section_keeps_its_order_and_its_first_items(
    client, busy_school_a, make_incident, make_referral, school_a, pupil_a, sspo_a
):
    # The sections are read together: each must still list its own first items, in its order.
    now = timezone.now()
    incidents = [
        make_incident(
            school=school_a, pupils=[pupil_a], happened_at=now - datetime.timedelta(days=d)
        )
        for d in (5, 2, 9, 3, 7, 4, 8)
    ]
    referrals = [
        make_referral(
            pupil=pupil_a,
            made_by=sspo_a,
            follow_up_on=timezone.localdate() + datetime.timedelta(days=d),
        )
        for d in (6, 2, 4)
    ]
    body, sections = caseload_of(client, sspo_a)
    # The fixture's incident happened an hour ago: the newest of all.
    newest = [busy_school_a[1], *sorted(incidents, key=lambda i: i.happened_at, reverse=True)]
    assert [i.reference for i in sections["incidents"].items] == [i.reference for i in newest[:5]]
    # The fixture's referral is due yesterday, then the soonest follow-ups.
    assert [r.reference for r in sections["referrals"].items] == [
        busy_school_a[2].reference,
        referrals[1].reference,
        referrals[2].reference,
        referrals[0].reference,
    ]
    assert body.index(newest[0].reference) < body.index(newest[4].reference)
    assert newest[5].reference not in body


@pytest.mark.parametrize("one_school", [False, True], ids=["both schools", "one chosen"])
def test_the_statement_run_is_the_one_the_rules_build_for_the_person(
    busy_school_a, sspo_a, school_a, school_b, sergeant, one_school
):
    """The caseload runs a statement built once with stand-ins (ssp.statements): with the
    person's values put in, it is the very statement the records' rules build for them,
    even built on another day (a rule that read the clock would have kept that day's)."""
    from reports.caseload import _parts, _statements, request_values, statements_for
    from schools.services import assignment_create
    from ssp.scope import Scope, _current
    from tests.factories import revoke_dsa
    from tests.statements import built_on_another_day

    assignment_create(officer=sspo_a.officer, school=school_b, by=sergeant)
    revoke_dsa(school_b.partnership)  # two schools seen, one of them in force
    token = _current.set(Scope(sspo_a))
    try:
        values = request_values(sspo_a, school_a if one_school else None, timezone.now())
        assert sorted(values["visible"]) == sorted([school_a.pk, school_b.pk])
        assert values["in_force"] == [school_a.pk]
        parts = _parts(
            sspo_a,
            values["school"],
            acknowledge_by=values["acknowledge_by"],
            answer_by=values["answer_by"],
            today=values["today"],
        )
        first, *others = (part.rows(key) for key, part in parts.items())
        sql, params = first.union(*others, all=True).query.sql_with_params()
    finally:
        _current.reset(token)
    _statements.cache_clear()
    [statement] = built_on_another_day(lambda: statements_for("default", sspo_a.role, values))
    assert statement.sql == sql
    assert statement.bind(values) == list(params)


def test_a_database_without_unions_of_sliced_parts_reads_each_section_on_its_own(
    client, busy_school_a, sspo_a, monkeypatch
):
    """SQLite, the demo's database, refuses a UNION of sliced parts: there the six sections
    are six statements, and the page shows the same."""
    from django.db import connection

    from reports.caseload import _statements

    _, union = caseload_of(client, sspo_a)
    monkeypatch.setattr(connection.features, "supports_slicing_ordering_in_compound", False)
    _statements.cache_clear()
    try:
        _, apart = caseload_of(client, sspo_a)
        # One statement per section, built once for the shape (one school, in force).
        assert len(_statements("default", sspo_a.role, 1, 1, False)) == 6
        assert _statements.cache_info().currsize == 1
    finally:
        _statements.cache_clear()

    def shown(sections):
        return [
            (
                s.count,
                s.overdue,
                [{k: v for k, v in vars(i).items() if k != "_state"} for i in s.items],
            )
            for s in sections.values()
        ]

    assert shown(apart) == shown(union)
    assert sum(s.count for s in apart.values()) == 5


def test_the_planner_knows_how_few_concerns_are_open(db):
    """incidents 0016: without statistics of status and police outcome together,
    PostgreSQL sorted every concern it wrongly thought open instead of walking the
    caseload's index (concern_caseload_order)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT stxkeys::text FROM pg_statistic_ext WHERE stxname = %s",
            ["concern_status_outcome_school"],
        )
        assert cursor.fetchone() is not None


def test_only_the_busy_sections_stop_counting():
    from reports.caseload import Section

    assert Section("Open incidents", [], count=COUNTED, capped=True).count_shown == "100+"
    assert Section("Actions", [], count=150, overdue=120).count_shown == "150"
    assert Section("Actions", [], count=150, overdue=120).overdue_shown == "120"

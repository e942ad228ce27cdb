"""The appraisal figures, checked against a small dataset counted by hand.

The period is the autumn term 2026 (1 September to 31 December, London). Beside the records
that count there are records just outside it (either side of midnight in London, where
the clocks are on BST in September and GMT in December) and at school B, which must not.
"""

import datetime
import itertools
import json
from zoneinfo import ZoneInfo

import pytest

from incidents.models import Concern, ConcernEvent, Incident, Share
from referrals.models import Referral
from reports.figures import partnership_figures
from schools.models import Activity
from tests.factories import PupilFactory

LONDON = ZoneInfo("Europe/London")
START, END = datetime.date(2026, 9, 1), datetime.date(2026, 12, 31)
_numbers = itertools.count(1)


def at(*args) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=LONDON)


def hours(n) -> datetime.timedelta:
    return datetime.timedelta(hours=n)


def concern(
    school,
    by,
    recorded_at,
    *,
    triaged_after=None,
    event=True,
    shared_at=None,
    acknowledged_after=None,
    **fields,
):
    """A concern as its services would leave it, at the moments given."""
    triaged_at = recorded_at + hours(triaged_after) if triaged_after is not None else None
    made = Concern.objects.create(
        reference=f"F-{next(_numbers):05d}",
        school=school,
        reported_by=by,
        category=fields.pop("category", "welfare"),
        narrative="n",
        happened_at=recorded_at,
        recorded_at=recorded_at,
        location="in_school",
        status=fields.pop(
            "status", "shared" if shared_at else ("in_school" if triaged_at else "new")
        ),
        triaged_at=fields.pop("last_triaged_at", triaged_at),
        acknowledged_at=shared_at + hours(acknowledged_after) if acknowledged_after else None,
        shared_at=shared_at,
        **fields,
    )
    if triaged_at and event:
        ConcernEvent.objects.create(concern=made, kind="triaged", actor=by, at=triaged_at)
    if shared_at:
        Share.objects.create(
            concern=made,
            shared_by=by,
            shared_with=by,
            at=shared_at,
            partnership=school.partnership,
            agreement="DSA v1",
        )
    return made


def incident(school, by, recorded_at, category):
    return Incident.objects.create(
        reference=f"FI-{next(_numbers):05d}",
        school=school,
        recorded_by=by,
        category=category,
        narrative="n",
        location="in_school",
        happened_at=recorded_at,
        recorded_at=recorded_at,
    )


def referral(pupil, by, scheme, made_at, status="made"):
    return Referral.objects.create(
        reference=f"FR-{next(_numbers):05d}",
        school=pupil.school,
        pupil=pupil,
        scheme=scheme,
        purpose="diversion",
        reason="r",
        young_person_consent="given",
        parent_consent="given",
        made_by=by,
        made_at=made_at,
        status=status,
    )


def activity(school, officer, on, kind, status="delivered", pupils=None):
    return Activity.objects.create(
        school=school,
        officer=officer.officer,
        kind=kind,
        status=status,
        on=on,
        pupils_count=pupils,
        recorded_by=officer,
    )


@pytest.fixture
def dataset(school_a, school_b, staff_a, spoc_b, sspo_a, sspo_b, scheme):
    a, b = school_a, school_b
    # Concerns at school A. Times to triage, in hours: 2, 4, 11, 1 (median 3, mean 4.5).
    # No triage event for the first: the triage time falls back to triaged_at.
    concern(a, staff_a, at(2026, 9, 1, 0, 30), triaged_after=2, event=False)  # 23:30 UTC
    concern(
        a,
        staff_a,
        at(2026, 10, 10, 9, 0),
        triaged_after=4,
        shared_at=at(2026, 10, 10, 13, 0),
        acknowledged_after=6,
    )
    concern(
        a,
        staff_a,
        at(2026, 11, 5, 10, 0),
        triaged_after=11,
        shared_at=at(2026, 11, 5, 21, 0),
        acknowledged_after=2,
        kind="early_intervention",
        status="early_intervention",
    )
    concern(a, staff_a, at(2026, 12, 31, 23, 30))  # logged, never triaged
    # Handled in school after 1 hour, escalated and shared in January: triaged_at moved on,
    # the share is outside the term.
    concern(
        a,
        staff_a,
        at(2026, 12, 20, 8, 0),
        triaged_after=1,
        last_triaged_at=at(2027, 1, 3, 9, 0),
        shared_at=at(2027, 1, 3, 9, 0),
    )
    # Logged before the term, shared in it (3 September), acknowledged 4 hours later.
    concern(
        a,
        staff_a,
        at(2026, 8, 20, 9, 0),
        triaged_after=24 * 13 + 1,
        shared_at=at(2026, 9, 2, 10, 0),
        acknowledged_after=4,
    )
    concern(a, staff_a, at(2026, 8, 31, 23, 30), triaged_after=1)  # 22:30 UTC: outside
    concern(a, staff_a, at(2027, 1, 1, 0, 10), triaged_after=1)  # outside
    concern(
        b,
        spoc_b,
        at(2026, 10, 1, 9, 0),
        triaged_after=100,
        shared_at=at(2026, 10, 5, 13, 0),
        acknowledged_after=100,
    )

    # Incidents: at A in the term, two weapons and one drugs.
    incident(a, sspo_a, at(2026, 9, 5, 12, 0), "weapons")
    incident(a, sspo_a, at(2026, 12, 31, 23, 0), "weapons")
    incident(a, sspo_a, at(2026, 10, 1, 12, 0), "drugs")
    incident(a, sspo_a, at(2026, 8, 31, 23, 30), "weapons")  # outside
    incident(a, sspo_a, at(2027, 1, 1, 0, 30), "blades")  # outside
    incident(b, sspo_b, at(2026, 10, 1, 12, 0), "drugs")  # school B

    # Referrals made at A in the term: 2 completed, 1 made, 1 withdrawn.
    pupil_a = PupilFactory(school=a)
    pupil_b = PupilFactory(school=b)
    referral(pupil_a, sspo_a, scheme, at(2026, 9, 10, 10, 0), "completed")
    referral(pupil_a, sspo_a, scheme, at(2026, 11, 10, 10, 0), "completed")
    referral(pupil_a, sspo_a, scheme, at(2026, 12, 1, 10, 0), "made")
    referral(pupil_a, sspo_a, scheme, at(2026, 10, 1, 10, 0), "withdrawn")
    referral(pupil_a, sspo_a, scheme, at(2026, 8, 31, 23, 0), "accepted")  # outside
    referral(pupil_b, sspo_b, scheme, at(2026, 10, 1, 10, 0), "made")  # school B

    # Activities: delivered in the term at A count; scheduled, cancelled or outside do not.
    d = datetime.date
    activity(a, sspo_a, d(2026, 9, 1), "patrol")
    activity(a, sspo_a, d(2026, 12, 31), "patrol")
    activity(a, sspo_a, d(2026, 11, 1), "patrol", status="scheduled")
    activity(a, sspo_a, d(2026, 11, 2), "patrol", status="cancelled")
    activity(a, sspo_a, d(2026, 8, 31), "patrol")
    activity(a, sspo_a, d(2026, 9, 15), "assembly", pupils=180)
    activity(a, sspo_a, d(2026, 10, 15), "rshe", pupils=30)
    activity(a, sspo_a, d(2026, 10, 16), "group_work")
    activity(a, sspo_a, d(2026, 10, 17), "one_to_one", pupils=1)
    activity(a, sspo_a, d(2026, 10, 18), "advice")
    activity(a, sspo_a, d(2026, 12, 1), "rshe", status="scheduled", pupils=25)
    activity(a, sspo_a, d(2027, 1, 4), "assembly", pupils=150)
    activity(b, sspo_b, d(2026, 10, 1), "assembly", pupils=200)
    return a.partnership


def test_concern_figures_match_the_hand_count(dataset):
    figures = partnership_figures(dataset, START, END)
    assert figures["concerns"] == {
        "logged": 5,
        "early_intervention": 1,
        "triaged": 4,
        "triage_hours_median": 3.0,
        "triage_hours_mean": 4.5,
        "shared": 3,
        "acknowledged": 3,
        "acknowledgement_hours_median": 4.0,
    }


def test_incident_figures_match_the_hand_count(dataset):
    figures = partnership_figures(dataset, START, END)
    assert figures["incidents"] == {
        "recorded": 3,
        "by_category": [
            {"category": "weapons", "label": "Possession of any weapon", "count": 2},
            {"category": "drugs", "label": "Possession of drugs", "count": 1},
        ],
    }


def test_referral_figures_match_the_hand_count(dataset):
    figures = partnership_figures(dataset, START, END)
    assert figures["referrals"] == {
        "made": 4,
        "by_status": [
            {"status": "made", "label": "Made", "count": 1},
            {"status": "completed", "label": "Completed", "count": 2},
            {"status": "withdrawn", "label": "Withdrawn", "count": 1},
        ],
    }


def test_activity_figures_match_the_hand_count(dataset):
    figures = partnership_figures(dataset, START, END)
    assert figures["activities"] == {
        "patrols": 2,
        "sessions": 4,
        "pupils_reached": 211,
        "by_kind": [
            {"kind": "patrol", "label": "After-school uniform patrol", "count": 2, "pupils": 0},
            {"kind": "advice", "label": "Advice to the head teacher", "count": 1, "pupils": 0},
            {"kind": "assembly", "label": "Assembly", "count": 1, "pupils": 180},
            {"kind": "group_work", "label": "Group work", "count": 1, "pupils": 0},
            {"kind": "one_to_one", "label": "One-to-one work", "count": 1, "pupils": 1},
            {"kind": "rshe", "label": "RSHE session", "count": 1, "pupils": 30},
        ],
    }


def test_the_figures_are_plain_json_with_their_period(dataset):
    figures = partnership_figures(dataset, START, END)
    assert json.loads(json.dumps(figures)) == figures
    assert figures["period"] == {"start": "2026-09-01", "end": "2026-12-31"}


def test_school_b_counts_only_its_own_records(dataset, school_b):
    figures = partnership_figures(school_b.partnership, START, END)
    assert figures["concerns"]["logged"] == 1
    assert figures["concerns"]["triage_hours_median"] == 100.0
    assert figures["concerns"]["acknowledgement_hours_median"] == 100.0
    assert figures["incidents"]["recorded"] == 1
    assert figures["referrals"]["made"] == 1
    assert figures["activities"]["pupils_reached"] == 200


def test_a_quiet_period_gives_zeros_and_no_times(dataset):
    figures = partnership_figures(dataset, datetime.date(2025, 9, 1), datetime.date(2025, 12, 31))
    assert figures["concerns"] == {
        "logged": 0,
        "early_intervention": 0,
        "triaged": 0,
        "triage_hours_median": None,
        "triage_hours_mean": None,
        "shared": 0,
        "acknowledged": 0,
        "acknowledgement_hours_median": None,
    }
    assert figures["incidents"] == {"recorded": 0, "by_category": []}
    assert figures["referrals"] == {"made": 0, "by_status": []}
    assert figures["activities"] == {
        "patrols": 0,
        "sessions": 0,
        "pupils_reached": 0,
        "by_kind": [],
    }


def test_the_figures_take_four_queries_however_many_records(
    dataset, staff_a, sspo_a, django_assert_num_queries
):
    with django_assert_num_queries(4):
        before = partnership_figures(dataset, START, END)
    for day in range(1, 29):
        recorded = at(2026, 10, day, 9, 0)
        concern(
            dataset.school,
            staff_a,
            recorded,
            triaged_after=1,
            shared_at=recorded + hours(1),
            acknowledged_after=1,
        )
        incident(dataset.school, sspo_a, recorded, "drugs")
        activity(dataset.school, sspo_a, recorded.date(), "assembly", pupils=10)
    with django_assert_num_queries(4):
        after = partnership_figures(dataset, START, END)
    assert after["concerns"]["logged"] == before["concerns"]["logged"] + 28
    assert after["activities"]["pupils_reached"] == before["activities"]["pupils_reached"] + 280

"""Fixtures shared by the activity log and session request tests (imported by name)."""

import datetime

import pytest
from django.utils import timezone

from schools.models import Activity, Membership, SessionRequest
from tests.factories import MembershipFactory, UserFactory

ANON = "anonymous"
PEOPLE = [
    "staff_a",
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
    "admin_user",
]


def who(request, name):
    return None if name == ANON else request.getfixturevalue(name)


def days(n: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=n)


def date_fields(prefix: str, day: datetime.date) -> dict:
    return {f"{prefix}_0": day.day, f"{prefix}_1": day.month, f"{prefix}_2": day.year}


def _lead(school, designation, email):
    return MembershipFactory(
        school=school,
        is_slt=True,
        designation=designation,
        user=UserFactory(email=email, first_name="Dee", last_name="Puty"),
    ).user


@pytest.fixture
def spoc_c(school_c):
    return _lead(school_c, Membership.Designation.SPOC, "spoc.c@example.org")


def make_activity(*, school, by, kind=Activity.Kind.ASSEMBLY, on=None, **fields):
    fields.setdefault("theme", "Online safety")
    fields.setdefault("year_groups", ["7", "8"])
    fields.setdefault("pupils_count", 180)
    activity = Activity(
        school=school, officer=by.officer, kind=kind, on=on or days(-1), recorded_by=by, **fields
    )
    activity._history_user = by
    activity.save()
    return activity


@pytest.fixture
def activity_a(school_a, sspo_a):
    return make_activity(school=school_a, by=sspo_a, theme="Knife crime assembly")


@pytest.fixture
def activity_c(school_c, yet_officer):
    return make_activity(school=school_c, by=yet_officer, theme="Staying safe online")


@pytest.fixture
def scheduled_a(school_a, sspo_a):
    return make_activity(
        school=school_a,
        by=sspo_a,
        status=Activity.Status.SCHEDULED,
        on=days(-1),
        pupils_count=None,
        theme="County lines",
    )


def make_request(*, school, by, topic="County lines awareness"):
    session_request = SessionRequest(
        school=school,
        requested_by=by,
        topic=topic,
        year_groups=["9", "10"],
        preferred_dates="Any Tuesday in January",
    )
    session_request._history_user = by
    session_request.save()
    return session_request


@pytest.fixture
def request_a(school_a, spoc_a):
    return make_request(school=school_a, by=spoc_a)

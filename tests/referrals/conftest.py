import datetime

import pytest
from django.utils import timezone

from referrals.models import Conference, ConferenceAction, Referral, ReferralEvent, Scheme
from tests.factories import PupilFactory


@pytest.fixture
def pupil_b(school_b):
    return PupilFactory(school=school_b, first_name="Bella", last_name="Brown")


@pytest.fixture
def scheme(force):
    return Scheme.objects.create(
        force=force,
        name="Youth Diversion Programme",
        provider="Northshire Youth Service",
        purpose="diversion",
        criteria="Ages 11-17, first ASB warning",
        contact="yds@example.org",
    )


@pytest.fixture
def other_scheme(other_sergeant):
    return Scheme.objects.create(
        force=other_sergeant.officer.team.force,
        name="Southshire Mentoring",
        provider="South Mentors",
        purpose="safeguarding",
        criteria="Any",
        contact="mentors@example.org",
    )


@pytest.fixture
def make_referral(scheme):
    counter = iter(range(1, 1_000_000))

    def make(*, pupil, made_by, status="made", **fields):
        referral = Referral.objects.create(
            reference=f"RT-{next(counter):06d}",
            school=pupil.school,
            pupil=pupil,
            scheme=fields.pop("scheme", scheme),
            purpose="diversion",
            reason=fields.pop("reason", "Police-only reason text"),
            young_person_consent="given",
            parent_consent="given",
            made_by=made_by,
            status=status,
            **fields,
        )
        ReferralEvent.objects.create(
            referral=referral, kind="made", actor=made_by, to_status=status
        )
        return referral

    return make


@pytest.fixture
def referral_a(make_referral, pupil_a, sspo_a):
    return make_referral(pupil=pupil_a, made_by=sspo_a)


@pytest.fixture
def conference_a(pupil_a, sspo_a):
    conference = Conference.objects.create(
        school=pupil_a.school,
        held_on=timezone.localdate() - datetime.timedelta(days=1),
        agencies="Children's services; CAMHS",
        attendees="SSPO, SPOC, social worker",
        decisions="Mentoring to be offered",
        rationale="Risk of exploitation",
        recorded_by=sspo_a,
    )
    conference.pupils.set([pupil_a])
    ConferenceAction.objects.create(
        conference=conference,
        description="Offer mentoring",
        owner="Youth service",
        due_on=timezone.localdate() + datetime.timedelta(days=7),
    )
    return conference

import datetime

import pytest
from django.utils import timezone

from incidents.models import Concern, ConcernEvent, ConcernPupil
from tests.factories import PupilFactory


@pytest.fixture
def pupil_a2(school_a):
    return PupilFactory(school=school_a, first_name="Noah", last_name="Ashby")


@pytest.fixture
def pupil_b(school_b):
    return PupilFactory(school=school_b, first_name="Bella", last_name="Brown")


@pytest.fixture
def make_concern():
    """A concern as logged through the service would leave it, without the HTTP steps."""
    counter = iter(range(1, 1_000_000))

    def make(*, school, reported_by, pupils=(), status=Concern.Status.NEW, **fields):
        concern = Concern.objects.create(
            reference=f"T-{next(counter):06d}-{school.pk}",
            school=school,
            reported_by=reported_by,
            category=fields.pop("category", "welfare"),
            narrative=fields.pop("narrative", "Said something worrying at lunch."),
            happened_at=fields.pop("happened_at", timezone.now() - datetime.timedelta(hours=2)),
            location=fields.pop("location", "in_school"),
            status=status,
            **fields,
        )
        for pupil in pupils:
            ConcernPupil.objects.create(concern=concern, pupil=pupil, role="victim")
        ConcernEvent.objects.create(
            concern=concern, kind="logged", actor=reported_by, to_status=status
        )
        return concern

    return make


@pytest.fixture
def concern_a(make_concern, school_a, staff_a, pupil_a):
    return make_concern(school=school_a, reported_by=staff_a, pupils=[pupil_a])


@pytest.fixture
def shared_concern_a(concern_a, spoc_a, sspo_a):
    from incidents.services import concern_triage

    return concern_triage(
        concern=concern_a,
        by=spoc_a,
        decision="shared",
        rationale="Police-relevant; SSPO should know.",
        seen_version=1,
    )

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


@pytest.fixture
def acknowledged_concern_a(shared_concern_a, sspo_a):
    from incidents.services import concern_acknowledge

    return concern_acknowledge(concern=shared_concern_a, by=sspo_a)


@pytest.fixture
def make_incident(sspo_a):
    """An incident as the SSPO records it through the service."""
    from incidents.services import IncidentFacts, Involvement, incident_record

    def make(*, school, by=sspo_a, pupils=(), category="weapons", concern=None, **fields):
        facts = fields.pop(
            "facts",
            IncidentFacts(item_kind="Kitchen knife", item_seized=True, item_handed_to="PC"),
        )
        return incident_record(
            by=by,
            school=school,
            category=category,
            narrative=fields.pop("narrative", "Found in a bag at break."),
            location=fields.pop("location", "in_school"),
            place=fields.pop("place", "Sports hall"),
            happened_at=fields.pop("happened_at", timezone.now() - datetime.timedelta(hours=1)),
            involved=[Involvement(p, "suspect") for p in pupils],
            facts=facts,
            police_reference=fields.pop("police_reference", ""),
            concern=concern,
        )

    return make


@pytest.fixture
def incident_a(make_incident, school_a, pupil_a):
    return make_incident(school=school_a, pupils=[pupil_a])


@pytest.fixture
def enquiry_a(school_a, sspo_a, spoc_a):
    from incidents.services import enquiry_open

    return enquiry_open(
        by=sspo_a, school=school_a, about="general", subject="Assembly next week", text="Can we?"
    )

import datetime as dt

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone

from incidents.models import Attachment
from tests.incidents.conftest import concern_a, make_concern, make_incident  # noqa: F401
from tests.referrals.conftest import scheme  # noqa: F401


@pytest.fixture
def private_storage(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def records_about(
    make_concern,  # noqa: F811
    make_incident,  # noqa: F811
    scheme,  # noqa: F811
    staff_a,
    spoc_a,
    sspo_a,
    sergeant,
    head_a,
    private_storage,
):
    """Records of every kind about a pupil, made as the portal's services make them, so the
    sharing log, the notifications and the history rows are what they would be."""
    from encompass import services as encompass
    from incidents.services import (
        concern_acknowledge,
        concern_add_note,
        concern_triage,
        enquiry_open,
        enquiry_reply,
        incident_send_summary,
    )
    from referrals.services import conference_minutes_read, conference_record, referral_make

    def make(pupil):
        school = pupil.school
        name = f"{pupil.first_name} {pupil.last_name}"
        concern = make_concern(
            school=school,
            reported_by=staff_a,
            pupils=[pupil],
            category="weapons",
            narrative=f"{name} showed a knife at lunch.",
        )
        concern_add_note(concern=concern, by=staff_a, text=f"Correction: {name} is in Year 9.")
        attachment = Attachment.objects.create(
            concern=concern,
            file=ContentFile(f"Statement about {name}".encode(), name="x.pdf"),
            original_name=f"{name} statement.pdf",
            content_type="application/pdf",
            size=30,
            uploaded_by=staff_a,
        )
        concern = concern_triage(
            concern=concern,
            by=spoc_a,
            decision="shared",
            rationale=f"{name} may be carrying.",
            seen_version=concern.version,
        )
        concern = concern_acknowledge(concern=concern, by=sspo_a)
        incident = make_incident(
            school=school,
            pupils=[pupil],
            concern=concern,
            narrative=f"{name} found with a blade.",
        )
        summary = incident_send_summary(
            incident=incident, by=sspo_a, text=f"{name} was spoken to by police."
        )
        referral = referral_make(
            by=sspo_a,
            pupil=pupil,
            scheme=scheme,
            purpose="diversion",
            reason=f"{name} would benefit from mentoring.",
            young_person_consent="given",
            parent_consent="given",
            concern=concern,
        )
        conference = conference_record(
            by=sspo_a,
            pupils=[pupil],
            held_on=timezone.localdate(),
            agencies="Children's services",
            attendees="SSPO, SPOC",
            decisions=f"Mentoring for {name}",
            rationale=f"{name} at risk",
        )
        conference_minutes_read(conference=conference, by=spoc_a)
        enquiry = enquiry_open(
            by=sspo_a,
            school=school,
            about="pupil",
            pupil=pupil,
            subject="About a pupil",
            text=f"Is {name} in school today?",
        )
        enquiry_reply(enquiry=enquiry, by=spoc_a, text=f"Yes, {name} is in.")
        if True:
            notification, _ = encompass.receive(
                school=school,
                sender=sergeant,
                details={
                    "child_first_name": pupil.first_name,
                    "child_last_name": pupil.last_name,
                    "child_date_of_birth": pupil.date_of_birth,
                    "police_reference": "DA/2026/0042",
                    "incident_at": timezone.now() - dt.timedelta(hours=3),
                    "incident_location": f"{name}'s home",
                    "child_presence": "present",
                    "child_whereabouts": "Upstairs",
                    "voice_of_child": f"{name} said they were scared.",
                    "circumstances": "Argument between adults.",
                    "other_information": "",
                },
            )
        return {
            "concern": concern,
            "attachment": attachment,
            "incident": incident,
            "summary": summary,
            "referral": referral,
            "conference": conference,
            "enquiry": enquiry,
            "encompass_notification": notification,
        }

    return make


@pytest.fixture(autouse=True)
def _rules_in_force(retention_rules):
    """Every records test runs under the force's default rules (tests/conftest.py)."""

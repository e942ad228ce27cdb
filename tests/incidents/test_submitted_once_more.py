"""The other create forms of incidents, posted twice from the same rendered page, save once."""

import pytest
from django.urls import reverse

from incidents.models import CorrectionNote, Enquiry, EnquiryMessage, Incident, IncidentSummary
from tests.submissions import assert_posted_twice_saves_once


def _incident(request):
    pupil = request.getfixturevalue("pupil_a")
    school = request.getfixturevalue("school_a")
    page = reverse("incident_new")
    data = {
        "school": school.pk,
        "category": "drugs",
        "narrative": "Found cannabis in a locker.",
        "happened_on_0": "1",
        "happened_on_1": "10",
        "happened_on_2": "2026",
        "happened_time": "10:30",
        "location": "in_school",
        "place": "Lockers by the library",
        "drugs_description": "Cannabis resin",
        "drugs_quantity": "2 g",
        "pupils": [str(pupil.code)],
        f"role_{pupil.code}": "suspect",
    }
    return "sspo_a", page, page, data, Incident


def _enquiry(request):
    school = request.getfixturevalue("school_a")
    page = reverse("enquiry_new")
    data = {"school": school.pk, "about": "general", "subject": "Patrols", "text": "Can we talk?"}
    return "spoc_a", page, page, data, Enquiry


def _reply(request):
    enquiry = request.getfixturevalue("enquiry_a")
    page = reverse("enquiry_detail", args=[enquiry.code])
    post = reverse("enquiry_reply", args=[enquiry.code])
    return "spoc_a", page, post, {"text": "Yes, Tuesday works."}, EnquiryMessage


def _note(request):
    concern = request.getfixturevalue("concern_a")
    page = reverse("concern_detail", args=[concern.code])
    post = reverse("concern_note", args=[concern.code])
    return "staff_a", page, post, {"text": "It was the Tuesday, not the Monday."}, CorrectionNote


def _summary(request):
    incident = request.getfixturevalue("incident_a")
    request.getfixturevalue("spoc_a")
    page = reverse("incident_detail", args=[incident.code])
    post = reverse("incident_summary_send", args=[incident.code])
    return "sspo_a", page, post, {"text": "Knife seized; words of advice."}, IncidentSummary


@pytest.mark.parametrize(
    "form", [_incident, _enquiry, _reply, _note, _summary], ids=lambda f: f.__name__[1:]
)
def test_a_create_form_posted_twice_saves_once_and_lands_on_the_same_page(
    request, client, sspo_a, spoc_a, form
):
    person, page, post, data, model = form(request)
    client.force_login(request.getfixturevalue(person))
    assert_posted_twice_saves_once(client, page=page, post=post, data=data, model=model)

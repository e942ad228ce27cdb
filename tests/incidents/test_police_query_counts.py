"""The incident, summary and enquiry lists answer in a fixed number of queries."""

import pytest
from django.urls import reverse

from incidents.models import IncidentPupil
from incidents.services import enquiry_open, incident_send_summary
from tests.factories import PupilFactory
from tests.reads import columns_among, page_and_statements, queries_for

MAX_QUERIES = 12


def grow(count, *, make_incident, school, sspo, spoc):
    for n in range(count):
        pupils = [PupilFactory(school=school) for _ in range(2)]
        incident = make_incident(school=school, pupils=pupils)
        incident_send_summary(incident=incident, by=sspo, text=f"Summary {n}")
        enquiry_open(by=sspo, school=school, about="general", subject=f"Subject {n}", text="?")
        enquiry_open(by=spoc, school=school, about="general", subject=f"Asked {n}", text="?")


@pytest.mark.parametrize(
    "who, page",
    [
        ("sspo_a", "incident_list"),
        ("sergeant", "incident_list"),
        ("spoc_a", "incident_summary_list"),
        ("sspo_a", "enquiry_list"),
        ("spoc_a", "enquiry_list"),
        ("head_a", "enquiry_list"),
    ],
)
def test_list_pages_stay_flat(request, client, make_incident, school_a, sspo_a, spoc_a, who, page):
    client.force_login(request.getfixturevalue(who))
    url = reverse(page)
    grow(2, make_incident=make_incident, school=school_a, sspo=sspo_a, spoc=spoc_a)
    client.get(url)  # the first request after sign-in also starts the session clock
    few = queries_for(client, url)
    grow(28, make_incident=make_incident, school=school_a, sspo=sspo_a, spoc=spoc_a)
    many = queries_for(client, url)
    assert many == few
    assert many <= MAX_QUERIES


def test_the_incident_list_reads_what_its_rows_show_and_no_more(
    client, make_incident, school_a, sspo_a, spoc_a
):
    grow(3, make_incident=make_incident, school=school_a, sspo=sspo_a, spoc=spoc_a)
    client.force_login(sspo_a)
    body, statements = page_and_statements(client, reverse("incident_list"))
    pupil = IncidentPupil.objects.select_related("pupil").first().pupil
    assert pupil.last_name in body  # the pupils are listed
    assert columns_among(statements, "incidents_incident.reference")
    unshown = (
        "incidents_incident.narrative",
        "incidents_incident.outcome",
        "schools_pupil.date_of_birth",
        "schools_pupil.upn",
    )
    assert columns_among(statements, *unshown) == []

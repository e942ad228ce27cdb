"""Every police read of a pupil goes through the DSA-gated scope (issue 10, hole 3).

Revoking a school's data sharing agreement must stop an officer finding its pupils by name
on the very next request, wherever the officer looks them up.
"""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from incidents.models import Enquiry, Incident
from ssp.models import AccessLog
from tests.factories import revoke_dsa


def _search_incident_form(client, name):
    return client.post(reverse("incident_new"), {"search": "1", "pupil_query": name})


def test_the_incident_form_finds_a_pupil_while_the_agreement_is_in_force(client, sspo_a, pupil_a):
    client.force_login(sspo_a)
    body = _search_incident_form(client, "Ashby").content.decode()
    assert "Amelia Ashby" in body


def test_after_revocation_the_incident_form_search_lists_nobody(client, sspo_a, pupil_a):
    revoke_dsa(pupil_a.school.partnership)
    client.force_login(sspo_a)
    response = _search_incident_form(client, "Ashby")
    assert response.status_code == 200
    body = response.content.decode()
    assert "Amelia" not in body
    assert not AccessLog.objects.filter(object_type="pupil", object_code=pupil_a.code).exists()


def test_after_revocation_a_pupil_cannot_be_added_to_an_incident_by_code(client, sspo_a, pupil_a):
    revoke_dsa(pupil_a.school.partnership)
    client.force_login(sspo_a)
    body = client.post(reverse("incident_new"), {"add": str(pupil_a.code)}).content.decode()
    assert "Amelia" not in body


def test_after_revocation_the_enquiry_form_offers_no_pupil_of_the_school(
    client, sspo_a, pupil_a, make_incident, school_a
):
    make_incident(school=school_a, pupils=[pupil_a])
    client.force_login(sspo_a)
    assert "Amelia Ashby" in client.get(reverse("enquiry_new")).content.decode()
    revoke_dsa(school_a.partnership)
    body = client.get(reverse("enquiry_new")).content.decode()
    assert "Amelia" not in body
    response = client.post(
        reverse("enquiry_new"),
        {
            "school": school_a.pk,
            "about": "pupil",
            "pupil": str(pupil_a.code),
            "subject": "About a pupil",
            "text": "Anything new?",
        },
    )
    assert response.status_code == 400
    assert not Enquiry.objects.exists()


def test_after_revocation_the_police_chronology_of_a_pupil_is_not_found(
    client, sspo_a, pupil_a, make_incident, school_a
):
    make_incident(school=school_a, pupils=[pupil_a])
    client.force_login(sspo_a)
    url = reverse("pupil_chronology", args=[pupil_a.code])
    assert client.get(url).status_code == 200
    revoke_dsa(school_a.partnership)
    response = client.get(url)
    assert response.status_code == 404
    assert "Amelia" not in response.content.decode()


def test_the_sergeant_reads_no_pupil_chronology_after_revocation(
    client, sergeant, sspo_a, pupil_a, make_incident, school_a
):
    make_incident(school=school_a, pupils=[pupil_a])
    client.force_login(sergeant)
    url = reverse("pupil_chronology", args=[pupil_a.code])
    assert client.get(url).status_code == 200
    revoke_dsa(school_a.partnership)
    assert client.get(url).status_code == 404


def test_after_revocation_the_incident_service_refuses_to_name_a_pupil(
    sspo_a, pupil_a, make_incident, school_a
):
    revoke_dsa(school_a.partnership)
    with pytest.raises(ValidationError):
        make_incident(school=school_a, pupils=[pupil_a])
    assert not Incident.objects.exists()

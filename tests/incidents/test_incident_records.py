"""Recordable incidents: police records for the SSPO's schools, exports and summaries."""

import importlib
import json

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from agreements.models import Disclosure
from incidents.models import Incident, IncidentSummary
from incidents.services import IncidentFacts, incident_send_summary, incident_update
from ssp.models import AccessLog, Notification
from tests.factories import step_up

from .test_access import ANON, PEOPLE, who

READERS = {"sspo_a": 200, "sergeant": 200}


def snapshot(incident):
    incident.refresh_from_db()
    return (
        incident.status,
        incident.version,
        incident.police_reference,
        incident.outcome,
        incident.summaries.count(),
        incident.events.count(),
    )


@pytest.mark.parametrize("person", [*PEOPLE, ANON])
@pytest.mark.parametrize(
    "page", ["incident_detail", "incident_export_json", "incident_export_print"]
)
def test_reading_an_incident(request, client, incident_a, person, page):
    user = who(request, person)
    if user:
        client.force_login(user)
        if page != "incident_detail":
            reauthenticate(client)
    response = client.get(reverse(page, args=[incident_a.code]))
    if user is None:
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
        return
    assert response.status_code == READERS.get(person, 404)
    logged = AccessLog.objects.filter(
        object_type="incident", object_code=incident_a.code, user=user
    )
    assert logged.exists()
    if response.status_code == 200:
        assert logged.get().purpose  # police reads carry their purpose


@pytest.mark.parametrize("person", [*PEOPLE, ANON])
@pytest.mark.parametrize("action", ["update", "summary"])
def test_only_the_sspo_of_the_school_may_change_an_incident(
    request, client, incident_a, spoc_a, person, action
):
    user = who(request, person)
    if user:
        client.force_login(user)
    before = snapshot(incident_a)
    if action == "update":
        url = reverse("incident_update", args=[incident_a.code])
        data = {"police_reference": "NS/2026/123", "outcome": "Words of advice", "version": 1}
    else:
        url = reverse("incident_summary_send", args=[incident_a.code])
        data = {"text": "A knife was found and seized; no further risk to pupils."}
    response = client.post(url, data)
    if user is None:
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    elif person == "sspo_a":
        assert response.status_code == 302
        assert snapshot(incident_a) != before
        return
    elif person == "sergeant":
        assert response.status_code == 403
    else:
        assert response.status_code == 404
    assert snapshot(incident_a) == before


@pytest.mark.parametrize("person", [*PEOPLE, ANON])
def test_only_an_sspo_may_open_the_incident_form(request, client, person, school_a):
    user = who(request, person)
    if user:
        client.force_login(user)
    response = client.get(reverse("incident_new"))
    if user is None:
        assert response.status_code == 302
    else:
        assert response.status_code == (200 if person in ("sspo_a", "sspo_b") else 403)


@pytest.mark.parametrize("person", [*PEOPLE, ANON])
def test_the_incident_list(request, client, incident_a, person):
    user = who(request, person)
    if user:
        client.force_login(user)
    response = client.get(reverse("incident_list"))
    if user is None:
        assert response.status_code == 302
        return
    if person in ("sspo_a", "sspo_b", "sergeant", "other_sergeant"):
        assert response.status_code == 200
        shown = incident_a.reference in response.content.decode()
        assert shown == (person in ("sspo_a", "sergeant"))
    else:
        assert response.status_code == 403


def _post_incident(client, school, **extra):
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
        "item_kind": "should not be kept",
        "police_reference": "NS-2026/0001",
    }
    data.update(extra)
    return client.post(reverse("incident_new"), {k: v for k, v in data.items() if v is not None})


def test_the_sspo_records_an_incident_directly(client, sspo_a, school_a, pupil_a):
    client.force_login(sspo_a)
    response = _post_incident(
        client, school_a, pupils=[str(pupil_a.code)], **{f"role_{pupil_a.code}": "suspect"}
    )
    assert response.status_code == 302
    incident = Incident.objects.get()
    assert incident.drugs_quantity == "2 g" and incident.item_kind == ""  # other facts dropped
    assert incident.involved.get().role == "suspect"
    assert incident.recorded_by == sspo_a and incident.status == "open"
    assert incident.history.first().history_user == sspo_a


def test_an_sspo_cannot_record_for_another_school(client, sspo_b, school_a):
    client.force_login(sspo_b)
    response = _post_incident(client, school_a)
    assert response.status_code == 400
    assert not Incident.objects.exists()


def test_pupils_only_from_the_officers_schools(client, sspo_a, school_a, pupil_b):
    client.force_login(sspo_a)
    response = _post_incident(
        client, school_a, pupils=[str(pupil_b.code)], **{f"role_{pupil_b.code}": "suspect"}
    )
    assert response.status_code == 400
    assert "Choose pupils from your own school." in response.content.decode()
    assert not Incident.objects.exists()


@pytest.mark.parametrize(
    "extra, field",
    [
        ({"category": ""}, "category"),
        ({"narrative": ""}, "narrative"),
        ({"happened_on_2": "2999"}, "happened_on"),
        ({"happened_on_0": "not a day"}, "happened_on"),
        ({"location": "elsewhere"}, "location"),
        ({"police_reference": "NS 2026; DROP"}, "police_reference"),
        ({"police_reference": "A" * 31}, "police_reference"),
        ({"drugs_description": ""}, "drugs_description"),
        ({"category": "weapons", "item_kind": ""}, "item_kind"),
        ({"category": "weapons", "item_kind": "Bat"}, "item_seized"),
        ({"category": "serious_injury"}, "injury_nature"),
        ({"category": "indecent_images"}, "device_status"),
    ],
)
def test_bad_incident_input_comes_back_with_a_message_and_what_was_typed(
    client, sspo_a, school_a, extra, field
):
    client.force_login(sspo_a)
    response = _post_incident(client, school_a, **extra)
    assert response.status_code == 400
    assert response.context["form"].errors.get(field), response.context["form"].errors
    assert "Lockers by the library" in response.content.decode()
    assert not Incident.objects.exists()


def test_the_image_categories_offer_no_upload(client, sspo_a):
    client.force_login(sspo_a)
    page = client.get(reverse("incident_new")).content.decode()
    assert 'type="file"' not in page and "multipart" not in page


def test_an_incident_from_a_shared_concern_records_the_outcome(
    client, acknowledged_concern_a, sspo_a, school_a, pupil_a, spoc_a
):
    client.force_login(sspo_a)
    url = reverse("incident_new") + f"?concern={acknowledged_concern_a.code}"
    form_page = client.get(url)
    assert form_page.status_code == 200
    assert "Amelia" in form_page.content.decode()  # the concern's pupils come along
    response = _post_incident(
        client,
        school_a,
        concern=str(acknowledged_concern_a.code),
        pupils=[str(pupil_a.code)],
        **{f"role_{pupil_a.code}": "victim"},
    )
    assert response.status_code == 302
    incident = Incident.objects.get()
    assert incident.concern == acknowledged_concern_a
    acknowledged_concern_a.refresh_from_db()
    assert acknowledged_concern_a.police_outcome == "incident"
    assert acknowledged_concern_a.events.filter(kind="police_outcome").exists()


def test_an_incident_cannot_come_from_an_unacknowledged_concern(
    client, shared_concern_a, sspo_a, school_a
):
    client.force_login(sspo_a)
    response = _post_incident(client, school_a, concern=str(shared_concern_a.code))
    assert response.status_code == 400
    assert not Incident.objects.exists()


def test_another_officer_cannot_create_from_a_concern_not_shared_with_them(
    client, acknowledged_concern_a, sspo_b
):
    client.force_login(sspo_b)
    url = reverse("incident_new") + f"?concern={acknowledged_concern_a.code}"
    assert client.get(url).status_code == 404
    assert client.get(reverse("incident_new") + "?concern=nonsense").status_code == 404


def test_the_json_export_has_a_stable_shape_and_no_upn(client, incident_a, sspo_a, pupil_a):
    pupil_a.upn = "A123456789012"
    pupil_a.save()
    client.force_login(sspo_a)
    reauthenticate(client)
    response = client.get(reverse("incident_export_json", args=[incident_a.code]))
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["Content-Type"].startswith("application/json")
    record = json.loads(response.content)
    assert set(record) == {
        "schema",
        "incident_id",
        "portal_reference",
        "police_reference",
        "status",
        "category",
        "recordable",
        "occurred_at",
        "recorded_at",
        "location",
        "narrative",
        "facts",
        "persons",
        "outcome",
        "recorded_by",
        "source_concern_id",
    }
    assert record["schema"] == "ssp-portal/incident/v1"
    assert record["category"] == {"code": "weapons", "label": "Possession of any weapon"}
    assert record["recordable"] is True
    assert record["facts"]["item_seized"] is True
    assert set(record["persons"][0]) == {
        "person_id",
        "role",
        "first_name",
        "last_name",
        "date_of_birth",
        "year_group",
    }
    assert "upn" not in response.content.decode().lower()
    assert pupil_a.upn not in response.content.decode()


def test_the_printable_page_has_no_upn_and_no_inline_style_or_script(
    client, incident_a, sspo_a, pupil_a
):
    pupil_a.upn = "A123456789012"
    pupil_a.save()
    client.force_login(sspo_a)
    reauthenticate(client)
    page = client.get(reverse("incident_export_print", args=[incident_a.code])).content.decode()
    assert "A123456789012" not in page
    assert "style=" not in page and "<style" not in page
    assert "<script>" not in page


def test_sending_a_summary_is_a_logged_disclosure_to_the_spoc(incident_a, sspo_a, spoc_a, client):
    summary = incident_send_summary(incident=incident_a, by=sspo_a, text="Knife seized.")
    disclosure = Disclosure.objects.get(record_code=summary.code)
    assert disclosure.kind == Disclosure.Kind.INCIDENT_SUMMARY
    assert disclosure.direction == Disclosure.Direction.TO_SCHOOL
    assert disclosure.disclosed_by == sspo_a and disclosure.disclosed_to == spoc_a
    note = Notification.objects.filter(recipient=spoc_a).latest("pk")
    assert "Amelia" not in note.subject
    client.force_login(spoc_a)
    assert client.get(reverse("incident_summary_detail", args=[summary.code])).status_code == 200
    listed = client.get(reverse("incident_summary_list")).content.decode()
    assert incident_a.reference in listed
    # ... yet the police record itself stays out of the school's reach.
    assert client.get(reverse("incident_detail", args=[incident_a.code])).status_code == 404


def test_summaries_made_before_they_kept_a_school_take_their_incidents(
    incident_a, sspo_a, spoc_a, school_b
):
    """The migration that gave summaries a school (incidents 0015) fills it, and its history's,
    from each summary's incident: here undone by hand to a wrong school, then run again."""
    from django.apps import apps

    backfill = importlib.import_module("incidents.migrations.0015_summary_school")
    summary = incident_send_summary(incident=incident_a, by=sspo_a, text="Knife seized.")
    assert summary.school_id == incident_a.school_id
    IncidentSummary.objects.update(school=school_b)
    IncidentSummary.history.update(school=school_b)
    backfill._from_incidents(apps, None)
    assert set(IncidentSummary.objects.values_list("school", flat=True)) == {incident_a.school_id}
    assert set(IncidentSummary.history.values_list("school", flat=True)) == {incident_a.school_id}


@pytest.mark.parametrize("person", [*PEOPLE, ANON])
def test_reading_a_summary(request, client, incident_a, sspo_a, spoc_a, person):
    summary = incident_send_summary(incident=incident_a, by=sspo_a, text="Knife seized.")
    user = who(request, person)
    if user:
        client.force_login(user)
    response = client.get(reverse("incident_summary_detail", args=[summary.code]))
    if user is None:
        assert response.status_code == 302
    else:
        allowed = {"spoc_a", "head_a", "sspo_a", "sergeant"}
        assert response.status_code == (200 if person in allowed else 404)


def test_no_summary_without_an_agreement_in_force(incident_a, sspo_a, spoc_a, school_a):
    partnership = school_a.partnership
    partnership.status = "suspended"
    partnership.save()
    with pytest.raises(ValidationError):
        incident_send_summary(incident=incident_a, by=sspo_a, text="Knife seized.")
    assert not IncidentSummary.objects.exists()


def test_closing_needs_an_outcome_and_is_final(incident_a, sspo_a):
    with pytest.raises(ValidationError):
        incident_update(
            incident=incident_a,
            by=sspo_a,
            police_reference="",
            outcome="",
            close=True,
            seen_version=1,
        )
    incident_update(
        incident=incident_a,
        by=sspo_a,
        police_reference="NS/1",
        outcome="Cautioned",
        close=True,
        seen_version=1,
    )
    incident_a.refresh_from_db()
    assert incident_a.status == "closed"
    with pytest.raises(ValidationError):
        incident_update(
            incident=incident_a,
            by=sspo_a,
            police_reference="NS/2",
            outcome="x",
            close=False,
            seen_version=incident_a.version,
        )
    incident_a.refresh_from_db()
    assert incident_a.police_reference == "NS/1"


def test_a_stale_update_is_refused(client, incident_a, sspo_a):
    client.force_login(sspo_a)
    url = reverse("incident_update", args=[incident_a.code])
    client.post(url, {"police_reference": "NS/1", "outcome": "", "version": 1})
    response = client.post(url, {"police_reference": "NS/2", "outcome": "", "version": 1})
    assert response.status_code == 409
    incident_a.refresh_from_db()
    assert incident_a.police_reference == "NS/1"


@pytest.mark.parametrize(
    "data, field",
    [
        ({"police_reference": "bad ref!", "outcome": "", "version": 1}, "police_reference"),
        ({"police_reference": "", "outcome": "", "close": "on", "version": 1}, "outcome"),
        ({"police_reference": "", "outcome": "x"}, "version"),
    ],
)
def test_bad_update_input(client, incident_a, sspo_a, data, field):
    client.force_login(sspo_a)
    before = snapshot(incident_a)
    response = client.post(reverse("incident_update", args=[incident_a.code]), data)
    assert response.status_code == 400
    assert response.context["update_form"].errors.get(field)
    assert snapshot(incident_a) == before


def test_an_empty_summary_is_refused(client, incident_a, sspo_a):
    client.force_login(sspo_a)
    response = client.post(reverse("incident_summary_send", args=[incident_a.code]), {"text": ""})
    assert response.status_code == 400
    assert not IncidentSummary.objects.exists()


def test_the_record_service_refuses_someone_without_the_school(school_a, sergeant, make_incident):
    with pytest.raises(PermissionDenied):
        make_incident(school=school_a, by=sergeant, facts=IncidentFacts())


def reauthenticate(client):
    step_up(client)  # the authenticator code: a password alone unlocks no export


@pytest.mark.parametrize("page", ["incident_export_json", "incident_export_print"])
def test_exports_ask_the_officer_to_reauthenticate_first(client, incident_a, sspo_a, page):
    client.force_login(sspo_a)
    response = client.get(reverse(page, args=[incident_a.code]))
    assert response.status_code == 302 and "reauthenticate" in response["Location"]

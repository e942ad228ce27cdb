"""Subject access (issue 13; ACCESS.md row 42): the school's head or data-protection lead
exports everything the portal holds about one pupil that the school controls, as a tagged PDF
and a JSON document of a fixed shape, third parties marked, logged and listed.
"""

import io
import json
import re
import zipfile
from pathlib import Path

import jsonschema
import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.files.base import ContentFile
from django.urls import reverse
from pypdf import PdfReader

from incidents.models import Attachment
from incidents.services import concern_add_note, concern_triage
from records import sar
from schools.models import Membership, Pupil
from ssp.held import Controller, Holding
from ssp.models import AccessLog
from tests.factories import PupilFactory, step_up
from tests.reports.test_chronology_pdf import structure_tags, text_of

pytestmark = pytest.mark.django_db

SCHEMA = json.loads(
    (Path(sar.__file__).parent / "subject_access.schema.json").read_text(encoding="utf-8")
)
PUSHED = "Oscar Quinlan pushed her on the stairs; Amelia said Oscar does it every week."
ALONE = "Oscar was seen alone by the gates at 4pm."
OTHER_SCHOOL = "A pupil of another school, nothing to do with her."
NOTE = "Correction: it was the east stairs, Oscar's friend saw it."
REASON = "SAR DP-2026-014 from a parent, received 1 December"


@pytest.fixture
def dp_lead(staff_a2, school_a):
    Membership.objects.filter(user=staff_a2, school=school_a).update(is_data_protection_lead=True)
    return staff_a2


@pytest.fixture
def oscar(school_a):
    return PupilFactory(school=school_a, first_name="Oscar", last_name="Quinlan")


@pytest.fixture
def records_of_amelia(
    make_concern, school_a, school_b, staff_a, spoc_a, sspo_a, pupil_a, oscar, settings, tmp_path
):
    """A concern about Amelia and Oscar, shared with the SSPO, with a note and a file; one
    about Oscar alone; one at another school."""
    settings.MEDIA_ROOT = tmp_path
    pushed = make_concern(
        school=school_a, reported_by=staff_a, pupils=[pupil_a, oscar], narrative=PUSHED
    )
    concern_triage(
        concern=pushed, by=spoc_a, decision="shared", rationale="Repeated: share.", seen_version=1
    )
    concern_add_note(concern=pushed, by=staff_a, text=NOTE)
    Attachment.objects.create(
        concern=pushed,
        file=ContentFile(b"%PDF-1.4 statement", name="x.pdf"),
        original_name="statement.pdf",
        content_type="application/pdf",
        size=18,
        uploaded_by=staff_a,
    )
    make_concern(school=school_a, reported_by=staff_a, pupils=[oscar], narrative=ALONE)
    make_concern(
        school=school_b,
        reported_by=staff_a,
        pupils=[PupilFactory(school=school_b)],
        narrative=OTHER_SCHOOL,
    )
    return pushed


def page_url(pupil) -> str:
    return reverse("subject_access", args=[pupil.code])


def export(client, user, pupil, reason=REASON):
    client.force_login(user)
    step_up(client)
    response = client.post(page_url(pupil), {"reason": reason})
    assert response.status_code == 200, response.getvalue()[-2000:]
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"].startswith(
        f'attachment; filename="subject-access-{pupil.code}-'
    )
    # Streamed from a temporary file, not built as one string in memory.
    assert response.streaming
    return zipfile.ZipFile(io.BytesIO(response.getvalue()))


def the_json(bundle) -> dict:
    return json.loads(bundle.read("subject-access.json"))


def section(document, kind) -> list[dict]:
    (found,) = [s for s in document["records"] if s["kind"] == kind]
    return found["items"]


def the_pdf(bundle) -> PdfReader:
    return PdfReader(io.BytesIO(bundle.read("subject-access.pdf")))


# What it holds -----------------------------------------------------------------------------


def test_the_export_holds_the_schools_records_about_the_pupil_and_no_others(
    client, records_of_amelia, dp_lead, pupil_a, sspo_a
):
    bundle = export(client, dp_lead, pupil_a)
    document = the_json(bundle)
    concerns = section(document, "concern")
    assert [r["code"] for r in concerns] == [str(records_of_amelia.code)]
    (record,) = concerns
    assert record["fields"]["narrative"]["text"] == PUSHED
    assert [n["fields"]["text"]["text"] for n in record["parts"]["correction_notes"]] == [NOTE]
    kinds = [e["fields"]["kind"] for e in record["parts"]["events"]]
    assert "Logged" in kinds and "Triage decision" in kinds
    (disclosure,) = record["parts"]["disclosures"]
    assert disclosure["fields"]["to"]["name"] == sspo_a.get_full_name()
    assert disclosure["fields"]["to"]["role"] == "police officer"
    (attached,) = record["parts"]["attachments"]
    assert attached["fields"]["name"] == "statement.pdf"
    assert attached["fields"]["size"] == 18
    # The file itself is in the bundle, under its code.
    (listed,) = document["files"]
    assert bundle.read(listed["path"]) == b"%PDF-1.4 statement"
    assert document["subject"]["code"] == str(pupil_a.code)
    assert document["subject"]["upn"] == pupil_a.upn
    text = json.dumps(document)
    assert ALONE not in text and OTHER_SCHOOL not in text


def test_the_json_has_its_documented_shape(client, records_of_amelia, dp_lead, pupil_a):
    document = the_json(export(client, dp_lead, pupil_a))
    jsonschema.validate(document, SCHEMA, format_checker=jsonschema.FormatChecker())
    assert document["schema"] == sar.SCHEMA_ID == SCHEMA["$id"]
    assert document["schema_version"] == sar.SCHEMA_VERSION
    assert document["request"]["reason"] == REASON
    assert re.match(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}", document["produced_at"])
    assert document["subject"]["date_of_birth"] == pupil_a.date_of_birth.isoformat()


def test_the_shape_refuses_a_document_that_breaks_it(client, records_of_amelia, dp_lead, pupil_a):
    document = the_json(export(client, dp_lead, pupil_a))
    section(document, "concern")[0]["dated"] = "yesterday"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(document, SCHEMA)


def test_third_parties_are_marked_and_the_subject_is_not(
    client, records_of_amelia, dp_lead, pupil_a, oscar, staff_a, spoc_a
):
    document = the_json(export(client, dp_lead, pupil_a))
    parties = {p["name"]: p for p in document["third_parties"]}
    assert "Oscar Quinlan" in parties and parties["Oscar Quinlan"]["role"] == "pupil"
    assert staff_a.get_full_name() in parties and spoc_a.get_full_name() in parties
    assert "Amelia Ashby" not in parties
    (record,) = section(document, "concern")
    assert parties["Oscar Quinlan"]["appears_in"] == [record["reference"]]
    involved = {
        p["fields"]["pupil"]["name"]: p["fields"]["pupil"] for p in record["parts"]["pupils"]
    }
    assert involved["Amelia Ashby"]["third_party"] is None
    assert involved["Oscar Quinlan"]["third_party"] == parties["Oscar Quinlan"]["ref"]
    assert (
        record["fields"]["reported_by"]["third_party"] == parties[staff_a.get_full_name()]["ref"]
    )
    # The narrative names Oscar twice (in full, then by first name) and Amelia once.
    narrative = record["fields"]["narrative"]
    marked = [PUSHED[m["start"] : m["end"]] for m in narrative["third_party_mentions"]]
    assert marked == ["Oscar Quinlan", "Oscar"]
    assert {m["third_party"] for m in narrative["third_party_mentions"]} == {
        parties["Oscar Quinlan"]["ref"]
    }
    note = record["parts"]["correction_notes"][0]["fields"]["text"]
    assert [NOTE[m["start"] : m["end"]] for m in note["third_party_mentions"]] == ["Oscar"]


def test_the_pdf_is_tagged_and_carries_the_records_with_third_parties_marked(
    client, records_of_amelia, dp_lead, pupil_a
):
    bundle = export(client, dp_lead, pupil_a)
    reader = the_pdf(bundle)
    refs = {p["name"]: p["ref"] for p in the_json(bundle)["third_parties"]}
    root = reader.trailer["/Root"]
    assert root["/MarkInfo"]["/Marked"].value is True
    assert root["/Lang"] == "en-GB"
    assert reader.metadata.title == "Subject access: Amelia Ashby"
    tags = structure_tags(root["/StructTreeRoot"])
    assert {"/H1", "/H2", "/H3", "/H4", "/P", "/Table", "/TH", "/TD"} <= tags, tags
    xmp = root["/Metadata"].get_object().get_data().decode()
    assert re.search(r"pdfuaid:part(>|=\")1", xmp), xmp
    text = text_of(reader)
    assert "Amelia said" in text and "Repeated: share." in text and "statement.pdf" in text
    oscar = refs["Oscar Quinlan"]
    assert f"Oscar Quinlan [{oscar}, {sar.MARKER}] pushed her" in text, text
    assert f"Oscar [{oscar}, {sar.MARKER}] does it every week" in text, text
    assert f"{oscar} Oscar Quinlan pupil" in text  # the annex
    assert "Annex: third parties to review before release" in text
    assert "Amelia Ashby [" not in text
    assert ALONE not in text and OTHER_SCHOOL not in text


# Police-controlled records: named, never opened ----------------------------------------------


def test_police_controlled_kinds_are_named_without_their_contents(
    client, records_of_amelia, make_incident, dp_lead, pupil_a, school_a
):
    make_incident(school=school_a, pupils=[pupil_a], narrative="The force's own words.")
    page = client_page(client, dp_lead, pupil_a)
    assert "Recordable incidents" in page and "the force" in page.lower()
    bundle = export(client, dp_lead, pupil_a)
    document = the_json(bundle)
    assert [k["label"] for k in document["not_included"]] == ["Recordable incidents"]
    assert "The force's own words." not in json.dumps(document)
    assert "The force's own words." not in text_of(the_pdf(bundle))
    assert "Recordable incidents" in text_of(the_pdf(bundle))


def test_a_school_kind_without_a_renderer_stops_the_export(monkeypatch, pupil_a):
    real = sar.held_about_pupils

    def with_new_kind(pupils):
        return [
            *real(pupils),
            Holding(
                kind="new_kind",
                label="Something new",
                controller=Controller.SCHOOL,
                rows=Pupil.objects.none(),
                pupil_path="",
                dated_by="left_on",
            ),
        ]

    monkeypatch.setattr(sar, "held_about_pupils", with_new_kind)
    with pytest.raises(ImproperlyConfigured, match="new_kind"):
        sar.build(pupil=pupil_a, by=None, reason="x")


def test_every_kind_the_school_controls_has_a_renderer():
    """A new holding of the school's must be written into the export, not left out of it."""
    held = sar.held_about_pupils(Pupil.objects.none())
    school = {h.kind for h in held if h.controller == Controller.SCHOOL}
    assert school, "no school holdings found"
    assert school <= set(sar.renderers()), school - set(sar.renderers())


# Who may, and the log --------------------------------------------------------------------


def client_page(client, user, pupil) -> str:
    client.force_login(user)
    response = client.get(page_url(pupil))
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize(
    "who, status",
    [
        ("head_a", 200),
        ("dp_lead", 200),
        ("spoc_a", 403),
        ("deputy_a", 403),
        ("staff_a", 403),
        ("sspo_a", 404),
        ("sergeant", 404),
        ("head_b", 404),
        ("yet_officer", 404),
    ],
)
def test_only_the_head_and_the_data_protection_lead_answer(
    request, client, records_of_amelia, pupil_a, who, status
):
    user = request.getfixturevalue(who)
    client.force_login(user)
    assert client.get(page_url(pupil_a)).status_code == status
    step_up(client)
    response = client.post(page_url(pupil_a), {"reason": REASON})
    assert response.status_code == status
    if status == 200:
        assert response["Content-Type"] == "application/zip"
    exported = AccessLog.objects.filter(action="subject_access_export", user=user)
    assert exported.exists() is (status == 200)
    outcome = {200: "allowed", 403: "denied", 404: "not_found"}[status]
    assert AccessLog.objects.filter(
        action="view_subject_access", user=user, object_code=pupil_a.code, outcome=outcome
    ).exists()


def test_the_chronology_links_to_it_only_for_those_who_may(client, head_a, spoc_a, pupil_a):
    link = page_url(pupil_a)
    client.force_login(head_a)
    assert link in client.get(reverse("pupil_chronology", args=[pupil_a.code])).content.decode()
    client.force_login(spoc_a)
    assert (
        link not in client.get(reverse("pupil_chronology", args=[pupil_a.code])).content.decode()
    )


def test_an_export_is_logged_and_listed_with_who_when_and_why(
    client, records_of_amelia, dp_lead, pupil_a
):
    export(client, dp_lead, pupil_a)
    (row,) = AccessLog.objects.filter(action="subject_access_export")
    assert (row.user, row.object_type, row.object_code) == (dp_lead, "pupil", pupil_a.code)
    assert row.purpose == REASON and row.outcome == "allowed"
    page = client_page(client, dp_lead, pupil_a)
    assert REASON in page and dp_lead.get_full_name() in page


def test_the_export_asks_for_the_authenticator_and_keeps_the_reason_across_it(
    client, records_of_amelia, dp_lead, pupil_a
):
    client.force_login(dp_lead)
    response = client.post(page_url(pupil_a), {"reason": REASON})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("mfa_reauthenticate"))
    assert not AccessLog.objects.filter(action="subject_access_export").exists()
    answered = step_up_and_follow(client, response)
    assert answered["Content-Type"] == "application/zip"
    assert AccessLog.objects.get(action="subject_access_export").purpose == REASON


def step_up_and_follow(client, asked):
    from tests.factories import totp_code

    code = totp_code(client.session["_auth_user_id"])
    return client.post(asked["Location"], {"code": code})


@pytest.mark.parametrize(
    "reason, message",
    [
        ("", "Enter the request&#x27;s reference and reason"),
        ("   ", "Enter the request&#x27;s reference and reason"),
        ("x" * 201, "in 200 characters or fewer"),
        ("Request from Amelia's mother", "without the pupil&#x27;s name"),
        ("Request about ashby", "without the pupil&#x27;s name"),
    ],
)
def test_a_bad_reason_is_told_next_to_the_field_and_kept(
    client, records_of_amelia, dp_lead, pupil_a, reason, message
):
    client.force_login(dp_lead)
    step_up(client)
    response = client.post(page_url(pupil_a), {"reason": reason})
    assert response.status_code == 200
    page = response.content.decode()
    assert message in page
    assert 'id="id_reason_error"' in page
    if reason.strip():
        assert f'value="{reason[:20]}' in page.replace("&#x27;", "'")
    assert not AccessLog.objects.filter(action="subject_access_export").exists()


def test_the_export_reads_a_fixed_number_of_queries_however_many_records(
    client, make_concern, school_a, staff_a, dp_lead, pupil_a, django_assert_max_num_queries
):
    def queries():
        with django_assert_max_num_queries(200) as counted:
            sar.build(pupil=pupil_a, by=dp_lead, reason=REASON)
        return len(counted.captured_queries)

    make_concern(school=school_a, reported_by=staff_a, pupils=[pupil_a])
    few = queries()
    for _ in range(5):
        make_concern(
            school=school_a, reported_by=staff_a, pupils=[pupil_a, PupilFactory(school=school_a)]
        )
    assert queries() == few


def test_an_export_about_a_pupil_with_every_kind_of_record(
    client, records_about, dp_lead, pupil_a, school_a
):
    """The school's records of every kind, the summary police sent back, the sharing log;
    the force's incident, referral and conference named, their words nowhere; and nothing
    of another pupil's, though they have records of every kind too."""
    mine = records_about(pupil_a)
    records_about(PupilFactory(school=school_a, first_name="Zed", last_name="Other"))
    bundle = export(client, dp_lead, pupil_a)
    document = the_json(bundle)
    jsonschema.validate(document, SCHEMA, format_checker=jsonschema.FormatChecker())
    codes = {s["kind"]: [r["code"] for r in s["items"]] for s in document["records"]}
    assert codes["pupil"] == [str(pupil_a.code)]
    assert codes["concern"] == [str(mine["concern"].code)]
    assert codes["enquiry"] == [str(mine["enquiry"].code)]
    assert codes["encompass_notification"] == [str(mine["encompass_notification"].code)]
    assert codes["incident_summary"] == [str(mine["summary"].code)]
    logged = {r["fields"]["kind"] for r in section(document, "disclosure_log")}
    assert "Concern shared with the SSPO" in logged
    assert "Incident summary sent to the school" in logged
    assert {k["label"] for k in document["not_included"]} == {
        "Recordable incidents",
        "Referrals to intervention and diversion schemes",
        "Multi-agency case conferences",
    }
    text = json.dumps(document) + text_of(the_pdf(bundle))
    name = "Amelia Ashby"
    for words in (
        f"{name} showed a knife at lunch.",
        f"Is {name} in school today?",
        f"{name} said they were scared.",
        f"{name} was spoken to by police.",
    ):
        assert words in text, words
    for police_only in (f"{name} found with a blade.", f"{name} would benefit from mentoring."):
        assert police_only not in text, police_only
    assert "Zed" not in text
    # The attached file travels in the bundle.
    assert bundle.read(document["files"][0]["path"]).startswith(b"Statement about")


def test_a_bad_reason_is_told_before_the_authenticator_is_asked_for(
    client, records_of_amelia, dp_lead, pupil_a
):
    client.force_login(dp_lead)
    response = client.post(page_url(pupil_a), {"reason": ""})
    assert response.status_code == 200
    assert 'id="id_reason_error"' in response.content.decode()

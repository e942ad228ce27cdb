"""The chronology PDF: tagged PDF/UA-1, carrying each entry's text as the viewer's chronology
page shows it, and nothing that page hides from them.

veraPDF is not in the package registries, so the checks read what a screen reader reads: the
catalogue's flags, the structure tree, the XMP identification and the extracted text.
"""

import datetime as dt
import io
import re

import pytest
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from encompass import services as encompass
from incidents.services import concern_triage
from tests.encompass.test_notifications import details
from tests.factories import step_up

SHARED = "Showed a kitchen knife in his bag at the bus stop."
HANDLED = "Name-calling in the corridor after maths, twice this week."
WAITING = "Came in without a coat again and would not say why."
CIRCUMSTANCES = "Argument between adults at home; one was arrested."


@pytest.fixture
def history(make_concern, make_referral, school_a, staff_a, staff_a2, spoc_a, sspo_a, pupil_a):
    """A concern the SPOC shared, one the school handled itself, one still waiting, and a
    police referral whose reason is the police's own."""
    shared = make_concern(
        school=school_a,
        reported_by=staff_a,
        pupils=[pupil_a],
        category="weapons",
        narrative=SHARED,
    )
    concern_triage(
        concern=shared, by=spoc_a, decision="shared", rationale="A blade: share.", seen_version=1
    )
    handled = make_concern(
        school=school_a, reported_by=staff_a2, pupils=[pupil_a], narrative=HANDLED
    )
    concern_triage(
        concern=handled, by=spoc_a, decision="in_school", rationale="Pastoral.", seen_version=1
    )
    make_concern(school=school_a, reported_by=staff_a, pupils=[pupil_a], narrative=WAITING)
    make_referral(pupil=pupil_a, made_by=sspo_a, reason="Seen with older boys near the park.")


def pdf_of(client, user, pupil) -> PdfReader:
    client.force_login(user)
    step_up(client)
    response = client.get(reverse("pupil_chronology_pdf", args=[pupil.code]))
    assert response.status_code == 200
    return PdfReader(io.BytesIO(response.content))


def page_of(client, user, pupil) -> str:
    client.force_login(user)
    response = client.get(reverse("pupil_chronology", args=[pupil.code]))
    assert response.status_code == 200
    return response.content.decode()


def text_of(reader: PdfReader) -> str:
    # Lines wrap where the page ends; compare words, not line breaks.
    return re.sub(r"\s+", " ", " ".join(page.extract_text() for page in reader.pages))


def structure_tags(node, found=None) -> set[str]:
    found = set() if found is None else found
    node = node.get_object()
    if isinstance(node, dict):
        if "/S" in node:
            found.add(str(node["/S"]))
        kids = node.get("/K")
        if kids is not None:
            kids = kids.get_object()
            for kid in kids if isinstance(kids, list) else [kids]:
                if hasattr(kid, "get_object") and isinstance(kid.get_object(), dict):
                    structure_tags(kid, found)
    return found


def test_the_pdf_is_tagged_pdf_ua_with_a_language_and_a_title(client, history, spoc_a, pupil_a):
    reader = pdf_of(client, spoc_a, pupil_a)
    root = reader.trailer["/Root"]
    assert root["/MarkInfo"]["/Marked"].value is True
    assert root["/Lang"] == "en-GB"
    assert root["/ViewerPreferences"]["/DisplayDocTitle"].value is True
    assert reader.metadata.title == f"Chronology: {pupil_a.first_name} {pupil_a.last_name}"
    tags = structure_tags(root["/StructTreeRoot"])
    assert {"/H1", "/H2", "/H3", "/P", "/Table", "/TR", "/TH", "/TD"} <= tags, tags
    xmp = root["/Metadata"].get_object().get_data().decode()
    assert re.search(r"pdfuaid:part(>|=\")1", xmp), xmp


def test_the_pdf_carries_each_entrys_text_as_the_page_shows_it(client, history, spoc_a, pupil_a):
    text = text_of(pdf_of(client, spoc_a, pupil_a))
    # It opens with the school and the pupil: no template comment or markup leaks into it.
    assert text.startswith(f"{pupil_a.school.name} · SSP Portal chronology"), text[:200]
    assert "{#" not in text and "<" not in text
    for words in (SHARED, HANDLED, WAITING, "A blade: share.", "Pastoral."):
        assert words in text
    assert pupil_a.upn in text
    page = page_of(client, spoc_a, pupil_a)
    for words in (HANDLED, "Pastoral."):
        assert words in page


@pytest.fixture
def encompass_notice(history, sergeant, school_a, pupil_a):
    notice, _ = encompass.receive(
        school=school_a,
        sender=sergeant,
        details=details(
            child_first_name=pupil_a.first_name,
            child_last_name=pupil_a.last_name,
            child_date_of_birth=pupil_a.date_of_birth,
            police_reference="DA/2026/0042",
            incident_at=timezone.now() - dt.timedelta(hours=10),
            circumstances=CIRCUMSTANCES,
        ),
    )
    assert notice.pupil == pupil_a
    return notice


def test_the_police_pdf_leaves_out_what_the_school_kept(
    client, history, encompass_notice, sspo_a, spoc_a, pupil_a
):
    assert CIRCUMSTANCES in text_of(pdf_of(client, spoc_a, pupil_a))  # the school's record
    text = text_of(pdf_of(client, sspo_a, pupil_a))
    assert SHARED in text and "A blade: share." in text
    assert "Seen with older boys near the park." in text  # the police's own referral reason
    for hidden in (HANDLED, "Pastoral.", WAITING, pupil_a.upn, CIRCUMSTANCES):
        assert hidden not in text


def test_the_school_pdf_leaves_out_the_police_reason_for_a_referral(
    client, history, spoc_a, staff_a, pupil_a
):
    spoc_text = text_of(pdf_of(client, spoc_a, pupil_a))
    assert "Referral to" in spoc_text
    assert "Seen with older boys near the park." not in spoc_text
    assert "Seen with older boys near the park." not in page_of(client, spoc_a, pupil_a)
    # Staff see only what they logged: not a colleague's concern, nor the referral.
    staff_text = text_of(pdf_of(client, staff_a, pupil_a))
    assert SHARED in staff_text and WAITING in staff_text
    assert HANDLED not in staff_text and "Referral to" not in staff_text

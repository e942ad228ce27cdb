"""The officer's side in the browser: a shared concern becomes an incident and a referral,
appears in the pupil's chronology for the SSPO and the SPOC, and the PDF downloads."""

import datetime
import re

import pytest
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from django.utils import timezone
from playwright.sync_api import expect

from incidents.models import Concern, ConcernEvent, ConcernPupil, Incident
from incidents.services import concern_triage
from referrals.models import Referral, Scheme

from .conftest import assert_accessible
from .test_concern_flow import DESKTOP, look, sign_out
from .test_sign_in import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NARRATIVE = "A lunchtime supervisor saw Amelia show a folding knife to friends by the canteen."
REASON = "First incident with a blade; she told me older boys asked her to carry it."
SUMMARY = "The knife was seized. Amelia has been spoken to with her mother present."


def shared_concern(*, school, staff, spoc, pupil) -> Concern:
    """A blades concern logged by staff and shared by the SPOC, as the services leave it."""
    concern = Concern.objects.create(
        reference="C-FLOW-0001",
        school=school,
        reported_by=staff,
        category="blades",
        narrative=NARRATIVE,
        happened_at=timezone.now() - datetime.timedelta(hours=3),
        location="in_school",
    )
    ConcernPupil.objects.create(concern=concern, pupil=pupil, role="perpetrator")
    ConcernEvent.objects.create(
        concern=concern, kind="logged", actor=staff, to_status=concern.status
    )
    return concern_triage(
        concern=concern,
        by=spoc,
        decision="shared",
        rationale="A blade in school: the SSPO must know.",
        seen_version=concern.version,
    )


def test_a_shared_concern_becomes_an_incident_and_a_referral_in_the_pupils_chronology(
    page, staff_a, spoc_a, sspo_a, school_a, pupil_a, force
):
    concern = shared_concern(school=school_a, staff=staff_a, spoc=spoc_a, pupil=pupil_a)
    Scheme.objects.create(
        force=force,
        name="Youth Diversion Programme",
        provider="Northshire Youth Service",
        purpose="diversion",
        criteria="Ages 11-17, first ASB warning",
        contact="yds@example.org",
    )

    # SSPO: the caseload is home, and the shared concern is waiting there.
    sign_in(page, sspo_a)
    expect(page.locator("h1")).to_have_text("Your caseload")
    waiting = page.locator("#concerns + ul li").filter(has_text=concern.reference)
    expect(waiting).to_contain_text("To acknowledge")
    look(page, "caseload")
    waiting.get_by_role("link", name=concern.reference).click()
    expect(page.locator("main")).to_contain_text(NARRATIVE)
    page.get_by_role("button", name="Acknowledge concern").click()
    expect(page.locator("main")).to_contain_text(f"by {sspo_a.get_full_name()}")
    look(page, "concern-acknowledged")

    # An incident from the concern: what the concern said is already filled in.
    page.get_by_role("link", name="Create a recordable incident from this concern").click()
    expect(page.locator("h1")).to_have_text("Record an incident")
    expect(page.get_by_label("What happened")).to_have_value(NARRATIVE)
    expect(page.get_by_label("Role of Amelia Ashby")).to_have_value("suspect")
    look(page, "incident-form")
    # The concern's date comes across into the day, month and year boxes.
    day = timezone.localtime(concern.happened_at).date()
    expect(page.locator("#id_happened_on_0")).to_have_value(str(day.day))
    expect(page.locator("#id_happened_on_2")).to_have_value(str(day.year))
    page.get_by_label("Where exactly").fill("Canteen")
    page.get_by_label("Kind of item").fill("Folding knife, 3 inch blade")
    page.locator("#id_item_seized_0").check()  # Yes
    page.get_by_label("Handed over to (optional)").fill("PC 1234, property store")
    page.get_by_label("Police reference number").fill("NS/2026/0412")
    page.get_by_role("button", name="Record incident").click()
    page.wait_for_url(re.compile(r"/concerns/incidents/[0-9a-f-]{36}/$"))
    incident = Incident.objects.get()
    assert incident.concern_id == concern.pk
    assert incident.police_reference == "NS/2026/0412"
    expect(page.locator("main")).to_contain_text("Folding knife, 3 inch blade")
    look(page, "incident-detail")

    page.get_by_label("Summary for the school").fill(SUMMARY)
    page.get_by_role("button", name="Send to the SPOC").click()
    expect(page.locator("main")).to_contain_text(SUMMARY)

    # A referral for the pupil to the force's scheme, found through the pupil search.
    page.goto("/")
    page.get_by_role("link", name="Make a referral").click()
    page.get_by_label(re.compile("name", re.I)).first.fill("Ashby")
    page.get_by_role("button", name="Search").click()
    page.get_by_role("link", name="Make a referral for Amelia Ashby").click()
    expect(page.locator("h1")).to_have_text("Make a referral")
    look(page, "referral-form")
    page.get_by_label("Scheme").select_option(label="Youth Diversion Programme")
    page.get_by_label("Diverting from crime or anti-social behaviour").check()
    page.get_by_label("Why you are referring").fill(REASON)
    page.locator("#id_young_person_consent_0").check()  # Given
    page.locator("#id_parent_consent_0").check()
    page.get_by_label("The concern it came from").select_option(label=concern.reference)
    page.get_by_role("button", name="Make referral").click()
    referral = Referral.objects.get()
    expect(page.locator(".govuk-notification-banner")).to_contain_text(
        f"Its reference is {referral.reference}"
    )

    # The chronology: the concern, the incident record and the referral with its purpose.
    page.goto(f"/pupils/{pupil_a.code}/")
    expect(page.locator("h1")).to_have_text("Amelia Ashby")
    timeline = page.locator(".moj-timeline")
    expect(timeline).to_contain_text("Safeguarding concern: Possession of blades (any type)")
    expect(timeline).to_contain_text("Incident: Possession of blades (any type)")
    expect(timeline).to_contain_text(incident.reference)
    expect(timeline).to_contain_text("Referral to Youth Diversion Programme")
    expect(timeline).to_contain_text("Diverting from crime")
    assert pupil_a.upn not in page.content()
    look(page, "chronology-sspo")

    # The PDF: first confirm it is you with a second factor (not the password), then the
    # download starts. A recovery code, since the sign-in just spent this window's TOTP code.
    recovery_code = RecoveryCodes.activate(sspo_a).get_unused_codes()[0]
    page.get_by_role("link", name="Download it as a PDF").click()
    page.wait_for_url(re.compile(r"/2fa/reauthenticate/"))
    assert_accessible(page)
    assert page.locator("input[name=password]").count() == 0
    page.fill("input[name=code]", recovery_code)
    with page.expect_download() as download:
        page.locator("main button[type=submit]").first.click()
    assert download.value.suggested_filename.startswith(f"chronology-{pupil_a.code}-")
    with open(download.value.path(), "rb") as pdf:
        assert pdf.read(4) == b"%PDF"
    page.goto("/")
    sign_out(page)

    # SPOC: the school's record, the summary the police sent, and the referral in outline.
    sign_in(page, spoc_a)
    page.goto(f"/pupils/{pupil_a.code}/")
    timeline = page.locator(".moj-timeline")
    expect(timeline).to_contain_text("Safeguarding concern: Possession of blades (any type)")
    expect(timeline).to_contain_text("Incident summary from the police")
    expect(timeline).to_contain_text("Referral to Youth Diversion Programme")
    expect(timeline).not_to_contain_text(incident.reference)
    expect(timeline).not_to_contain_text("Incident: ")
    expect(timeline).not_to_contain_text("Diverting from crime")
    assert REASON not in page.content()
    look(page, "chronology-spoc")
    page.get_by_role("link", name="Incident summary from the police").click()
    expect(page.locator("main")).to_contain_text(SUMMARY)
    assert "Folding knife" not in page.content()

    page.set_viewport_size(DESKTOP)
    assert page.csp_violations == []


def test_an_incident_from_a_concern_starts_with_the_concerns_date(
    page, staff_a, spoc_a, sspo_a, school_a, pupil_a
):
    concern = shared_concern(school=school_a, staff=staff_a, spoc=spoc_a, pupil=pupil_a)
    sign_in(page, sspo_a)
    page.goto(f"/concerns/incidents/new/?concern={concern.code}")
    expect(page.get_by_label("What happened")).to_have_value(NARRATIVE)
    day = timezone.localtime(concern.happened_at).date()
    expect(page.locator("#id_happened_on_0")).to_have_value(str(day.day), timeout=1000)
    expect(page.locator("#id_happened_on_1")).to_have_value(str(day.month), timeout=1000)

"""Issue 11, item 8 in the browser: an officer prints two incident records and a pupil's
chronology PDF, and is asked for their authenticator code once; the record reads as words."""

import datetime
import re
import time
from urllib.parse import urlsplit

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from incidents.services import IncidentFacts, Involvement, incident_record
from tests.factories import PupilFactory, totp_now

from .conftest import assert_accessible
from .test_sign_in import sign_in
from .test_signing_flow import wait_for_a_fresh_code

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _incident(school, sspo, pupil, category, facts):
    return incident_record(
        by=sspo,
        school=school,
        category=category,
        narrative="Found in a bag at break.",
        location="in_school",
        place="Sports hall",
        happened_at=timezone.now() - datetime.timedelta(hours=2),
        involved=[Involvement(pupil, "suspect")],
        facts=facts,
        police_reference="",
        concern=None,
    )


def test_an_officer_prints_twice_and_a_pdf_and_is_asked_for_the_code_once(page, sspo_a, school_a):
    pupil = PupilFactory(school=school_a, first_name="Amelia", last_name="Ashby", year_group=9)
    knife = _incident(
        school_a,
        sspo_a,
        pupil,
        "weapons",
        IncidentFacts(item_kind="Kitchen knife", item_seized=True, item_handed_to="PC Lee"),
    )
    drugs = _incident(
        school_a,
        sspo_a,
        pupil,
        "drugs",
        IncidentFacts(drugs_description="Cannabis", drugs_quantity="One bag"),
    )
    sign_in(page, sspo_a)
    signed_in_at = time.time()
    asked = []  # each time the page asking for the code is shown
    page.on(
        "request",
        lambda request: (
            asked.append(request.url)
            if request.method == "GET"
            and urlsplit(request.url).path == reverse("mfa_reauthenticate")
            else None
        ),
    )

    # The first print asks for the authenticator code, then shows the record.
    page.goto(f"/concerns/incidents/{knife.code}/")
    page.get_by_role("link", name="Printable record").click()
    page.wait_for_url(re.compile(r"/reauthenticate/"))
    wait_for_a_fresh_code(signed_in_at)
    page.fill("input[name=code]", totp_now(sspo_a.totp_secret))
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_url(re.compile(rf"/concerns/incidents/{knife.code}/print/$"))
    main = page.locator("main")
    expect(page.locator("h1")).to_have_text(knife.reference)
    expect(main.locator("dt", has_text="When it happened")).to_be_visible()
    expect(main.locator("dt", has_text="Item seized")).to_be_visible()
    expect(main).to_contain_text("Kitchen knife")
    for code_name in ("incident_id", "occurred_at", "recorded_at", "item_seized", "recorded_by"):
        expect(main).not_to_contain_text(code_name)
    assert_accessible(page)

    # A second print, minutes later: no question asked.
    page.goto(f"/concerns/incidents/{drugs.code}/")
    page.get_by_role("link", name="Printable record").click()
    page.wait_for_url(re.compile(rf"/concerns/incidents/{drugs.code}/print/$"))
    expect(main.locator("dt", has_text="What was found")).to_be_visible()
    expect(main).to_contain_text("Cannabis")

    # And the pupil's chronology as a PDF: still no question.
    page.goto(f"/pupils/{pupil.code}/")
    with page.expect_download() as download:
        page.get_by_role("link", name=re.compile("PDF")).click()
    assert download.value.suggested_filename.endswith(".pdf")

    assert len(asked) == 1, asked
    assert page.csp_violations == []

"""Issue 13, subject access in the browser: the school's data-protection lead opens a pupil's
record, is told what an export covers and what it does not, forgets the reason and is told
so beside the field, then gives it, steps up with the authenticator code and gets the zip
(the PDF, the JSON, the attached files). The export is then listed on the page."""

import io
import json
import re
import time
import zipfile

import pytest
from playwright.sync_api import expect

from schools.models import Membership
from tests.factories import totp_now
from tests.incidents.conftest import make_concern  # noqa: F401 (a fixture)

from .conftest import assert_accessible
from .test_sign_in import sign_in
from .test_signing_flow import wait_for_a_fresh_code

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

REASON = "SAR DP-2026-014 from a parent"


@pytest.fixture
def dp_lead(staff_a2, school_a):
    Membership.objects.filter(user=staff_a2, school=school_a).update(is_data_protection_lead=True)
    return staff_a2


def test_the_data_protection_lead_produces_an_export(
    request, page, dp_lead, school_a, staff_a, pupil_a
):
    request.getfixturevalue("make_concern")(
        school=school_a,
        reported_by=staff_a,
        pupils=[pupil_a],
        narrative="Came in upset after the weekend.",
    )
    sign_in(page, dp_lead)
    signed_in_at = time.time()
    page.goto(f"/pupils/{pupil_a.code}/")
    page.get_by_role("link", name=re.compile("^Answer a subject access request")).click()
    expect(page.locator("h1")).to_have_text("Subject access: Amelia Ashby")
    main = page.locator("main")
    expect(main).to_contain_text("Safeguarding concerns and early intervention identifications")
    expect(main).to_contain_text("Records the police force controls are the force's")
    expect(main).to_contain_text("None yet.")
    assert_accessible(page)

    # No reason: told beside the field, nothing sent.
    page.get_by_role("button", name="Produce the export").click()
    expect(page.locator("#id_reason_error")).to_contain_text("Enter the request's reference")
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    assert_accessible(page)

    page.get_by_label("Request reference and reason").fill(REASON)
    page.get_by_role("button", name="Produce the export").click()
    page.wait_for_url(re.compile(r"/reauthenticate/"))
    wait_for_a_fresh_code(signed_in_at)
    page.fill("input[name=code]", totp_now(dp_lead.totp_secret))
    with page.expect_download() as download:
        page.locator("main form button[type=submit]").first.click()
    assert re.fullmatch(
        rf"subject-access-{pupil_a.code}-\d{{4}}-\d{{2}}-\d{{2}}\.zip",
        download.value.suggested_filename,
    )
    with open(download.value.path(), "rb") as got:
        bundle = zipfile.ZipFile(io.BytesIO(got.read()))
    assert {"subject-access.pdf", "subject-access.json"} <= set(bundle.namelist())
    document = json.loads(bundle.read("subject-access.json"))
    assert document["request"]["reason"] == REASON

    page.goto(f"/records/subject-access/{pupil_a.code}/")
    expect(page.locator("table")).to_contain_text(REASON)
    expect(page.locator("table")).to_contain_text(dp_lead.get_full_name())
    assert page.csp_violations == []

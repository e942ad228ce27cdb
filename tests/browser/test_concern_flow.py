"""One concern's journey in the browser: staff log it, the SPOC shares it, the SSPO reads it."""

import datetime
import os
import re
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from incidents.models import Concern
from tests.factories import PartnershipFactory, PupilFactory

from .conftest import assert_accessible
from .test_sign_in import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 375, "height": 800}
DESKTOP = {"width": 1280, "height": 900}
# Issue 13's widths: a small laptop and a phone.
LAPTOP = {"width": 1024, "height": 900}
# Set SSP_SCREENSHOTS to a folder to keep a full-page picture of each step, to look at by eye.
SCREENSHOTS = os.environ.get("SSP_SCREENSHOTS")


def look(page, name):
    """Check the page with axe at desktop and phone widths (and keep pictures if asked)."""
    for label, size in (("1024", LAPTOP), ("375", PHONE)):
        page.set_viewport_size(size)
        assert_accessible(page)
        if SCREENSHOTS:
            Path(SCREENSHOTS).mkdir(parents=True, exist_ok=True)
            page.screenshot(path=Path(SCREENSHOTS) / f"{name}-{label}.png", full_page=True)
    # WCAG 1.4.10 reflow: at 320 CSS pixels nothing makes the page scroll sideways.
    page.set_viewport_size({"width": 320, "height": 800})
    assert page.evaluate("document.documentElement.scrollWidth") <= 320, name
    page.set_viewport_size(DESKTOP)


def sign_out(page):
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(re.compile(r"/accounts/login/"))


def test_a_concern_is_logged_by_staff_shared_by_the_spoc_and_read_by_the_sspo(
    page, staff_a, spoc_a, sspo_a, school_a
):
    amelia = PupilFactory(school=school_a, first_name="Amelia", last_name="Ashby", year_group=8)
    PupilFactory(school=school_a, first_name="Noah", last_name="Ashby", year_group=10)
    elsewhere = PartnershipFactory(school__name="Brookfield School").school
    PupilFactory(school=elsewhere, first_name="Bella", last_name="Ashby")
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    narrative = "Amelia said an older pupil took her phone and told her to pay to get it back."

    # Staff: log the concern.
    sign_in(page, staff_a)
    page.get_by_role("link", name="Log a concern").click()
    expect(page.locator("h1")).to_have_text("Log a safeguarding concern")
    look(page, "form-empty")

    page.get_by_label("Find a pupil at Ashdown Academy by name").fill("ashby")
    page.get_by_role("button", name="Search", exact=True).click()
    found = page.get_by_role("list", name="Pupils found")
    expect(found.get_by_role("button")).to_have_count(2)  # not Bella, at another school
    look(page, "form-search")
    found.get_by_role("button", name="Add pupil Amelia Ashby, Year 8").click()
    page.get_by_label("Role of Amelia Ashby").select_option(label="Alleged victim")
    page.get_by_label("Category").select_option(label="Bullying")
    page.get_by_label("What happened").fill(narrative)
    page.fill("#id_happened_on_0", str(yesterday.day))
    page.fill("#id_happened_on_1", str(yesterday.month))
    page.fill("#id_happened_on_2", str(yesterday.year))
    page.get_by_label("Time it happened").fill("12:30")
    page.get_by_label("In school", exact=True).check()
    # Immediate risk left unanswered on purpose.
    page.get_by_role("button", name="Log concern").click()

    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_visible()
    expect(summary.get_by_role("link")).to_have_count(1)
    expect(page).to_have_title(re.compile(r"^Error: "))
    # What was typed is all still there.
    expect(page.get_by_label("Role of Amelia Ashby")).to_have_value("victim")
    expect(page.get_by_label("Category")).to_have_value("bullying")
    expect(page.get_by_label("What happened")).to_have_value(narrative)
    expect(page.locator("#id_happened_on_0")).to_have_value(str(yesterday.day))
    expect(page.locator("#id_happened_on_2")).to_have_value(str(yesterday.year))
    expect(page.get_by_label("Time it happened")).to_have_value("12:30")
    expect(page.get_by_label("In school", exact=True)).to_be_checked()
    look(page, "form-errors")
    summary.get_by_role("link").click()
    expect(page.locator("#id_immediate_risk_0")).to_be_focused()

    page.get_by_role("radio", name="No").check()
    page.get_by_role("button", name="Log concern").click()
    page.wait_for_url(re.compile(r"/concerns/[0-9a-f-]{36}/$"))
    concern = Concern.objects.get()
    expect(page.locator(".govuk-notification-banner")).to_contain_text(
        f"Your reference is {concern.reference}. Your SPOC has been told."
    )
    expect(page.locator("main")).to_contain_text("Amelia Ashby (Year 8): alleged victim")
    look(page, "receipt")
    sign_out(page)

    # SPOC: find it in the queue and share it with the SSPO.
    sign_in(page, spoc_a)
    page.get_by_role("link", name="Triage queue").click()
    expect(page.locator("h1")).to_have_text("Triage queue")
    row = page.get_by_role("row").filter(has_text=concern.reference)
    expect(row).to_contain_text("Amelia Ashby")
    expect(row).to_contain_text("Awaiting triage")
    look(page, "queue")
    row.get_by_role("link", name=concern.reference).click()
    expect(page.locator("main")).to_contain_text(narrative)
    look(page, "detail-spoc")
    page.get_by_label("Share with the Safer Schools Police Officer").check()
    page.get_by_label("Why").fill("Taking property with a demand for money: the SSPO should know.")
    page.get_by_role("button", name="Record decision").click()
    expect(page.locator("h1")).to_have_text("Share this concern with Dan Okafor?")
    page.get_by_role("button", name="Yes, share with Dan Okafor").click()
    # The only concern awaiting triage is decided: back to the queue, told what was done.
    page.wait_for_url(re.compile(r"/concerns/triage/$"))
    expect(page.locator(".govuk-notification-banner")).to_contain_text(
        f"{concern.reference}: shared with the SSPO."
    )
    page.goto(f"/concerns/{concern.code}/")
    expect(page.locator("main .govuk-tag").first).to_contain_text("Shared with the SSPO")
    expect(page.locator("main")).to_contain_text("Shared with Dan Okafor by Simon Archer")
    sign_out(page)

    # SSPO: it is there under shared concerns, with the pupil's name but never the UPN.
    sign_in(page, sspo_a)
    page.goto("/concerns/shared/")
    row = page.get_by_role("row").filter(has_text=concern.reference)
    expect(row).to_contain_text("Ashdown Academy")
    assert amelia.upn not in page.content()
    row.get_by_role("link", name=concern.reference).click()
    expect(page.locator("main")).to_contain_text("Amelia Ashby")
    expect(page.locator("main")).to_contain_text(narrative)
    expect(page.locator("main")).to_contain_text("the SSPO should know")  # the SPOC's reasons
    look(page, "detail-sspo")
    assert amelia.upn not in page.content()

    assert page.csp_violations == []


def test_image_questions_replace_attachments_for_image_categories(page, staff_a):
    sign_in(page, staff_a)
    page.goto("/concerns/new/")
    images = page.get_by_label("Where is the device now?")
    attachments = page.locator("#id_attachments")
    expect(images).to_be_hidden()
    expect(attachments).to_be_visible()
    page.select_option("#id_category", "indecent_images")
    expect(images).to_be_visible()
    expect(attachments).to_be_hidden()
    page.select_option("#id_category", "bullying")
    expect(images).to_be_hidden()
    expect(attachments).to_be_visible()
    assert page.csp_violations == []

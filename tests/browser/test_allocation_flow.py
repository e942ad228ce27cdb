"""The sergeant allocates an officer by need; the head sees their duties; staff confirm the
SSP summary. Each page is checked with axe at desktop and phone widths."""

import pytest
from playwright.sync_api import expect

from agreements.models import AwarenessConfirmation
from schools.allocation import need_measure_add
from schools.models import Assignment
from tests.factories import OfficerFactory, SchoolFactory

from .test_concern_flow import look, sign_out
from .test_sign_in import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_sergeant_assigns_an_officer_to_the_school_most_in_need(
    page, force, sergeant, safer_team, school_c
):
    needy = SchoolFactory(force=force, name="Hillside Academy", recorded_crimes=40, idaci_decile=1)
    SchoolFactory(force=force, name="Quiet Lane School", recorded_crimes=2, idaci_decile=9)
    need_measure_add(force_id=force.pk, name="Knife crime near the school", weight=2, by=sergeant)
    officer = OfficerFactory(team=safer_team)

    sign_in(page, sergeant)
    page.get_by_role("link", name="Allocation by need").click()
    expect(page.locator("h1")).to_have_text("Allocation by need")
    first = page.locator("tbody tr").first
    expect(first).to_contain_text("Hillside Academy")
    look(page, "allocation-ranking")

    first.get_by_role("link", name="Hillside Academy").click()
    look(page, "allocation-school")
    page.get_by_role("link", name="Assign an officer").click()
    page.get_by_role("button", name="Assign").click()  # nothing chosen
    expect(page.locator(".govuk-error-summary")).to_contain_text("Choose an officer")
    look(page, "assign-error")
    page.get_by_label(officer.user.get_full_name(), exact=False).check()
    page.get_by_role("button", name="Assign").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("is assigned to")
    assert Assignment.objects.filter(officer=officer, school=needy).exists()

    page.goto("/allocation/weights/")
    look(page, "allocation-weights")
    page.goto(f"/allocation/schools/{school_c.code}/assign/")
    expect(page.locator("main")).to_contain_text("Youth Engagement Team programme")
    look(page, "assign-yet")


def test_the_head_sees_their_duties_and_staff_confirm_the_summary(
    page, head_a, spoc_a, staff_a, school_a
):
    sign_in(page, staff_a)
    page.get_by_role("link", name="Read the SSP summary").click()
    expect(page.locator("h1")).to_have_text("Our Safer Schools Partnership")
    look(page, "ssp-summary")
    page.get_by_role("button", name="I have read this").click()
    expect(page.locator("main")).not_to_contain_text("Read the SSP summary")
    assert AwarenessConfirmation.objects.filter(user=staff_a).count() == 1
    sign_out(page)

    sign_in(page, head_a)
    expect(page.locator("main")).to_contain_text("Your duties as head teacher")
    look(page, "head-duties")
    page.get_by_role(
        "link", name="Make sure every member of staff has read the SSP summary"
    ).click()
    expect(page.locator("main")).to_contain_text("1 of 2")
    look(page, "awareness-list")

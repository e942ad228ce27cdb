"""In the browser: the SPOC asks for a session, the SSPO schedules it and records a patrol,
and both appear in the school's activity log. Each page is checked with axe."""

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from schools.models import Activity

from .test_concern_flow import look, sign_out
from .test_sign_in import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def fill_date(page, prefix, day):
    page.fill(f"#id_{prefix}_0", str(day.day))
    page.fill(f"#id_{prefix}_1", str(day.month))
    page.fill(f"#id_{prefix}_2", str(day.year))


def test_a_requested_session_and_a_patrol_reach_the_activity_log(page, spoc_a, head_a, sspo_a):
    next_week = timezone.localdate() + datetime.timedelta(days=7)
    yesterday = timezone.localdate() - datetime.timedelta(days=1)

    # The SPOC asks for a session; a missing answer is named and the typing kept.
    sign_in(page, spoc_a)
    page.get_by_role("link", name="Session requests").click()
    page.get_by_role("link", name="Ask for a session").click()
    page.get_by_label("Topic").fill("Knife crime")
    page.get_by_role("button", name="Send request").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Choose the year groups")
    expect(page.get_by_label("Topic")).to_have_value("Knife crime")
    look(page, "request-errors")
    page.get_by_label("Year 9").check()
    page.get_by_label("Year 10").check()
    page.get_by_label("Preferred dates").fill("Any Tuesday next month")
    page.get_by_role("button", name="Send request").click()
    expect(page.locator("h1")).to_have_text("Knife crime")
    expect(page.locator("main")).to_contain_text("Years 9 and 10")
    look(page, "request-sent")
    page.get_by_role("link", name="Session requests").click()
    expect(page.locator("table")).to_contain_text("Waiting")
    look(page, "request-list")
    sign_out(page)

    # The SSPO sees it waiting on their home page and schedules it.
    sign_in(page, sspo_a)
    page.get_by_role("link", name="Knife crime").click()
    look(page, "request-to-answer")
    page.get_by_label("Assembly").check()
    fill_date(page, "on", next_week)
    page.get_by_label("Start time").fill("09:00")
    page.get_by_role("button", name="Schedule").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("scheduled")

    # ...and records a patrol: the kind first, then only that kind's questions.
    page.goto("/activity/")
    page.get_by_role("link", name="Record activity").click()
    look(page, "activity-kind")
    page.get_by_label("After-school uniform patrol").check()
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_label("Area patrolled")).to_be_visible()
    expect(page.get_by_text("Year groups")).to_have_count(0)
    fill_date(page, "on", yesterday)
    page.get_by_label("Area patrolled").fill("Bus station")
    page.get_by_role("button", name="Record").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter the start time")
    expect(page.get_by_label("Area patrolled")).to_have_value("Bus station")
    look(page, "patrol-errors")
    page.get_by_label("Start time").fill("15:15")
    page.get_by_label("End time").fill("16:30")
    page.get_by_label("Safer Neighbourhood Team").check()
    page.get_by_label("Anti-social behaviour").check()
    page.get_by_role("button", name="Record").click()
    expect(page.locator("h1")).to_have_text("After-school uniform patrol")
    look(page, "patrol-recorded")
    sign_out(page)

    # The head reads both in the school's activity log. (Not the SPOC again: a TOTP code
    # works once, and a second sign-in could fall in the same 30 seconds.)
    sign_in(page, head_a)
    page.get_by_role("link", name="Activity log").click()
    expect(page).to_have_url(re.compile(r"/activity/$"))
    table = page.locator("table")
    expect(table).to_contain_text("Knife crime")
    expect(table).to_contain_text("Scheduled")
    expect(table).to_contain_text("Bus station")
    look(page, "activity-log")
    assert Activity.objects.count() == 2


def test_the_school_and_the_sspo_keep_the_action_plan(page, spoc_a, sspo_a, school_a):
    due = timezone.localdate() + datetime.timedelta(days=30)

    sign_in(page, spoc_a)
    page.get_by_role("link", name="Partnership action plan").click()
    page.get_by_role("link", name="Add an item").click()
    page.get_by_label("The problem").fill("Pupils vaping in the toilets at break")
    page.get_by_label("What will be done").fill("Assembly on vaping and checks at break")
    page.get_by_role("button", name="Add item").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter who owns this action")
    expect(page.get_by_label("The problem")).to_have_value("Pupils vaping in the toilets at break")
    look(page, "action-plan-item-errors")
    page.get_by_label("Owner").fill("Head of year 9 and the SSPO")
    fill_date(page, "due_on", due)
    page.get_by_role("button", name="Add item").click()
    expect(page.locator("table")).to_contain_text("Pupils vaping in the toilets at break")
    look(page, "action-plan")
    sign_out(page)

    sign_in(page, sspo_a)
    page.get_by_role("link", name="Action plan: Ashdown Academy").click()
    page.get_by_role("link", name="Update this item").click()
    page.get_by_label("In progress").check()
    look(page, "action-plan-item-update")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("table")).to_contain_text("In progress")

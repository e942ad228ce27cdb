"""The sergeant's overview in the browser: its charts and tables pass axe at desktop and
phone widths and reflow at 320 pixels; the head teacher's own figures likewise."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from agreements.models import Review
from tests.incidents.conftest import make_concern  # noqa: F401
from tests.reports.test_overview import share

from .test_concern_flow import look


def sign_in(page, user):
    """A session as the portal leaves it after both factors, straight into the browser: this
    test is about the overview, and sign-in has its own tests (test_sign_in.py)."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    from ssp.middleware import MFA_ENROLLED_KEY, SESSION_STARTED_KEY

    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session[MFA_ENROLLED_KEY] = True
    session[SESSION_STARTED_KEY] = timezone.now().timestamp()
    session.create()
    page.goto("/accounts/login/")
    page.context.clear_cookies()
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": session.session_key, "url": page.url}]
    )
    page.goto("/")


pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CATEGORIES = ["bullying", "welfare", "blades", "drugs", "asb", "online_safety", "truancy"]


@pytest.fixture
def a_year_of_concerns(make_concern, school_a, school_b, staff_a, spoc_a, spoc_b, sspo_a, sspo_b):  # noqa: F811
    now = timezone.now()
    for k in range(40):
        school, reporter, spoc, sspo = (
            (school_a, staff_a, spoc_a, sspo_a) if k % 3 else (school_b, spoc_b, spoc_b, sspo_b)
        )
        recorded_at = now - datetime.timedelta(days=9 * k + 1)
        concern = make_concern(
            school=school,
            reported_by=reporter,
            category=CATEGORIES[k % len(CATEGORIES)],
            status="shared" if k % 4 == 0 else "in_school",
            recorded_at=recorded_at,
            triaged_at=recorded_at + datetime.timedelta(hours=1 + k % 30),
        )
        if concern.status == "shared":
            share(concern, by=spoc, to=sspo)
    Review.objects.create(
        partnership=school_a.partnership,
        academic_year=2026,
        term="autumn",
        period_start=datetime.date(2026, 9, 1),
        period_end=datetime.date(2026, 11, 20),
        rating="amber",
        comments="Reviewed.",
        reviewed_by=spoc_a,
    )


def open_the_tables(page):
    for summary in page.locator("summary").all():
        summary.click()


def test_the_overview_and_its_charts_are_accessible(page, a_year_of_concerns, sergeant, head_a):
    sign_in(page, sergeant)
    page.get_by_role("link", name="Team overview: partnerships, caseload and figures").click()
    expect(page.locator("h1")).to_have_text("Your team's overview")
    expect(page.locator("main tbody").first).to_contain_text("Ashdown Academy")
    expect(page.locator("main tbody").first).to_contain_text("Amber")
    expect(page.locator("svg[role=img]")).to_have_count(len(CATEGORIES) + 1)
    expect(page.get_by_role("img", name="Bullying: concerns logged each month")).to_be_visible()
    open_the_tables(page)
    expect(page.get_by_role("table", name="Concerns logged by category and month")).to_be_visible()
    look(page, "overview-sergeant")
    assert page.csp_violations == []

    sign_in(page, head_a)
    page.get_by_role("link", name="Your school's figures").click()
    expect(page.locator("h1")).to_have_text("Your school's figures")
    expect(page.locator("main")).not_to_contain_text("Brookfield School")
    open_the_tables(page)
    look(page, "overview-head")

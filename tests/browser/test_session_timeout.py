"""The warning before the portal signs a person out (WCAG 2.2.1), in Chromium with a fake
clock: two minutes before, a dialog; "Stay signed in" or Escape starts the idle time again;
typing counts as activity; when time runs out the page signs out; the 8-hour limit only
warns."""

import datetime
import time

import pytest
from django.contrib.sessions.models import Session
from django.utils import timezone
from playwright.sync_api import expect

from ssp.middleware import SESSION_STARTED_KEY

from .conftest import assert_accessible
from .test_overview import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

KEEP_ALIVE = "**/session/keep-alive/"


def _open(page, user, path="/"):
    page.clock.install()
    sign_in(page, user)
    page.goto(path)
    return page.locator("#session-timeout")


def test_two_minutes_before_the_idle_limit_a_warning_and_stay_signed_in(page, staff_a):
    dialog = _open(page, staff_a)
    page.clock.fast_forward("27:30")
    expect(dialog).to_be_hidden()
    page.clock.fast_forward("00:45")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("You will be signed out in 2 minutes")
    expect(dialog).to_contain_text("after 30 minutes without activity")
    expect(page.get_by_role("button", name="Stay signed in")).to_be_focused()
    assert_accessible(page)

    with page.expect_response(KEEP_ALIVE) as answer:
        page.get_by_role("button", name="Stay signed in").click()
    assert answer.value.status == 200 and answer.value.json()["signed_in"] is True
    expect(dialog).to_be_hidden()
    # The idle time starts again from the click.
    page.clock.fast_forward("27:00")
    expect(dialog).to_be_hidden()
    page.clock.fast_forward("01:30")
    expect(dialog).to_be_visible()


def test_escape_stays_signed_in(page, staff_a):
    dialog = _open(page, staff_a)
    page.clock.fast_forward("28:30")
    expect(dialog).to_be_visible()
    with page.expect_response(KEEP_ALIVE):
        page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()


def _contact(page):
    return page.evaluate("() => localStorage.getItem('ssp-session-contact')")


def _until_the_page_has_noted_a_contact_since(page, before):
    """The keep-alive's answer reaches the test before the page has read it: wait, in real
    time, until the page has written down the new contact."""
    for _ in range(100):
        if _contact(page) != before:
            return
        time.sleep(0.05)
    raise AssertionError("the page never noted the keep-alive")


def test_typing_on_a_page_counts_as_activity(page, staff_a):
    dialog = _open(page, staff_a, "/concerns/new/")
    page.clock.fast_forward("20:00")
    before = _contact(page)
    with page.expect_response(KEEP_ALIVE):
        page.locator("textarea[name=narrative]").type("Said something worrying")
    _until_the_page_has_noted_a_contact_since(page, before)
    page.clock.fast_forward("20:00")  # 40 minutes since the page, 20 since the typing
    expect(dialog).to_be_hidden()
    # What was typed is still there.
    expect(page.locator("textarea[name=narrative]")).to_have_value("Said something worrying")


def test_when_time_runs_out_the_page_signs_out(page, staff_a):
    dialog = _open(page, staff_a)
    key = page.context.cookies()[0]["value"]
    page.clock.fast_forward("28:30")
    expect(dialog).to_be_visible()
    page.clock.fast_forward("02:00")
    page.wait_for_url("**/accounts/login/**")
    assert not Session.objects.filter(session_key=key).exists()


def test_the_eight_hour_limit_only_warns_and_cannot_be_stretched(page, staff_a):
    dialog = _open(page, staff_a)
    session = Session.objects.get(session_key=page.context.cookies()[0]["value"])
    store = session.get_decoded()
    store[SESSION_STARTED_KEY] = (
        timezone.now() - datetime.timedelta(hours=8) + datetime.timedelta(seconds=100)
    ).timestamp()
    session.session_data = Session.objects.encode(store)
    session.save()
    page.reload()  # the page's clock now says 100 seconds are left in all
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("as long as the portal allows")
    expect(page.get_by_role("button", name="Stay signed in")).to_be_hidden()
    page.get_by_role("button", name="Close and save my work").click()
    expect(dialog).to_be_hidden()
    page.clock.fast_forward("00:30")
    expect(dialog).to_be_hidden()  # warned once; the page is theirs until the end
    page.clock.fast_forward("01:30")
    page.wait_for_url("**/accounts/login/**")

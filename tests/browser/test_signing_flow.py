"""Signing the data sharing agreement in the browser, each side with a real TOTP code."""

import os
import re
import time
from pathlib import Path

import pytest
from playwright.sync_api import expect

from agreements.services import document_publish
from tests.factories import DocumentFactory, totp_now

from .conftest import assert_accessible
from .test_sign_in import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Set SSP_SCREENSHOTS to a folder to keep pictures of the signing pages, to look at by eye.
SCREENSHOTS = os.environ.get("SSP_SCREENSHOTS")


def keep(page, name: str) -> None:
    if SCREENSHOTS:
        Path(SCREENSHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=Path(SCREENSHOTS) / name, full_page=True)


def wait_for_a_fresh_code(signed_in_at: float) -> None:
    """A TOTP code works once: wait until the app shows a code after the sign-in's one."""
    window = int(signed_in_at) // 30
    while int(time.time()) // 30 == window:
        time.sleep(0.5)


def sign_dsa(page, user, signed_in_at, school_name, shot=None):
    page.goto("/partnerships/")
    page.get_by_role("link", name=school_name).click()
    page.get_by_role("link", name=re.compile(r"^Sign the data sharing agreement")).click()
    expect(page.locator("h1")).to_have_text("Sign the data sharing agreement")
    assert_accessible(page)
    if shot:
        keep(page, shot)
    page.get_by_label(re.compile(r"^I have read version 2 of the data sharing agreement")).check()
    wait_for_a_fresh_code(signed_in_at)
    page.get_by_label("Code from your authenticator app").fill(totp_now(user.totp_secret))
    page.get_by_role("button", name="Sign version 2").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text(
        "You have signed version 2 of the data sharing agreement"
    )


def test_the_head_signs_and_the_sergeant_countersigns_with_their_codes(
    page, browser, live_server, head_a, sergeant, sspo_a, school_a
):
    draft = DocumentFactory(force=school_a.force, created_by=sergeant, title="DSA 2027")
    dsa = document_publish(document=draft, by=sergeant)

    sign_in(page, head_a)
    head_signed_in = time.time()
    sergeant_page = browser.new_context(
        base_url=live_server.url, viewport={"width": 1280, "height": 900}
    ).new_page()
    sign_in(sergeant_page, sergeant)
    sergeant_signed_in = time.time()

    sign_dsa(page, head_a, head_signed_in, "Ashdown Academy", shot="signing-page.png")
    body = page.locator("main").inner_text()
    assert "The force has not signed the current data sharing agreement (version 2)" in body

    sign_dsa(sergeant_page, sergeant, sergeant_signed_in, "Ashdown Academy")
    main = sergeant_page.locator("main")
    expect(main).to_contain_text("The data sharing agreement is in force: version 2")
    expect(main).to_contain_text("Head teacher, Ashdown Academy")
    assert dsa.content_hash in main.inner_text()
    assert_accessible(sergeant_page)
    keep(sergeant_page, "partnership-page.png")
    sergeant_page.context.close()

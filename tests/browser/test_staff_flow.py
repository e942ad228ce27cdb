"""In the browser: the head invites staff from a CSV (a bad file first), checks the preview,
applies it; then ends a member of staff's access, who is signed out at their next click.
Each page is checked with axe."""

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from schools.models import Intake, Invitation

from .test_concern_flow import look
from .test_sign_in import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

GOOD = (
    b"name,email,role,job title\n"
    b"Nina Newton,nina.newton@example.org,staff,Teacher of Maths\n"
    b"Omar Osei,omar.osei@example.org,SLT,Deputy head\n"
    b"Bad Role,bad.role@example.org,sergeant,\n"
)


def test_the_head_invites_staff_from_a_file_and_ends_a_members_access(
    page, browser, live_server, head_a, staff_a, school_a
):
    sign_in(page, head_a)
    page.get_by_role("link", name="Ashdown Academy").first.click()
    page.get_by_role("link", name="Invite staff from a file").click()
    look(page, "staff-import")

    # A file with semicolons is refused whole, the reason beside the field.
    page.get_by_label("Staff list (CSV)").set_input_files(
        {"name": "staff.csv", "mimeType": "text/csv", "buffer": b"name;email;role\n"}
    )
    page.get_by_role("button", name="Check the file").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("separated by semicolons")
    expect(page.locator(".govuk-error-message")).to_contain_text("separated by semicolons")
    look(page, "staff-import-refused")

    page.get_by_label("Staff list (CSV)").set_input_files(
        {"name": "staff.csv", "mimeType": "text/csv", "buffer": GOOD}
    )
    page.get_by_role("button", name="Check the file").click()
    expect(page.locator("h1")).to_have_text("Check the staff list")
    expect(page.locator("#count-invite")).to_have_text("2")
    expect(page.locator("#refused")).to_contain_text("not a role a head can give")
    look(page, "staff-import-preview")
    assert Invitation.objects.count() == 0 and len(mail.outbox) == 0

    page.get_by_role("button", name="Invite 2 people").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("2 invitations sent")
    expect(page.locator("#count-invited-now")).to_have_text("2")
    look(page, "staff-import-applied")
    assert Intake.objects.get().status == Intake.Status.APPLIED
    assert sorted(m.to[0] for m in mail.outbox) == [
        "nina.newton@example.org",
        "omar.osei@example.org",
    ]

    # Stella is signed in elsewhere; the head ends her access.
    theirs = browser.new_context(base_url=live_server.url)
    stella = theirs.new_page()
    sign_in(stella, staff_a)
    page.get_by_role("link", name="Back to Ashdown Academy").click()
    page.get_by_role("link", name="End access for Stella Abbott").click()
    expect(page.locator(".govuk-warning-text")).to_contain_text("account is closed")
    look(page, "membership-end")
    page.get_by_role("button", name="End access").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text(
        "Stella Abbott no longer has access to Ashdown Academy"
    )
    stella.goto("/")
    stella.wait_for_url(re.compile(r"/accounts/login/"))
    theirs.close()

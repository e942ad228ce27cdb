"""In the browser: the SPOC, who makes every share, walks from their home to the
information-sharing log and finds their share there; the head invites a member of staff
from the school's page. Each page is checked with axe."""

import uuid

import pytest
from django.core import mail
from playwright.sync_api import expect

from agreements.services import disclosure_record
from schools.models import Invitation

from .test_concern_flow import look
from .test_sign_in import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_spoc_reads_the_sharing_log_of_their_school(page, school_a, spoc_a, sspo_a):
    disclosure_record(
        school=school_a,
        direction="to_police",
        kind="concern_shared",
        record_code=uuid.uuid4(),
        by=spoc_a,
        to=sspo_a,
    )
    sign_in(page, spoc_a)
    page.get_by_role("link", name="Information-sharing log").click()
    expect(page.locator("h1")).to_have_text("Information-sharing log")
    row = page.locator("tbody tr").first
    expect(row).to_contain_text("Ashdown Academy")
    expect(row).to_contain_text(f"{spoc_a.get_full_name()} → {sspo_a.get_full_name()}")
    look(page, "sharing-log-spoc")


def test_the_head_invites_a_member_of_staff(page, school_a, head_a):
    sign_in(page, head_a)
    page.get_by_role("link", name="Ashdown Academy").first.click()
    page.get_by_role("link", name="Invite a member of staff").click()
    expect(page.locator("h1")).to_have_text("Invite a member of staff to Ashdown Academy")
    look(page, "invite-staff")
    page.get_by_label("First name").fill("Nina")
    page.get_by_label("Last name").fill("Newton")
    page.get_by_label("Email address").fill("nina.newton@example.org")
    page.get_by_role("button", name="Send invitation").click()
    expect(page.locator("body")).to_contain_text("Invitation sent to nina.newton@example.org")
    invitation = Invitation.objects.get()
    assert (invitation.school, invitation.role, invitation.invited_by) == (
        school_a,
        "staff",
        head_a,
    )
    assert [m.to for m in mail.outbox] == [["nina.newton@example.org"]]

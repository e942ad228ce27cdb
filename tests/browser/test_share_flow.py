"""Issue 11, item 4 in the browser: a SPOC between lessons shares a concern only after seeing
what goes to whom, can back out with nothing changed, and goes on to the next concern."""

import datetime
import re

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone
from playwright.sync_api import expect

from incidents.models import Attachment, Concern, Share
from incidents.services import Involvement, concern_log
from tests.factories import PupilFactory

from .test_concern_flow import look
from .test_sign_in import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

REASONS = "A knife was seen in her bag at lunch: the SSPO must know today."


def _concern(school, staff, pupil, narrative, *, urgent=False, hours_ago=1):
    return concern_log(
        by=staff,
        school=school,
        kind=Concern.Kind.CONCERN,
        category="weapons" if urgent else "bullying",
        narrative=narrative,
        happened_at=timezone.now() - datetime.timedelta(hours=hours_ago),
        location=Concern.Location.IN_SCHOOL,
        immediate_risk=urgent,
        involved=[Involvement(pupil, "victim")],
    )


@pytest.fixture
def two_waiting(school_a, staff_a, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    amelia = PupilFactory(school=school_a, first_name="Amelia", last_name="Ashby", year_group=9)
    noah = PupilFactory(school=school_a, first_name="Noah", last_name="Ashby", year_group=10)
    first = _concern(
        school_a, staff_a, amelia, "Amelia was seen with a knife.", urgent=True, hours_ago=3
    )
    Attachment.objects.create(
        concern=first,
        file=ContentFile(b"%PDF-1.4 test", name="x.pdf"),
        original_name="statement.pdf",
        content_type="application/pdf",
        size=13,
        uploaded_by=staff_a,
    )
    second = _concern(school_a, staff_a, noah, "Noah was pushed on the stairs.")
    return first, second, amelia


def test_the_spoc_confirms_a_share_backs_out_once_and_goes_on_to_the_next_concern(
    page, spoc_a, sspo_a, two_waiting
):
    first, second, amelia = two_waiting
    sign_in(page, spoc_a)
    page.get_by_role("link", name="Triage queue").click()
    page.get_by_role("link", name=first.reference).click()
    page.get_by_label("Share with the Safer Schools Police Officer").check()
    page.get_by_label("Why").fill(REASONS)
    page.get_by_role("button", name="Record decision").click()

    # What will be shared, with whom, under which agreement: before anything happens.
    page.wait_for_url(re.compile(rf"/concerns/{first.code}/share/$"))
    main = page.locator("main")
    expect(page.locator("h1")).to_have_text("Share this concern with Dan Okafor?")
    expect(main).to_contain_text(f"Dan Okafor ({sspo_a.officer.collar_number})")
    expect(main).to_contain_text("Data sharing agreement v")
    expect(main).to_contain_text("Amelia Ashby (Year 9): alleged victim")
    expect(main).to_contain_text("Amelia was seen with a knife.")
    expect(main).to_contain_text("statement.pdf")
    expect(page.get_by_label("Why you decided this")).to_have_value(REASONS)
    assert amelia.upn not in page.content()
    look(page, "share-confirm")

    # Cancel: back on the concern, nothing shared.
    page.get_by_role("link", name="Cancel: do not share").click()
    page.wait_for_url(re.compile(rf"/concerns/{first.code}/$"))
    expect(page.locator("main .govuk-tag").first).to_contain_text("Awaiting triage")
    assert not Share.objects.exists()

    # Share it after all: confirm, then land on the next concern awaiting triage.
    page.get_by_label("Share with the Safer Schools Police Officer").check()
    page.get_by_label("Why").fill(REASONS)
    page.get_by_role("button", name="Record decision").click()
    page.get_by_role("button", name="Yes, share with Dan Okafor").click()
    page.wait_for_url(re.compile(rf"/concerns/{second.code}/$"))
    banner = page.locator(".govuk-notification-banner")
    expect(banner).to_contain_text(f"{first.reference}: shared with the SSPO.")
    expect(banner).to_contain_text(f"Shared with Dan Okafor ({sspo_a.officer.collar_number})")
    expect(banner).to_contain_text("Stella Abbott, who logged it, has been told.")
    expect(banner).to_contain_text(f"Next awaiting triage: {second.reference}.")
    assert Share.objects.get().concern_id == first.pk

    # The last one: handled in school, and back to the queue with nothing left.
    page.get_by_label("Handle within school").check()
    page.get_by_label("Why").fill("The head of year is dealing with it.")
    page.get_by_role("button", name="Record decision").click()
    page.wait_for_url(re.compile(r"/concerns/triage/$"))
    expect(page.locator(".govuk-notification-banner")).to_contain_text(
        "No other concern is awaiting triage."
    )
    assert page.csp_violations == []


def test_without_javascript_the_confirmation_is_a_page_of_its_own(
    browser, live_server, spoc_a, sspo_a, two_waiting
):
    first, second, _ = two_waiting
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    page = context.new_page()
    try:
        sign_in(page, spoc_a)
        page.goto(f"/concerns/{first.code}/")
        page.get_by_label("Share with the Safer Schools Police Officer").check()
        page.get_by_label("Why").fill(REASONS)
        page.get_by_role("button", name="Record decision").click()
        page.wait_for_url(re.compile(rf"/concerns/{first.code}/share/$"))
        assert not Share.objects.exists()
        page.get_by_role("button", name="Yes, share with Dan Okafor").click()
        page.wait_for_url(re.compile(rf"/concerns/{second.code}/$"))
        assert Share.objects.get().shared_with == sspo_a
    finally:
        context.close()


def test_a_concern_shared_here_is_with_the_police_on_the_sergeants_overview(
    page, spoc_a, sspo_a, sergeant, two_waiting
):
    # The overview counts the concerns with the police from the concern's own shared_at,
    # which the share sets: shared through the page, it is counted there.
    from .test_overview import sign_in as session_for

    first, second, _ = two_waiting
    session_for(page, sergeant)
    page.goto("/overview/")
    ashdown = page.locator("tr", has_text="Ashdown Academy")
    expect(ashdown).not_to_contain_text("shared concern to acknowledge")
    session_for(page, spoc_a)
    page.goto(f"/concerns/{first.code}/")
    page.get_by_label("Share with the Safer Schools Police Officer").check()
    page.get_by_label("Why").fill(REASONS)
    page.get_by_role("button", name="Record decision").click()
    page.get_by_role("button", name="Yes, share with Dan Okafor").click()
    page.wait_for_url(re.compile(rf"/concerns/{second.code}/$"))
    session_for(page, sergeant)
    page.goto("/overview/")
    expect(ashdown).to_contain_text(re.compile(r"1\s+shared concern to acknowledge or act on"))
    assert Concern.objects.get(pk=first.pk).shared_at == Share.objects.get().at

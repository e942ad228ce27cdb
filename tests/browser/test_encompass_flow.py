"""Issue 12's "done when": a test plays the force's client. It is registered (by the force's
administrator, approved by the team's sergeant), pulls the incidents changed since a cursor,
posts an Operation Encompass notification; the key adult acknowledges it in the browser,
recording the support planned; the client reads the receipt, and never the plan."""

import re
import uuid

import pytest
from playwright.sync_api import expect

from api.models import Scope
from api.services import client_approve, client_register
from encompass.models import Notification
from tests.factories import PupilFactory
from tests.incidents.conftest import make_incident  # noqa: F401

from .conftest import assert_accessible
from .test_sign_in import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHANGES = "/api/v1/incidents/changes/"
ENCOMPASS = "/api/v1/encompass/notifications/"
PLAN = "Form tutor checks in quietly at registration; nurture room open at lunch."


@pytest.fixture
def hub(browser, live_server, admin_user, safer_team, sergeant):
    """The force's client, calling the live server over HTTP with its bearer token."""
    registered, token = client_register(
        by=admin_user,
        force=safer_team.force,
        team=safer_team,
        name="Northshire Encompass hub",
        purpose="Operation Encompass notifications and incident records",
        scopes=list(Scope.values),
    )
    client_approve(client=registered, by=sergeant)
    context = browser.new_context(
        base_url=live_server.url, extra_http_headers={"Authorization": f"Bearer {token}"}
    )
    yield context.request
    context.close()


def test_the_forces_client_sends_and_reads_the_receipt_of_what_the_key_adult_acknowledged(
    page,
    hub,
    make_incident,  # noqa: F811
    school_a,
    school_b,
    pupil_a,
    sspo_a,
    sspo_b,
    spoc_a,
):
    # The client pulls the incidents changed since its cursor: one now, none after.
    recorded = make_incident(school=school_a, pupils=[pupil_a])
    first = hub.get(CHANGES)
    assert first.status == 200, first.text()
    pulled = first.json()
    assert [r["incident_id"] for r in pulled["results"]] == [str(recorded.code)]
    again = hub.get(CHANGES, params={"cursor": pulled["next_cursor"]}).json()
    assert again["results"] == []
    later = make_incident(school=school_b, by=sspo_b)
    since = hub.get(CHANGES, params={"cursor": pulled["next_cursor"]}).json()
    assert [r["incident_id"] for r in since["results"]] == [str(later.code)]

    # It posts a notification about a child on school A's roll.
    PupilFactory(
        school=school_a, first_name="Amelia", last_name="Ashby", date_of_birth="2013-04-02"
    )
    key = str(uuid.uuid4())
    notice = {
        "school_urn": school_a.urn,
        "child_first_name": "Amelia",
        "child_last_name": "Ashby",
        "child_date_of_birth": "2013-04-02",
        "police_reference": "DA/2026/0777",
        "incident_at": "2026-10-06T19:00:00+01:00",
        "incident_location": "Home address",
        "child_presence": "present",
        "child_whereabouts": "Upstairs bedroom",
        "voice_of_child": "Said they hid under the bed.",
        "circumstances": "Argument between adults; one arrested.",
        "other_information": "",
    }
    sent = hub.post(ENCOMPASS, headers={"Idempotency-Key": key}, data=notice)
    assert sent.status == 201, sent.text()
    receipt = sent.json()
    assert receipt["acknowledged"] is False and receipt["school_urn"] == school_a.urn
    notification = Notification.objects.get(code=receipt["code"])
    assert notification.pupil is not None  # one pupil fits: matched on intake

    # The key adult signs in: the home shows it, red, with its deadline.
    sign_in(page, spoc_a)
    waiting = page.locator("#encompass-waiting")
    expect(waiting).to_contain_text("DA/2026/0777")
    expect(waiting.locator(".govuk-tag--red")).to_have_text("Urgent")
    waiting.get_by_role("link", name="DA/2026/0777").click()
    page.wait_for_url(re.compile(rf"/encompass/{notification.code}/$"))
    expect(page.locator("main")).to_contain_text("Said they hid under the bed.")
    assert_accessible(page)
    page.get_by_role("button", name="Acknowledge").click()
    # Nothing typed: told next to the field.
    expect(page.locator(".govuk-error-message")).to_contain_text("required")
    page.get_by_label("Support planned").fill(PLAN)
    page.get_by_role("button", name="Acknowledge").click()
    expect(page.locator("#receipt")).to_contain_text(spoc_a.get_full_name())
    expect(page.locator("main")).to_contain_text(PLAN)
    # It leaves the home's list once read.
    page.goto("/")
    expect(page.locator("#encompass-waiting")).to_have_count(0)

    # The client reads the receipt: acknowledged, when, by whom; never the plan.
    receipts = hub.get(ENCOMPASS)
    assert receipts.status == 200
    (read,) = receipts.json()["results"]
    assert read["code"] == receipt["code"]
    assert read["acknowledged"] is True
    assert read["acknowledged_by"] == spoc_a.get_full_name()
    assert read["acknowledged_at"]
    assert PLAN not in receipts.text() and "support_plan" not in read
    # A retry of the first post returns the same notification, now acknowledged.
    replay = hub.post(ENCOMPASS, headers={"Idempotency-Key": key}, data=notice)
    assert replay.status == 200
    assert replay.json()["code"] == receipt["code"] and replay.json()["acknowledged"] is True
    assert Notification.objects.count() == 1
    assert page.csp_violations == []

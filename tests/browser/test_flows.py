"""The everyday flows of issue 11, each walked in the browser: activation on the second
signature, notifications, a case conference from the caseload, the 404 page in the demo,
the triage chart's bars and the head's reminder."""

import datetime
import re
import time

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from agreements.models import Document, Partnership
from agreements.services import agreement_sign
from incidents.models import Concern
from schools.models import Membership
from schools.services import assignment_create
from ssp.notifications import Kind, notify
from tests.factories import MembershipFactory, PartnershipFactory, published_documents, totp_now

from .conftest import assert_accessible
from .test_sign_in import sign_in
from .test_signing_flow import wait_for_a_fresh_code

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _concern(*, school, reported_by, **fields):
    at = fields.pop("recorded_at", timezone.now())
    return Concern.objects.create(
        reference=f"C-FLOWS-{Concern.objects.count() + 1}",
        school=school,
        reported_by=reported_by,
        category="welfare",
        narrative="Said something worrying at lunch.",
        happened_at=at - datetime.timedelta(hours=1),
        recorded_at=at,
        location="in_school",
        **fields,
    )


def test_the_sergeants_signature_after_the_heads_makes_the_partnership_active(
    page, force, school_a, sspo_a, sergeant
):
    published_documents(force)
    proposed = PartnershipFactory(
        school__force=force, school__name="Dunmore High", status="proposed", signed=False
    )
    head = MembershipFactory(school=proposed.school, position=Membership.Position.HEAD).user
    assignment_create(
        officer=sspo_a.officer, school=proposed.school, starts_on=timezone.localdate(), by=sergeant
    )
    protocol = Document.objects.current_of(force, Document.Kind.PROTOCOL).get()
    agreement_sign(partnership=proposed, document=protocol, by=head)

    sign_in(page, sergeant)
    signed_in_at = time.time()
    page.goto(reverse("partnership_sign", args=[proposed.code, protocol.code]))
    page.get_by_label(re.compile(r"^I have read version 1")).check()
    wait_for_a_fresh_code(signed_in_at)
    page.get_by_label("Code from your authenticator app").fill(totp_now(sergeant.totp_secret))
    page.get_by_role("button", name="Sign version 1").click()
    expect(page.locator(".govuk-notification-banner").first).to_contain_text("You have signed")
    proposed.refresh_from_db()
    assert proposed.status == Partnership.Status.ACTIVE
    page.goto(reverse("notifications"))
    expect(page.locator("main")).to_contain_text("The Safer Schools Partnership is now active")
    expect(page.locator("main")).to_contain_text("Partnership: Dunmore High")


def test_the_spoc_sees_the_unread_count_opens_an_urgent_alert_and_reads_the_rest(
    page, spoc_a, staff_a, school_a
):
    concern = _concern(school=school_a, reported_by=staff_a, immediate_risk=True)
    link = reverse("concern_detail", args=[concern.code])
    notify(
        recipients=[spoc_a],
        subject="A concern marked as immediate risk needs triage now",
        link=link,
        reference=concern.reference,
        kind=Kind.IMMEDIATE_RISK,
    )
    notify(recipients=[spoc_a], subject="Something else", link="/")
    sign_in(page, spoc_a)
    count = page.locator("[data-unread-count]")
    expect(count).to_have_text("2 unread")
    count.click()
    row = page.locator("tr", has_text=concern.reference)
    expect(row).to_contain_text("Urgent")
    assert_accessible(page)
    row.get_by_role("link", name=concern.reference).click()
    page.wait_for_url(f"**{link}")
    expect(page.locator("[data-unread-count]")).to_have_text("1 unread")
    page.goto(reverse("notifications"))
    page.get_by_role("button", name="Mark all as read").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text(
        "1 notification marked as read."
    )
    expect(page.locator("[data-unread-count]")).to_have_count(0)


def test_the_sspo_reaches_a_case_conference_from_the_home_page(page, sspo_a, pupil_a):
    sign_in(page, sspo_a)
    page.get_by_role("link", name="Record a case conference").click()
    page.get_by_label(re.compile("name", re.I)).first.fill(pupil_a.last_name)
    page.get_by_role("button", name="Search").click()
    page.get_by_role("link", name=re.compile(r"^Record a case conference")).first.click()
    expect(page.locator("h1")).to_have_text("Record a case conference")


def test_a_record_out_of_scope_shows_the_portals_404_page_in_the_demo(
    page, settings, staff_a, staff_a2, school_a
):
    settings.DEBUG = True  # as the demo runs
    concern = _concern(school=school_a, reported_by=staff_a)
    sign_in(page, staff_a2)
    response = page.goto(reverse("concern_detail", args=[concern.code]))
    assert response.status == 404
    expect(page.locator("h1")).to_have_text("Page not found")
    expect(page.locator("body")).not_to_contain_text("URLconf")


def test_the_triage_chart_draws_a_bar_for_each_month_with_hours_and_none_for_zero(
    page, sergeant, sspo_a, staff_a, school_a
):
    first = timezone.localdate().replace(day=1)
    for months_back, hours in ((3, 0.01), (2, 2.0), (1, 5.0)):
        month = first
        for _ in range(months_back):
            month = (month - datetime.timedelta(days=1)).replace(day=1)
        recorded = timezone.make_aware(datetime.datetime.combine(month, datetime.time(10)))
        _concern(
            school=school_a,
            reported_by=staff_a,
            status="in_school",
            recorded_at=recorded,
            triaged_at=recorded + datetime.timedelta(hours=hours),
        )
    sign_in(page, sergeant)
    page.goto(reverse("overview"))
    chart = page.locator("svg#triage-chart, svg[aria-labelledby^='triage-chart']")
    expect(chart.locator("rect")).to_have_count(2)
    expect(chart).to_contain_text("0.0")


def test_the_head_reminds_staff_who_have_not_confirmed(page, head_a, staff_a, staff_a2, school_a):
    sign_in(page, head_a)
    page.goto(reverse("awareness_staff", args=[school_a.partnership.code]))
    page.get_by_role("button", name="Remind staff who have not confirmed").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text(
        "2 members of staff have been reminded to read the summary."
    )
    expect(page.locator("main")).to_contain_text("You can remind them again tomorrow")
    assert_accessible(page)

"""Issue 11, item 5 in the browser: the SPOC finds a pupil by name, then by UPN, and opens
what the school holds about them; the name never appears in a URL."""

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from incidents.services import Involvement, concern_log
from tests.factories import PupilFactory

from .test_concern_flow import look
from .test_sign_in import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_spoc_finds_a_pupil_and_reads_the_schools_records_about_them(
    page, spoc_a, staff_a, school_a
):
    amelia = PupilFactory(school=school_a, first_name="Amelia", last_name="Ashby", year_group=8)
    PupilFactory(school=school_a, first_name="Noah", last_name="Ashby", year_group=10)
    concern = concern_log(
        by=staff_a,
        school=school_a,
        kind="concern",
        category="bullying",
        narrative="Amelia was pushed on the stairs.",
        happened_at=timezone.now() - datetime.timedelta(hours=2),
        location="in_school",
        immediate_risk=False,
        involved=[Involvement(amelia, "victim")],
    )
    urls = []
    page.on("request", lambda request: urls.append(request.url))

    sign_in(page, spoc_a)
    page.get_by_role("link", name="Find a pupil at Ashdown Academy").click()
    expect(page.locator("h1")).to_have_text("Find a pupil")

    # Nothing entered: told what to enter, next to the field.
    page.get_by_role("button", name="Search").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text(
        "Enter a name, choose a year group or enter a UPN"
    )

    page.get_by_label("Name").fill("ashby")
    page.get_by_role("button", name="Search").click()
    found = page.get_by_role("table", name="Pupils found")
    expect(found.get_by_role("row")).to_have_count(3)  # the heading row and two pupils
    expect(page.get_by_label("Name")).to_have_value("ashby")
    look(page, "pupil-find")

    page.get_by_label("Name").fill("")
    page.get_by_label("UPN").fill(amelia.upn.lower())
    page.get_by_role("button", name="Search").click()
    expect(found.get_by_role("row")).to_have_count(2)
    expect(found).to_contain_text("Ashby, Amelia")
    expect(found).to_contain_text(amelia.upn)

    found.get_by_role("link", name="Ashby, Amelia").click()
    page.wait_for_url(re.compile(rf"/pupils/{amelia.code}/$"))
    expect(page.locator("main")).to_contain_text(concern.reference)

    assert not [url for url in urls if re.search("ashby|amelia", url, re.IGNORECASE)], urls
    assert page.csp_violations == []

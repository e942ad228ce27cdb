"""Crafted input posted to the portal's pages is refused with a message, never a 500."""

import datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from incidents.models import Concern, Incident
from referrals.models import Conference
from schools.models import Assignment
from tests.factories import PupilFactory, SchoolFactory
from tests.incidents.test_logging import base_form

TWENTY_DIGITS = "9" * 20


@pytest.fixture
def browser(db):
    """A client that answers as the server would: a crash is a 500, not an exception."""
    return Client(raise_request_exception=False)


def _date(name, day, month, year):
    return {f"{name}_0": str(day), f"{name}_1": str(month), f"{name}_2": str(year)}


def _concern(browser, staff, pupil, **overrides):
    browser.force_login(staff)
    data = base_form(pupils=[str(pupil.code)], **{f"role_{pupil.code}": "victim"}) | overrides
    return browser.post(reverse("concern_new"), data)


def test_a_twenty_digit_year_on_a_concern_is_refused_beside_the_field(browser, staff_a, pupil_a):
    response = _concern(browser, staff_a, pupil_a, **_date("happened_on", 1, 10, TWENTY_DIGITS))
    body = response.content.decode()
    assert response.status_code == 200
    assert "The date it happened must be a real date" in body
    assert "Pushed against the lockers and called names." in body
    assert not Concern.objects.exists()


def test_a_concern_cannot_have_happened_in_year_one(browser, staff_a, pupil_a):
    response = _concern(browser, staff_a, pupil_a, **_date("happened_on", 1, 10, "0001"))
    assert response.status_code == 200
    assert "The date it happened must be within the last 20 years" in response.content.decode()
    assert not Concern.objects.exists()


def test_a_concern_from_a_childhood_ago_is_still_accepted(browser, staff_a, spoc_a, pupil_a):
    years_ago = timezone.localdate() - datetime.timedelta(days=365 * 15)
    day = _date("happened_on", years_ago.day, years_ago.month, years_ago.year)
    response = _concern(browser, staff_a, pupil_a, **day)
    assert response.status_code == 302
    assert Concern.objects.get().happened_at.date().year == years_ago.year


def test_the_sergeants_assignment_form_refuses_a_twenty_digit_year(
    browser, force, sergeant, sspo_a
):
    school = SchoolFactory(force=force)
    browser.force_login(sergeant)
    data = {"officer": sspo_a.officer.collar_number} | _date("starts_on", 1, 9, TWENTY_DIGITS)
    response = browser.post(reverse("assign_officer", args=[school.code]), data)
    assert response.status_code == 200
    assert "The start date must be a real date" in response.content.decode()
    assert not Assignment.objects.filter(school=school).exists()


def test_an_officers_incident_refuses_a_twenty_digit_year(browser, sspo_a, school_a):
    browser.force_login(sspo_a)
    data = {
        "school": school_a.pk,
        "category": "drugs",
        "narrative": "Found cannabis in a locker.",
        "location": "in_school",
        "drugs_description": "Cannabis resin",
    } | _date("happened_on", 1, 10, TWENTY_DIGITS)
    response = browser.post(reverse("incident_new"), data)
    assert response.status_code == 400  # this page answers a refused form with 400
    assert "The date it happened must be a real date" in response.content.decode()
    assert not Incident.objects.exists()


@pytest.mark.parametrize("page", ["concern_new", "early_intervention_new"])
def test_a_nul_byte_in_a_pupil_search_keeps_the_page(browser, staff_a, pupil_a, page):
    browser.force_login(staff_a)
    response = browser.post(reverse(page), {"search": "1", "pupil_query": "Ash\x00by"})
    assert response.status_code == 200
    assert not Concern.objects.exists()


def test_a_nul_byte_in_the_incident_pupil_search_keeps_the_page(browser, sspo_a, pupil_a):
    browser.force_login(sspo_a)
    response = browser.post(reverse("incident_new"), {"search": "1", "pupil_query": "\x00"})
    assert response.status_code == 200


def test_a_nul_byte_in_the_conference_pupil_search_keeps_the_page(
    browser, sspo_a, pupil_a, school_a
):
    wanted = PupilFactory(school=school_a, first_name="Zachary", last_name="Quill")
    browser.force_login(sspo_a)
    url = reverse("conference_new", args=[pupil_a.code])
    response = browser.post(url, {"q": "\x00Quill", "search": "1", "pupils": [pupil_a.code]})
    assert response.status_code == 200
    # The NUL only separates words: the search still finds the pupil.
    assert str(wanted.code) in response.content.decode()
    assert not Conference.objects.exists()


CRAFTED = st.sampled_from(
    [TWENTY_DIGITS, "0001", "0", "-1", "\x00", "a\x00b", "\u202e", "١٢", "😀", "", "x" * 5000]
)


@settings(
    max_examples=15,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    field=st.sampled_from(
        ["happened_on_0", "happened_on_1", "happened_on_2", "happened_time", "category"]
        + ["narrative", "location", "immediate_risk", "pupil_query", "pupils", "add", "remove"]
    ),
    value=CRAFTED,
    action=st.sampled_from(["submit", "search", "add", "remove"]),
)
def test_no_crafted_concern_post_answers_500(browser, staff_a, pupil_a, field, value, action):
    browser.force_login(staff_a)
    data = base_form(pupils=[str(pupil_a.code)], **{f"role_{pupil_a.code}": "victim"})
    data.pop("submit")
    data |= {action: data.get(action, "1"), field: value}
    response = browser.post(reverse("concern_new"), data)
    assert response.status_code < 500, (field, value, action)


DATE_PARTS = st.sampled_from(["9" * 20, "0001", "0", "31", "2", "99999", "\x00", "١٢", "", "x"])


@settings(
    max_examples=15,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    day=DATE_PARTS,
    month=DATE_PARTS,
    year=DATE_PARTS,
    iso=st.sampled_from(["0001-01-01", "9999-12-31", "99999-01-01", "2026-02-30", "\x00", "x"]),
)
def test_no_crafted_filter_or_activity_answers_500(
    browser, spoc_a, sspo_a, school_a, day, month, year, iso
):
    browser.force_login(spoc_a)
    queue = browser.get(reverse("triage_queue"), {"date_from": iso, "date_to": iso})
    assert queue.status_code < 500, iso
    browser.force_login(sspo_a)
    dates = _date("since", day, month, year) | _date("until", day, month, year)
    listed = browser.get(reverse("activity_list"), dates)
    assert listed.status_code < 500, dates
    recorded = browser.post(
        reverse("activity_new"),
        {"kind": "patrol", "school": school_a.pk} | _date("on", day, month, year),
    )
    assert recorded.status_code < 500, (day, month, year)


@pytest.mark.parametrize("code", ["not-a-uuid", "\x00", "9" * 20])
@pytest.mark.parametrize("searching", [True, False])
def test_a_malformed_pupil_code_on_the_conference_form_is_ignored(
    browser, sspo_a, pupil_a, code, searching
):
    browser.force_login(sspo_a)
    data = {"pupils": [code], "held_on": "2026-01-01"}
    if searching:
        data |= {"search": "1", "q": "Ashby"}
    response = browser.post(reverse("conference_new", args=[pupil_a.code]), data)
    assert response.status_code == 200
    assert not Conference.objects.exists()

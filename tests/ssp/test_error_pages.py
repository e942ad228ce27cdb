"""Error pages are the portal's own: GOV.UK styled, in the layout, saying what happened to the
person's work and what to do, and naming nothing they should not see."""

import re
import uuid

import pytest
from django.conf import settings
from django.test import Client, RequestFactory
from django.urls import reverse
from django.views.defaults import server_error

from tests.factories import PupilFactory
from tests.incidents.conftest import make_concern  # noqa: F401 (a fixture)

LANDMARKS = ("<header", '<main class="govuk-main-wrapper', '<footer class="govuk-footer"')


def assert_portal_page(response, status, heading):
    body = response.content.decode()
    assert response.status_code == status
    assert f'<h1 class="govuk-heading-l">{heading}</h1>' in body
    for landmark in LANDMARKS:
        assert landmark in body
    assert "dist/app.css" in body  # GOV.UK styled, not Django's bare text
    assert "Traceback" not in body and "Server Error (500)" not in body
    return body


@pytest.fixture
def browser(db):
    return Client(raise_request_exception=False)


def test_debug_is_off_for_these_tests():
    assert settings.DEBUG is False


@pytest.mark.urls("tests.ssp.crash_urls")
def test_a_server_error_says_the_work_may_not_be_saved_and_what_to_do(browser, staff_a):
    browser.force_login(staff_a)
    body = assert_portal_page(
        browser.post("/crash/", {"narrative": "typed"}),
        500,
        "Sorry, there is a problem with the service",
    )
    assert "may not have been saved" in body
    assert "Go back and check" in body
    assert "contact your SPOC or the portal's administrator" in body
    assert "secret detail" not in body and "1234" not in body


def test_the_server_error_page_needs_no_database():
    # Django renders 500.html without a request context. This test has no database (pytest-django
    # refuses any query), as when the database is what failed.
    response = server_error(RequestFactory().get("/concerns/"))
    body = response.content.decode()
    assert response.status_code == 500
    assert "Sorry, there is a problem with the service" in body
    for landmark in LANDMARKS:
        assert landmark in body


def test_a_missing_page_is_the_portals_page(browser, staff_a):
    browser.force_login(staff_a)
    body = assert_portal_page(browser.get("/no-such-page/"), 404, "Page not found")
    assert "Nothing has been changed" in body


def _without_per_response_tokens(body: str) -> str:
    body = re.sub(r'nonce="[^"]*"', 'nonce=""', body)
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", body)


def test_another_schools_concern_is_the_same_page_as_a_missing_one(
    browser,
    make_concern,  # noqa: F811 (the fixture imported above)
    school_b,
    spoc_b,
    staff_a,
):
    theirs = make_concern(
        school=school_b, reported_by=spoc_b, pupils=[PupilFactory(school=school_b)]
    )
    browser.force_login(staff_a)
    hidden = browser.get(reverse("concern_detail", args=[theirs.code]))
    missing = browser.get(reverse("concern_detail", args=[uuid.uuid4()]))
    assert_portal_page(hidden, 404, "Page not found")
    assert _without_per_response_tokens(hidden.content.decode()) == _without_per_response_tokens(
        missing.content.decode()
    )
    assert str(theirs.code) not in hidden.content.decode()


def test_a_refused_action_is_the_portals_page(browser, staff_a):
    browser.force_login(staff_a)
    body = assert_portal_page(browser.get(reverse("incident_new")), 403, "You cannot do this")
    assert "Nothing has been saved or changed" in body


def test_a_bad_request_is_the_portals_page(browser):
    response = browser.get("/", HTTP_HOST="not-this-portal.example")
    body = assert_portal_page(response, 400, "There is a problem with your request")
    assert "Nothing has been saved" in body
    assert "not-this-portal" not in body


def test_an_expired_form_says_nothing_was_saved(db, staff_a, pupil_a):
    browser = Client(enforce_csrf_checks=True, raise_request_exception=False)
    browser.force_login(staff_a)
    response = browser.post(reverse("concern_new"), {"narrative": "typed", "submit": "1"})
    body = assert_portal_page(response, 403, "Your form could not be sent")
    assert "nothing you entered has been saved" in body

"""A record out of scope answers the portal's own 404 page, in the demo (DEBUG on) too."""

import uuid

import pytest
from django.urls import reverse


@pytest.mark.parametrize("debug", [True, False])
def test_another_teachers_concern_answers_the_portals_404_page(
    client, settings, staff_a2, concern_a, debug
):
    settings.DEBUG = debug
    client.force_login(staff_a2)
    response = client.get(reverse("concern_detail", args=[concern_a.code]))
    body = response.content.decode()
    assert response.status_code == 404
    assert '<h1 class="govuk-heading-l">Page not found</h1>' in body
    assert "URLconf" not in body and "Raised by" not in body and "DEBUG = True" not in body


def test_out_of_scope_and_missing_records_answer_the_same_page_in_the_demo(
    client, settings, staff_a2, concern_a
):
    settings.DEBUG = True
    client.force_login(staff_a2)
    out_of_scope = client.get(reverse("concern_detail", args=[concern_a.code]))
    missing = client.get(reverse("concern_detail", args=[uuid.uuid4()]))
    assert out_of_scope.status_code == missing.status_code == 404
    assert _main(out_of_scope) == _main(missing)


def _main(response):
    # The page around it carries a fresh CSP nonce and CSRF token on every answer.
    return response.content.decode().split("<main", 1)[1].split("</main>", 1)[0]


@pytest.mark.parametrize("debug", [True, False])
def test_an_unmatched_url_answers_the_portals_404_page_in_the_demo_too(
    client, settings, staff_a, debug
):
    settings.DEBUG = debug
    client.force_login(staff_a)
    response = client.get("/no-such-page/at-all/")
    body = response.content.decode()
    assert response.status_code == 404
    assert '<h1 class="govuk-heading-l">Page not found</h1>' in body
    assert "URLconf" not in body and "Raised by" not in body and "DEBUG = True" not in body
    assert "concerns/" not in body  # Django's debug page lists the URL patterns


def test_an_unmatched_url_is_the_same_page_as_a_missing_record_in_the_demo(
    client, settings, staff_a
):
    settings.DEBUG = True
    client.force_login(staff_a)
    unmatched = client.get("/no-such-page/")
    missing = client.get(reverse("concern_detail", args=[uuid.uuid4()]))
    assert unmatched.status_code == missing.status_code == 404
    assert _main(unmatched) == _main(missing)


def test_a_url_missing_its_slash_still_redirects_in_the_demo(client, settings, staff_a):
    settings.DEBUG = True
    client.force_login(staff_a)
    response = client.get("/concerns/mine")
    assert response.status_code == 301
    assert response["Location"] == "/concerns/mine/"

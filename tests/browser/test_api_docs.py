"""The API's docs in the browser: Swagger UI from the portal's own files, under its CSP."""

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_api_docs_draw_the_published_schema_with_nothing_from_elsewhere(page, live_server):
    requests = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto("/api/docs/")
    expect(page.get_by_text("/api/v1/incidents/changes/")).to_be_visible()
    expect(page.get_by_text("SSP Portal API").first).to_be_visible()
    assert page.csp_violations == []
    assert requests and all(url.startswith(live_server.url) for url in requests), requests

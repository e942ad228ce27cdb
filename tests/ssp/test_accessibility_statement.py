"""The accessibility statement (Public Sector Bodies (Websites and Mobile Applications) (No. 2)
Accessibility Regulations 2018): the GOV.UK model statement's sections, open to anyone, and
linked from the footer of every page."""

import re

import pytest
from django.test import override_settings
from django.urls import reverse

from tests.factories import UserFactory

STATEMENT = "/accessibility/"
# The model statement's sections, in its order.
SECTIONS = [
    "How accessible this portal is",
    "Feedback and contact information",
    "Reporting accessibility problems with this portal",
    "Enforcement procedure",
    "Technical information about this portal's accessibility",
    "Compliance status",
    "Non-accessible content",
    "Non-compliance with the accessibility regulations",
    "Disproportionate burden",
    "Content that is not within the scope of the accessibility regulations",
    "What we are doing to improve accessibility",
    "Preparation of this accessibility statement",
]


def footer_links_to_the_statement(body: str) -> bool:
    footer = re.search(r"<footer.*?</footer>", body, re.S)
    return footer is not None and f'href="{STATEMENT}">Accessibility statement</a>' in footer[0]


@override_settings(ACCESSIBILITY_CONTACT_EMAIL="access@force.example")
def test_the_statement_is_open_signed_out_with_every_section_in_order(client, db):
    assert reverse("accessibility") == STATEMENT
    response = client.get(STATEMENT)
    assert response.status_code == 200
    body = response.content.decode()
    headings = re.findall(r"<h[23] class=\"govuk-heading-[ms]\">(.*?)</h[23]>", body)
    assert headings == SECTIONS
    assert "Accessibility statement for the SSP Portal" in body
    assert 'href="mailto:access@force.example"' in body
    assert "WCAG 2.2" in body or "version 2.2" in body
    assert "partially compliant" in body
    assert "Equality Advisory and Support Service" in body
    assert "(No. 2) Accessibility Regulations 2018" in body
    assert footer_links_to_the_statement(body)


def test_someone_without_an_authenticator_may_read_it_and_nothing_else(client, school_a):
    person = UserFactory(mfa=False)
    client.force_login(person)
    assert client.get(STATEMENT).status_code == 200
    assert client.get(reverse("home"))["Location"] == reverse("mfa_activate_totp")


@pytest.mark.parametrize("who", [None, "staff_a", "sspo_a"])
def test_the_footer_links_to_it_signed_in_and_out(request, client, who):
    if who:
        client.force_login(request.getfixturevalue(who))
        path = reverse("home")
    else:
        path = reverse("account_login")
    response = client.get(path)
    assert response.status_code == 200
    assert footer_links_to_the_statement(response.content.decode())


def test_the_footer_links_to_it_from_a_page_that_is_not_found(client, staff_a):
    client.force_login(staff_a)
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert footer_links_to_the_statement(response.content.decode())


def test_the_administration_pages_link_to_it_too(client, admin_user):
    client.force_login(admin_user)
    response = client.get(reverse("admin:index"))
    assert response.status_code == 200
    assert footer_links_to_the_statement(response.content.decode())


def test_the_statement_says_how_the_timeout_warning_helps_and_what_it_cannot_do(client, db):
    page = client.get("/accessibility/").content.decode()
    assert "be warned 2 minutes before you are signed out" in page
    assert "without a warning first" not in page
    assert "this time cannot be made longer" in page

"""A double click on a concern form's button in a real browser makes one concern, one alert."""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from incidents.models import Concern
from ssp.models import Notification
from tests.factories import PupilFactory

from .test_sign_in import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_double_click_on_send_to_the_spoc_makes_one_concern(page, staff_a, spoc_a, school_a):
    PupilFactory(school=school_a, first_name="Amelia", last_name="Ashby", year_group=8)
    sign_in(page, staff_a)
    page.goto(reverse("early_intervention_new"))
    page.get_by_label("Find a pupil at Ashdown Academy by name").fill("ashby")
    page.get_by_role("button", name="Search", exact=True).click()
    page.get_by_role("button", name="Add pupil Amelia Ashby, Year 8").click()
    page.get_by_label("Role of Amelia Ashby").select_option(label="Other")
    page.get_by_label("What have you noticed").fill("Quieter than usual, missing lunch.")
    button = page.get_by_role("button", name="Send to the SPOC")
    button.scroll_into_view_if_needed()
    box = button.bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    # Two clicks as an impatient person makes them: the second before the next page arrives.
    page.mouse.click(x, y)
    page.wait_for_timeout(30)
    page.mouse.click(x, y)
    expect(page).to_have_url(re.compile(r"/concerns/[0-9a-f-]{36}/$"))
    concern = Concern.objects.get()
    expect(page.locator(".govuk-notification-banner")).to_contain_text(concern.reference)
    page.reload()
    assert Concern.objects.count() == 1
    assert Notification.objects.filter(recipient=spoc_a).count() == 1


def test_a_double_click_on_save_scheme_makes_one_scheme(page, sergeant, force):
    from referrals.models import Scheme

    sign_in(page, sergeant)
    page.goto(reverse("scheme_new"))
    page.get_by_label("Name").fill("Mentoring")
    page.get_by_label("Provider").fill("Mentors Ltd")
    page.get_by_label("Safeguarding the child's welfare").check()
    page.get_by_label("Criteria").fill("Any pupil")
    page.get_by_label("Contact").fill("m@example.org")
    button = page.get_by_role("button", name="Save scheme")
    button.scroll_into_view_if_needed()
    box = button.bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.click(x, y)
    page.wait_for_timeout(30)
    page.mouse.click(x, y)
    expect(page).to_have_url(re.compile(r"/schemes/$"))
    page.reload()
    assert Scheme.objects.filter(name="Mentoring").count() == 1

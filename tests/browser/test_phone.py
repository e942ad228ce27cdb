"""A busy SPOC between lessons, an officer on a phone (issue 11, items 6 and 7), walked at
375 pixels: no page scrolls sideways, the queue's first concern is above the fold with its
filters folded, and the concern and incident forms keep their place and show only what the
chosen category needs."""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from tests.factories import PupilFactory
from tests.incidents.conftest import make_concern  # noqa: F401

from .test_concern_flow import PHONE, look
from .test_overview import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def phone(page):
    page.set_viewport_size(PHONE)
    return page


@pytest.fixture
def phone_without_js(browser, live_server):
    context = browser.new_context(
        base_url=live_server.url, viewport=PHONE, java_script_enabled=False
    )
    yield context.new_page()
    context.close()


# What sticks out past the right edge, to say which part of a page is too wide.
STICKING_OUT = """() => [...document.querySelectorAll("main *")]
    .filter((e) => e.getBoundingClientRect().right > window.innerWidth + 1)
    .slice(-3).map((e) => `${e.tagName}.${e.className}: ${e.textContent.slice(0, 40)}`)"""


def assert_fits(page, url=None):
    if url:
        page.goto(url)
    expect(page.locator("h1")).to_be_visible()
    width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1], f"{url or page.url} scrolls sideways: {width}, " + " | ".join(
        page.evaluate(STICKING_OUT)
    )


@pytest.fixture
def a_busy_school(make_concern, school_a, staff_a):  # noqa: F811
    pupils = [
        PupilFactory(school=school_a, first_name="Maximilian-Alexander", last_name=name)
        for name in ("Fotheringham-Worthington", "Abercrombie-Featherstonehaugh")
    ]
    for k in range(12):
        make_concern(
            school=school_a,
            reported_by=staff_a,
            pupils=pupils,
            category="blades" if k % 2 else "welfare",
            immediate_risk=k == 0,
        )


def test_no_page_scrolls_sideways_at_375_pixels(
    phone, a_busy_school, school_a, head_a, spoc_a, sergeant, sspo_a
):
    partnership = school_a.partnership
    sign_in(phone, head_a)
    for url in (
        reverse("partnership_detail", args=[partnership.code]),  # the signatures table
        reverse("partnership_list"),
        reverse("sharing_log"),
        reverse("action_plan", args=[partnership.code]),
        reverse("review_list", args=[partnership.code]),
        reverse("awareness_staff", args=[partnership.code]),
        reverse("school_detail", args=[school_a.code]),
        reverse("overview"),
        reverse("triage_queue"),
    ):
        assert_fits(phone, url)
    look(phone, "partnership-detail-phone")

    sign_in(phone, sergeant)
    for url in (
        reverse("overview"),
        reverse("partnership_list"),
        reverse("partnership_detail", args=[partnership.code]),
        reverse("document_list"),
        "/",
    ):
        assert_fits(phone, url)
    phone.goto(reverse("overview"))
    # The overview's wide table scrolls in its own box, which a keyboard can reach.
    region = phone.get_by_role("region", name=re.compile("^Partnerships"))
    expect(region).to_have_attribute("tabindex", "0")
    look(phone, "overview-phone")

    sign_in(phone, sspo_a)
    for url in (
        reverse("incident_list"),
        reverse("referral_list"),
        reverse("conference_list"),
        reverse("enquiry_list"),
        reverse("activity_list"),
        "/",
    ):
        assert_fits(phone, url)


def test_the_queue_comes_first_on_a_phone_with_its_filters_folded(
    phone, phone_without_js, a_busy_school, spoc_a
):
    sign_in(phone, spoc_a)
    phone.goto(reverse("triage_queue"))
    status = phone.get_by_label("Status (optional)", exact=True)
    toggle = phone.get_by_role("button", name="Show filters")
    expect(toggle).to_be_visible()
    expect(status).to_be_hidden()
    first = phone.locator("main tbody tr").first
    expect(first).to_contain_text("Immediate risk")
    box = first.bounding_box()
    assert box["y"] + box["height"] <= PHONE["height"], box  # above the fold
    # Its two red tags (awaiting triage, a child at immediate risk) read as two, not one block.
    tags = first.locator(".govuk-tag--red")
    expect(tags).to_have_count(2)
    upper, lower = tags.nth(0).bounding_box(), tags.nth(1).bounding_box()
    assert lower["y"] >= upper["y"] + upper["height"] + 4, (upper, lower)
    assert_fits(phone)

    toggle.click()
    expect(status).to_be_visible()
    status.select_option("new")
    phone.get_by_role("button", name="Apply filters").click()
    expect(phone.locator("main tbody tr").first).to_contain_text("Awaiting triage")
    look(phone, "queue-phone")

    # Without JavaScript the filters are simply there, and work.
    sign_in(phone_without_js, spoc_a)
    phone_without_js.goto(reverse("triage_queue"))
    expect(phone_without_js.get_by_label("Status (optional)", exact=True)).to_be_visible()
    expect(phone_without_js.get_by_role("button", name="Show filters")).to_have_count(0)
    assert_fits(phone_without_js)


def test_the_activity_log_and_referrals_fold_their_filters_too(phone, spoc_a, sspo_a):
    sign_in(phone, spoc_a)
    phone.goto(reverse("activity_list"))
    expect(phone.get_by_role("button", name="Show filters")).to_be_visible()
    expect(phone.get_by_label("Kind (optional)", exact=True)).to_be_hidden()
    sign_in(phone, sspo_a)
    phone.goto(reverse("referral_list"))
    expect(phone.get_by_role("button", name="Show filters")).to_be_visible()


@pytest.fixture
def ashbys(school_a):
    PupilFactory(school=school_a, first_name="Amelia", last_name="Ashby", year_group=8)
    PupilFactory(school=school_a, first_name="Noah", last_name="Ashby", year_group=10)


# A short screen, so the pupils found are below the fold of the page as it first opens.
SHORT_PHONE = {"width": 375, "height": 480}


def test_a_pupil_search_and_add_keep_the_place_on_the_concern_form(phone, ashbys, staff_a):
    sign_in(phone, staff_a)
    phone.set_viewport_size(SHORT_PHONE)
    phone.goto(reverse("concern_new"))
    phone.get_by_label("What happened").fill("Typed before the search.")
    phone.evaluate("window.notReloaded = true")
    phone.get_by_label("Find a pupil at Ashdown Academy by name").fill("ashby")
    phone.get_by_role("button", name="Search", exact=True).click()
    amelia = phone.get_by_role("button", name="Add pupil Amelia Ashby, Year 8")
    expect(amelia).to_be_focused()
    assert phone.evaluate("window.notReloaded === true")  # only the pupils part changed
    expect(amelia).to_be_in_viewport()
    amelia.click()
    expect(phone.get_by_label("Role of Amelia Ashby")).to_be_focused()
    assert phone.evaluate("window.notReloaded === true")
    expect(phone.get_by_label("What happened")).to_have_value("Typed before the search.")
    look(phone, "concern-form-added-phone")


def test_without_javascript_a_search_comes_back_at_the_pupils(phone_without_js, ashbys, staff_a):
    page = phone_without_js
    sign_in(page, staff_a)
    page.set_viewport_size(SHORT_PHONE)
    page.goto(reverse("concern_new"))
    page.get_by_label("What happened").fill("Typed before the search.")
    page.get_by_label("Find a pupil at Ashdown Academy by name").fill("ashby")
    page.get_by_role("button", name="Search", exact=True).click()
    amelia = page.get_by_role("button", name="Add pupil Amelia Ashby, Year 8")
    expect(amelia).to_be_focused()
    expect(amelia).to_be_in_viewport()
    amelia.click()
    expect(page.get_by_label("Role of Amelia Ashby")).to_be_focused()
    expect(page.get_by_label("Role of Amelia Ashby")).to_be_in_viewport()
    expect(page.get_by_label("What happened")).to_have_value("Typed before the search.")


def test_a_concern_about_images_names_each_missing_fact_once(phone, ashbys, staff_a):
    sign_in(phone, staff_a)
    phone.goto(reverse("concern_new"))
    images = phone.get_by_role("heading", name="Images (only for the image categories)")
    expect(images).to_be_hidden()
    phone.get_by_label("Category").select_option(label="Possession or sending of indecent images")
    expect(images).to_be_visible()
    expect(phone.get_by_label("Where is the device now?", exact=True)).to_be_visible()
    expect(phone.locator("main")).not_to_contain_text("Where is the device now? (optional)")
    phone.get_by_role("button", name="Log concern").click()
    links = phone.locator(".govuk-error-summary a")
    texts = links.all_inner_texts()
    assert len(texts) == len(set(texts)), texts
    for text in (
        "Describe the images, without copying, saving or forwarding them",
        "Say where the device is now",
        "Say who has been told about the images",
    ):
        assert texts.count(text) == 1, texts


def test_the_incident_form_shows_the_chosen_categorys_facts(
    phone, phone_without_js, sspo_a, school_a
):
    sign_in(phone, sspo_a)
    phone.goto(reverse("incident_new"))
    groups = {
        key: phone.locator(f"[data-facts={key}]")
        for key in ("weapons", "drugs", "injuries", "images")
    }
    for group in groups.values():
        expect(group).to_be_hidden()
    phone.get_by_label("Category").select_option(label="Possession of drugs")
    expect(groups["drugs"]).to_be_visible()
    expect(phone.get_by_label("What was found", exact=True)).to_be_visible()
    for key in ("weapons", "injuries", "images"):
        expect(groups[key]).to_be_hidden()
    phone.get_by_label("Category").select_option(label="Possession of blades (any type)")
    expect(groups["weapons"]).to_be_visible()
    expect(groups["drugs"]).to_be_hidden()
    look(phone, "incident-form-phone")

    # Without JavaScript every category's facts are there, each under its heading.
    sign_in(phone_without_js, sspo_a)
    phone_without_js.goto(reverse("incident_new"))
    for heading in ("Weapons and blades", "Drugs", "Serious visible injuries", "Images"):
        expect(phone_without_js.get_by_role("heading", name=heading, exact=True)).to_be_visible()

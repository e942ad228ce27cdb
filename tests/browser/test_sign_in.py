import re
import time

import pytest
from playwright.sync_api import expect

from tests.factories import PASSWORD, MembershipFactory, UserFactory, totp_now

from .conftest import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page, user, *, lands_on=r"^https?://[^/]+/$"):
    page.goto("/accounts/login/")
    page.fill("input[name=login]", user.email)
    page.fill("input[name=password]", PASSWORD)
    page.locator("main button[type=submit]").first.click()
    page.wait_for_url("**/accounts/2fa/authenticate/")
    left = 30 - time.time() % 30
    if left < 5:  # a code that expires before the server reads it would fail the sign-in
        time.sleep(left + 0.1)
    page.fill("input[name=code]", totp_now(user.totp_secret))
    page.locator("main form button[type=submit]").first.click()
    # The home page itself by default: the authenticate page's path also ends in "/".
    page.wait_for_url(re.compile(lands_on))


@pytest.mark.parametrize(
    "who, heading, sees, does_not_see",
    [
        ("staff_a", "Your school", "Ashdown Academy", "Brookfield School"),
        ("spoc_a", "Your school", "Dan Okafor", "Brookfield School"),
        ("head_a", "Your school", "Ashdown Academy", "Brookfield School"),
        ("sspo_a", "Your caseload", "Ashdown Academy", "Brookfield School"),
        ("sergeant", "Your team", "Brookfield School", "Coldharbour School"),
        ("yet_officer", "Schools you serve", "Coldharbour School", "Ashdown Academy"),
    ],
)
def test_each_role_signs_in_with_both_factors_and_sees_its_home(
    request, page, sspo_a, sspo_b, school_c, who, heading, sees, does_not_see
):
    user = request.getfixturevalue(who)
    sign_in(page, user)
    expect(page.locator("h1")).to_have_text(heading)
    body = page.locator("main").inner_text()
    assert sees in body
    assert does_not_see not in body
    assert page.csp_violations == []


def test_sign_in_and_home_pages_are_accessible(page, staff_a):
    page.goto("/accounts/login/")
    assert_accessible(page)
    page.fill("input[name=login]", staff_a.email)
    page.fill("input[name=password]", PASSWORD)
    page.locator("main button[type=submit]").first.click()
    page.wait_for_url("**/accounts/2fa/authenticate/")
    assert_accessible(page)
    page.fill("input[name=code]", totp_now(staff_a.totp_secret))
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_url(re.compile(r"/$"))
    assert_accessible(page)
    page.set_viewport_size({"width": 375, "height": 800})
    assert_accessible(page)


def test_a_wrong_password_shows_an_error_and_keeps_the_email(page, staff_a):
    page.goto("/accounts/login/")
    page.fill("input[name=login]", staff_a.email)
    page.fill("input[name=password]", "not the password")
    page.locator("main button[type=submit]").first.click()
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    expect(page.locator("input[name=login]")).to_have_value(staff_a.email)
    assert_accessible(page)


def test_a_new_person_is_made_to_set_up_an_authenticator(page, school_a):
    user = UserFactory(mfa=False)
    MembershipFactory(user=user, school=school_a)
    page.goto("/accounts/login/")
    page.fill("input[name=login]", user.email)
    page.fill("input[name=password]", PASSWORD)
    page.locator("main button[type=submit]").first.click()
    page.wait_for_url("**/accounts/2fa/totp/activate/")
    assert_accessible(page)
    page.goto("/")  # nothing else is open until enrolment is done
    page.wait_for_url("**/accounts/2fa/totp/activate/")
    secret = page.locator("main code").first.inner_text().strip()
    page.fill("input[name=code]", totp_now(secret))
    page.locator("main form button[type=submit]").first.click()
    page.goto("/")
    expect(page.locator("h1")).to_have_text("Your school")

import datetime
import re

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from django.contrib.sessions.models import Session
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from ssp.adapters import MFAAdapter
from ssp.middleware import SESSION_SEEN_KEY, SESSION_STARTED_KEY
from tests.factories import PASSWORD, UserFactory, totp_now

LOGIN = "/accounts/login/"


def password_step(client, user, password=PASSWORD):
    return client.post(LOGIN, {"login": user.email, "password": password})


def sign_in(client, user, code=None):
    response = password_step(client, user)
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_authenticate")
    return client.post(reverse("mfa_authenticate"), {"code": code or totp_now(user.totp_secret)})


def test_sign_in_asks_for_the_authentication_code_after_the_password(client, staff_a):
    response = password_step(client, staff_a)
    assert response["Location"] == reverse("mfa_authenticate")
    # The password alone signs nobody in.
    assert client.get("/").status_code == 302
    assert "_auth_user_id" not in client.session


def test_the_right_code_signs_in_and_lands_on_home(client, staff_a):
    response = sign_in(client, staff_a)
    assert response["Location"] == "/"
    assert client.get("/").status_code == 200
    assert client.session["_auth_user_id"] == str(staff_a.pk)


def test_a_wrong_code_is_refused(client, staff_a):
    right = totp_now(staff_a.totp_secret)
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    response = sign_in(client, staff_a, code=wrong)
    assert response.status_code == 200
    assert "Incorrect code" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_a_code_works_only_once(client, staff_a):
    code = totp_now(staff_a.totp_secret)
    sign_in(client, staff_a, code=code)
    client.post("/accounts/logout/")
    response = sign_in(client, staff_a, code=code)
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_recovery_codes_work_once_each(client, staff_a):
    code = RecoveryCodes.activate(staff_a).get_unused_codes()[0]
    assert sign_in(client, staff_a, code=code).status_code == 302
    client.post("/accounts/logout/")
    response = sign_in(client, staff_a, code=code)
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_without_an_authenticator_every_page_leads_to_enrolment(client, school_a):
    user = UserFactory(mfa=False)
    from tests.factories import MembershipFactory

    MembershipFactory(user=user, school=school_a)
    response = password_step(client, user)
    assert response.status_code == 302
    for url in ["/", f"/schools/{school_a.code}/", "/admin/", "/accounts/email/"]:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"] == reverse("mfa_activate_totp"), url
    # Enrolment itself is open, and completing it opens the portal.
    assert client.get(reverse("mfa_activate_totp")).status_code == 200
    secret = client.session["mfa.totp.secret"]
    response = client.post(reverse("mfa_activate_totp"), {"code": totp_now(secret)})
    assert response.status_code == 302
    assert Authenticator.objects.filter(user=user, type="totp").exists()
    assert client.get("/").status_code == 200


def test_totp_secrets_are_stored_encrypted(staff_a):
    stored = Authenticator.objects.get(user=staff_a, type="totp").data["secret"]
    assert staff_a.totp_secret not in stored
    assert stored.startswith("aesgcm1:")
    assert MFAAdapter().decrypt(stored) == staff_a.totp_secret


def test_an_unencrypted_secret_is_refused(staff_a):
    with pytest.raises(ValueError):
        MFAAdapter().decrypt(staff_a.totp_secret)


def test_the_last_authenticator_cannot_be_removed(staff_a):
    totp = Authenticator.objects.get(user=staff_a, type="totp")
    assert MFAAdapter().can_delete_authenticator(totp) is False


def test_five_failed_passwords_lock_the_account_for_a_while(client, staff_a):
    for _ in range(5):
        response = password_step(client, staff_a, password="not the password at all")
        assert "_auth_user_id" not in client.session
    response = password_step(client, staff_a)  # even the right password is refused now
    assert response.status_code == 200
    assert "Too many failed login attempts" in response.content.decode()


def test_nobody_can_sign_themselves_up(client, db):
    response = client.post(
        "/accounts/signup/",
        {
            "email": "new@example.org",
            "password1": PASSWORD,
            "password2": PASSWORD,
        },
    )
    assert "Sign Up Closed" in response.content.decode()
    from ssp.models import User

    assert not User.objects.filter(email="new@example.org").exists()


class TestAdmin:
    def test_the_admin_login_page_hands_over_to_the_portals_sign_in(self, client, admin_user):
        response = client.get("/admin/login/?next=/admin/")
        assert response.status_code == 302
        assert response["Location"].startswith(LOGIN)
        client.post("/admin/login/", {"username": admin_user.email, "password": PASSWORD})
        assert "_auth_user_id" not in client.session

    def test_a_password_alone_does_not_open_the_admin(self, client, admin_user):
        password_step(client, admin_user)
        response = client.get("/admin/", follow=True)
        # Back to the sign-in, which resumes at the second factor it is still waiting for.
        assert response.redirect_chain[-1][0] == reverse("mfa_authenticate")
        assert "_auth_user_id" not in client.session

    def test_both_factors_open_the_admin(self, client, admin_user):
        sign_in(client, admin_user)
        assert client.get("/admin/").status_code == 200

    def test_the_admin_is_no_way_round_enrolment(self, client, db):
        user = UserFactory(mfa=False, is_staff=True, is_superuser=True)
        password_step(client, user)
        for url in ("/admin/", "/admin/ssp/user/", "/admin/login/"):
            assert client.get(url)["Location"] == reverse("mfa_activate_totp"), url

    def test_school_people_are_refused_by_the_admin(self, client, staff_a):
        sign_in(client, staff_a)
        assert client.get("/admin/", follow=True).status_code == 403


class TestSessions:
    def test_a_new_session_key_at_sign_in(self, client, staff_a):
        client.get(LOGIN)
        session = client.session
        session["probe"] = 1
        session.save()
        before = session.session_key
        sign_in(client, staff_a)
        assert client.session.session_key != before

    def test_thirty_idle_minutes_end_the_session(self, client, staff_a):
        sign_in(client, staff_a)
        session = Session.objects.get(session_key=client.session.session_key)
        assert session.expire_date <= timezone.now() + datetime.timedelta(minutes=30)
        session.expire_date = timezone.now() - datetime.timedelta(seconds=1)
        session.save()
        assert client.get("/")["Location"].startswith(LOGIN)

    def test_each_request_pushes_the_idle_limit_on(self, client, staff_a):
        sign_in(client, staff_a)
        session = client.session
        session[SESSION_SEEN_KEY] -= 61  # a minute since the last refresh
        session.save()
        key = client.session.session_key
        Session.objects.filter(session_key=key).update(
            expire_date=timezone.now() + datetime.timedelta(minutes=1)
        )
        assert client.get("/").status_code == 200
        expiry = Session.objects.get(session_key=key).expire_date
        assert expiry > timezone.now() + datetime.timedelta(minutes=29)

    def test_eight_hours_end_the_session_however_busy(self, client, staff_a):
        sign_in(client, staff_a)
        session = client.session
        session[SESSION_STARTED_KEY] = (
            timezone.now() - datetime.timedelta(hours=8, minutes=1)
        ).timestamp()
        session.save()
        assert client.get("/")["Location"].startswith(LOGIN)
        assert client.get("/")["Location"].startswith(LOGIN)

    def test_seven_hours_in_the_session_still_works(self, client, staff_a):
        sign_in(client, staff_a)
        session = client.session
        session[SESSION_STARTED_KEY] = (timezone.now() - datetime.timedelta(hours=7)).timestamp()
        session.save()
        assert client.get("/").status_code == 200

    def test_sign_out_ends_the_session_on_the_server(self, client, staff_a):
        sign_in(client, staff_a)
        key = client.session.session_key
        client.post("/accounts/logout/")
        assert not Session.objects.filter(session_key=key).exists()

    def test_disabling_an_account_ends_its_sessions(self, client, staff_a):
        sign_in(client, staff_a)
        staff_a.is_active = False
        staff_a.save()
        assert client.get("/")["Location"].startswith(LOGIN)

    def test_session_cookie_is_httponly_and_samesite(self, client, staff_a):
        sign_in(client, staff_a)
        cookie = client.cookies["sessionid"]
        assert cookie["httponly"]
        assert cookie["samesite"] == "Lax"


class TestPasswordReset:
    def reset_link(self, client, user):
        client.post("/accounts/password/reset/", {"email": user.email})
        assert len(mail.outbox) == 1
        return re.search(r"http://\S+/accounts/password/reset/key/\S+", mail.outbox[0].body)[0]

    def test_reset_works_once_and_still_asks_for_the_code(self, client, staff_a):
        link = self.reset_link(client, staff_a).split("testserver", 1)[1]
        page = client.get(link, follow=True)
        form_url = page.redirect_chain[-1][0] if page.redirect_chain else link
        new = "a brand new long passphrase"
        response = client.post(form_url, {"password1": new, "password2": new})
        assert response.status_code == 302
        assert "_auth_user_id" not in client.session  # reset never signs anyone in
        staff_a.refresh_from_db()
        assert staff_a.check_password(new)
        # The same link is dead now.
        again = client.get(link, follow=True)
        assert "bad token" in again.content.decode().lower() or "invalid" in (
            again.content.decode().lower()
        )
        # And signing in with the new password still needs the second factor.
        response = client.post(LOGIN, {"login": staff_a.email, "password": new})
        assert response["Location"] == reverse("mfa_authenticate")


@pytest.mark.parametrize(
    "password, message",
    [
        ("short", "too short"),
        ("password1234", "too common"),
        ("123456789012345", "entirely numeric"),
    ],
)
def test_weak_passwords_are_refused(password, message, db):
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as error:
        validate_password(password)
    assert message in " ".join(error.value.messages)


def test_a_long_passphrase_without_composition_rules_is_accepted(db):
    from django.contrib.auth.password_validation import validate_password

    validate_password("the quick brown fox jumps over the lazy dog " * 3)


def test_changing_authenticators_later_asks_to_reauthenticate(client, staff_a):
    sign_in(client, staff_a)
    assert client.get(reverse("mfa_add_webauthn")).status_code == 200  # just signed in
    session = client.session
    for record in session["account_authentication_methods"]:
        record["at"] -= 6 * 60
    session.save()
    response = client.get(reverse("mfa_add_webauthn"))
    assert response.status_code == 302
    assert "reauthenticate" in response["Location"]


def test_a_passkey_can_be_the_first_authenticator(client, school_a):
    from tests.factories import MembershipFactory

    user = UserFactory(mfa=False)
    MembershipFactory(user=user, school=school_a)
    password_step(client, user)
    response = client.get(reverse("mfa_add_webauthn"))
    assert response.status_code == 200
    assert 'name="credential"' in response.content.decode()


def test_passkey_sign_in_is_offered_on_the_sign_in_page(client, db):
    body = client.get(LOGIN).content.decode()
    assert reverse("mfa_login_webauthn") in body


def test_the_admin_home_offers_invitations(client, admin_user):
    sign_in(client, admin_user)
    assert reverse("invite_anyone") in client.get("/admin/").content.decode()


def test_the_security_pages_list_of_passkeys_opens(client, staff_a):
    # allauth's template loads django.contrib.humanize; without the app it answered 500.
    client.force_login(staff_a)
    response = client.get(reverse("mfa_list_webauthn"))
    assert response.status_code == 200

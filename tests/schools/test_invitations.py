import datetime
import re

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from schools.models import Invitation, Membership, Officer
from ssp.models import User
from ssp.roles import Role

NEW_PASSWORD = "a long and memorable passphrase"


def _link(message) -> str:
    return re.search(r"http://\S+(/invitations/\S+/)", message.body)[1]


def _invite_staff(client, head, school, **overrides):
    client.force_login(head)
    data = {
        "first_name": "Nina",
        "last_name": "Newton",
        "email": "Nina.Newton@example.org",
        "job_title": "Teacher of Maths",
    } | overrides
    return client.post(reverse("invite_staff", args=[school.code]), data)


def test_head_invites_staff_who_join_their_school_and_must_enrol(client, school_a, head_a):
    response = _invite_staff(client, head_a, school_a)
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["nina.newton@example.org"]
    client.logout()
    link = _link(message)
    page = client.get(link)
    assert "Welcome, Nina" in page.content.decode()
    response = client.post(link, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert response.status_code == 302
    user = User.objects.get(email="nina.newton@example.org")
    membership = Membership.objects.get(user=user)
    assert (membership.school, membership.position) == (school_a, "staff")
    assert user.role == Role.STAFF
    # Signed in, but the first stop is setting up the second factor.
    assert client.get("/")["Location"] == reverse("mfa_activate_totp")
    assert client.get(reverse("mfa_activate_totp")).status_code == 200


def test_an_invitation_link_works_once(client, school_a, head_a):
    _invite_staff(client, head_a, school_a)
    client.logout()
    link = _link(mail.outbox[0])
    client.post(link, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    client.logout()
    response = client.get(link)
    assert response.status_code == 404
    assert "cannot be used" in response.content.decode()
    response = client.post(link, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert response.status_code == 404
    assert User.objects.filter(email="nina.newton@example.org").count() == 1


def test_an_expired_invitation_cannot_be_used(client, school_a, head_a):
    _invite_staff(client, head_a, school_a)
    client.logout()
    invitation = Invitation.objects.get()
    invitation.expires_at = timezone.now() - datetime.timedelta(minutes=1)
    invitation.save()
    assert client.get(_link(mail.outbox[0])).status_code == 404


def test_only_a_hash_of_the_token_is_stored(client, school_a, head_a):
    _invite_staff(client, head_a, school_a)
    token = _link(mail.outbox[0]).strip("/").split("/")[-1]
    assert not Invitation.objects.filter(token_hash=token).exists()
    assert token not in Invitation.objects.get().token_hash


def test_a_weak_or_mismatched_password_is_refused_with_a_message(client, school_a, head_a):
    _invite_staff(client, head_a, school_a)
    client.logout()
    link = _link(mail.outbox[0])
    body = client.post(link, {"password1": "short", "password2": "short"}).content.decode()
    assert "too short" in body
    body = client.post(link, {"password1": NEW_PASSWORD, "password2": "different one!!"})
    assert "do not match" in body.content.decode()
    assert not User.objects.filter(email="nina.newton@example.org").exists()


def test_bad_invitation_input_is_refused_and_kept(client, school_a, head_a, staff_a):
    response = _invite_staff(client, head_a, school_a, email=staff_a.email, first_name="Kept")
    body = response.content.decode()
    assert response.status_code == 200
    assert "already has an account" in body
    assert 'value="Kept"' in body
    response = _invite_staff(client, head_a, school_a, email="not-an-email", last_name="")
    body = response.content.decode()
    assert "Enter a valid email address" in body
    assert "This field is required" in body
    assert 'value="not-an-email"' in body
    assert not Invitation.objects.exists()


@pytest.mark.parametrize(
    "who, status",
    [
        ("head_a", 200),
        ("spoc_a", 403),
        ("staff_a", 403),
        ("sspo_a", 403),
        ("head_b", 404),
        ("other_sergeant", 404),
        ("yet_officer", 404),
    ],
)
def test_only_the_head_invites_staff_to_their_school(request, client, school_a, who, status):
    client.force_login(request.getfixturevalue(who))
    url = reverse("invite_staff", args=[school_a.code])
    assert client.get(url).status_code == status
    client.post(url, {"first_name": "X", "last_name": "Y", "email": "x@example.org"})
    assert Invitation.objects.exists() == (status == 200)


def test_sergeant_invites_an_officer_into_their_team(client, sergeant, safer_team):
    client.force_login(sergeant)
    response = client.post(
        reverse("invite_officer"),
        {
            "first_name": "Olu",
            "last_name": "Ade",
            "email": "olu@example.org",
            "collar_number": "3999",
        },
    )
    assert response.status_code == 302
    client.logout()
    client.post(_link(mail.outbox[0]), {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    officer = Officer.objects.get(user__email="olu@example.org")
    assert (officer.team, officer.collar_number, officer.role) == (safer_team, "3999", Role.SSPO)


@pytest.mark.parametrize("who", ["sspo_a", "head_a", "staff_a", "yet_officer"])
def test_only_a_sergeant_invites_officers(request, client, who):
    client.force_login(request.getfixturevalue(who))
    assert client.get(reverse("invite_officer")).status_code == 403


def test_admin_invites_a_head_teacher(client, admin_user, school_c):
    client.force_login(admin_user)
    response = client.post(
        reverse("invite_anyone"),
        {
            "first_name": "Hal",
            "last_name": "Head",
            "email": "hal@example.org",
            "role": "head",
            "school": str(school_c.code),
        },
    )
    assert response.status_code == 302
    invitation = Invitation.objects.get()
    assert (invitation.role, invitation.school, invitation.is_slt) == ("head", school_c, True)


def test_admin_must_choose_a_team_for_an_officer(client, admin_user):
    client.force_login(admin_user)
    response = client.post(
        reverse("invite_anyone"),
        {
            "first_name": "Pat",
            "last_name": "Cop",
            "email": "pat@example.org",
            "role": "sspo",
        },
    )
    body = response.content.decode()
    assert "Choose the team" in body
    assert "collar number" in body
    assert not Invitation.objects.exists()


@pytest.mark.parametrize("who", ["head_a", "sergeant", "staff_a"])
def test_only_an_admin_invites_anyone(request, client, who):
    client.force_login(request.getfixturevalue(who))
    assert client.get(reverse("invite_anyone")).status_code == 403

"""The warning before the portal signs a person out: its "Stay signed in" starts the idle time
again on the server, the 8-hour limit stays, and the page is told when the session ends."""

import datetime
import json

import pytest
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from ssp.middleware import SESSION_STARTED_KEY
from tests.factories import MembershipFactory, UserFactory

from .test_sign_in import LOGIN, password_step, sign_in

pytestmark = pytest.mark.django_db

URL = reverse("session_keep_alive")


def _expiring_in_a_minute(client):
    key = client.session.session_key
    Session.objects.filter(session_key=key).update(
        expire_date=timezone.now() + datetime.timedelta(minutes=1)
    )
    return key


def test_stay_signed_in_starts_the_idle_time_again(client, staff_a, settings):
    sign_in(client, staff_a)
    key = _expiring_in_a_minute(client)
    response = client.post(URL)
    assert response.status_code == 200
    clock = response.json()
    assert clock["signed_in"] is True
    assert clock["idle_seconds"] == settings.SESSION_COOKIE_AGE == 30 * 60
    started = client.session[SESSION_STARTED_KEY]
    assert clock["ends_at"] == int(started + 8 * 3600)
    expiry = Session.objects.get(session_key=key).expire_date
    assert expiry > timezone.now() + datetime.timedelta(minutes=29)


def test_it_cannot_stretch_the_eight_hours(client, staff_a):
    sign_in(client, staff_a)
    session = client.session
    session[SESSION_STARTED_KEY] = (
        timezone.now() - datetime.timedelta(hours=8, minutes=1)
    ).timestamp()
    session.save()
    response = client.post(URL)
    assert response.status_code == 302 and response["Location"].startswith(LOGIN)
    assert client.get("/")["Location"].startswith(LOGIN)


def test_someone_signed_out_is_told_so_and_not_sent_to_a_page(client, db):
    response = client.post(URL)
    assert response.status_code == 401
    assert response.json() == {"signed_in": False}


def test_it_only_answers_a_post_with_the_forms_token(staff_a):
    client = Client(enforce_csrf_checks=True)
    client.force_login(staff_a)
    assert client.get(URL).status_code == 405
    assert client.post(URL).status_code == 403


def test_someone_setting_up_their_authenticator_can_stay_signed_in_too(client, school_a):
    # Without an authenticator every other page leads to enrolment (RequireMFAMiddleware).
    user = UserFactory(mfa=False)
    MembershipFactory(user=user, school=school_a)
    assert password_step(client, user).status_code == 302
    assert client.get("/")["Location"] == reverse("mfa_activate_totp")
    response = client.post(URL)
    assert response.status_code == 200 and response.json()["signed_in"] is True


def test_every_page_for_a_signed_in_person_carries_the_warning_and_its_clock(
    client, staff_a, settings
):
    sign_in(client, staff_a)
    page = client.get("/").content.decode()
    assert 'id="session-timeout"' in page
    assert f'data-idle-seconds="{settings.SESSION_COOKIE_AGE}"' in page
    assert f'data-keep-alive="{URL}"' in page
    assert "after 30 minutes without activity" in page
    assert 'id="sign-out-form"' in page


def test_pages_for_someone_signed_out_have_no_warning(client, db):
    assert 'id="session-timeout"' not in client.get(LOGIN).content.decode()
    assert json.loads(client.post(URL).content)["signed_in"] is False

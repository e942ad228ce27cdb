"""Stepping up before an export asks for a second factor, and holds for a short window
(issue 10, hole 2). SECURITY.md: never a password or an e-mailed code alone."""

import datetime
import re

import pytest
import time_machine
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from tests.factories import PASSWORD, step_up, totp_code

EXPORTS = ["overview_partnerships_csv", "overview_concerns_csv", "overview_triage_csv"]


def asked_to_step_up(response) -> bool:
    return response.status_code == 302 and response["Location"].startswith(
        reverse("mfa_reauthenticate")
    )


@pytest.mark.parametrize("export", EXPORTS)
def test_an_export_first_asks_for_the_authenticator_code(client, sergeant, export):
    client.force_login(sergeant)
    assert asked_to_step_up(client.get(reverse(export)))


def test_a_password_alone_does_not_unlock_an_export(client, sergeant):
    client.force_login(sergeant)
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    assert asked_to_step_up(client.get(reverse("overview_partnerships_csv")))


def test_an_emailed_code_alone_does_not_unlock_an_export(client, sergeant):
    client.force_login(sergeant)
    client.post(reverse("account_request_reauthentication_code"), {"email": sergeant.email})
    sent = [m.body for m in mail.outbox]
    code = re.search(r"^\s*([A-Z0-9]{6})\s*$", "\n".join(sent), re.MULTILINE) if sent else None
    if code is not None:
        client.post(reverse("account_confirm_reauthentication_code"), {"code": code[1]})
    assert asked_to_step_up(client.get(reverse("overview_partnerships_csv")))


def test_the_authenticator_code_unlocks_an_export(client, sergeant):
    client.force_login(sergeant)
    step_up(client)
    response = client.get(reverse("overview_partnerships_csv"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")


def test_a_recovery_code_unlocks_an_export(client, sergeant):
    client.force_login(sergeant)
    code = RecoveryCodes.activate(sergeant).get_unused_codes()[0]
    assert client.post(reverse("mfa_reauthenticate"), {"code": code}).status_code == 302
    assert client.get(reverse("overview_partnerships_csv")).status_code == 200


def test_signing_in_is_not_a_step_up(client, sergeant):
    # The sign-in's own factors do not count: an export asks for a fresh proof.
    client.post(reverse("account_login"), {"login": sergeant.email, "password": PASSWORD})
    client.post(reverse("mfa_authenticate"), {"code": totp_code(sergeant.pk)})
    assert client.session["_auth_user_id"] == str(sergeant.pk)
    assert asked_to_step_up(client.get(reverse("overview_partnerships_csv")))


def test_more_exports_within_ten_minutes_are_not_asked_again(client, sergeant):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        client.force_login(sergeant)
        step_up(client)
        assert client.get(reverse("overview_partnerships_csv")).status_code == 200
    with time_machine.travel(start + datetime.timedelta(minutes=9), tick=False):
        assert client.get(reverse("overview_concerns_csv")).status_code == 200
        assert client.get(reverse("overview_triage_csv")).status_code == 200


def test_after_ten_minutes_an_export_asks_again(client, sergeant):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        client.force_login(sergeant)
        step_up(client)
        assert client.get(reverse("overview_partnerships_csv")).status_code == 200
    with time_machine.travel(start + datetime.timedelta(minutes=11), tick=False):
        assert asked_to_step_up(client.get(reverse("overview_partnerships_csv")))
        step_up(client)
        assert client.get(reverse("overview_partnerships_csv")).status_code == 200


def test_the_password_step_up_page_is_closed(client, sergeant):
    client.force_login(sergeant)
    assert (
        client.post(reverse("account_reauthenticate"), {"password": PASSWORD}).status_code == 403
    )


def test_changing_the_password_first_asks_for_the_authenticator_code(client, sergeant):
    client.force_login(sergeant)
    assert asked_to_step_up(client.get(reverse("account_change_password")))
    step_up(client)
    assert client.get(reverse("account_change_password")).status_code == 200

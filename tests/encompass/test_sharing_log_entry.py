"""An Operation Encompass notification is a police to school disclosure under Operation
Encompass, not the SSP's DSA: in the sharing log with that gateway, acknowledged when the
key adult acknowledges the notification."""

import uuid

import pytest
from django.urls import reverse

from agreements.models import Disclosure, Gateway
from encompass import services
from tests.encompass.test_notifications import details
from tests.factories import SchoolFactory, revoke_dsa

pytestmark = pytest.mark.django_db


def _entry(notification):
    return Disclosure.objects.get(record_code=notification.code)


def test_a_notification_is_logged_under_operation_encompass(school_a, sergeant, sspo_a, spoc_a):
    notification, _ = services.receive(school=school_a, details=details(), sender=sergeant)
    row = _entry(notification)
    assert (row.kind, row.direction) == (Disclosure.Kind.ENCOMPASS, "to_school")
    assert row.gateway == Gateway.OPERATION_ENCOMPASS and row.document is None
    assert row.agreement == "Not under the DSA: Operation Encompass"
    assert (row.disclosed_by, row.disclosed_to) == (sergeant, spoc_a)
    assert row.purpose and row.acknowledged_at is None


def test_it_is_logged_without_a_dsa_in_force(school_a, sergeant, sspo_a, spoc_a):
    revoke_dsa(school_a.partnership)
    notification, _ = services.receive(school=school_a, details=details(), sender=sergeant)
    assert _entry(notification).gateway == Gateway.OPERATION_ENCOMPASS


def test_a_clients_notification_names_the_client_and_is_logged_once(school_a, force, spoc_a):
    code = uuid.uuid4()
    for _ in range(2):  # a replay of the same key saves nothing twice
        notification, _ = services.receive(
            school=school_a, details=details(), client_code=code, client_force=force,
            idempotency_key="k1",
        )  # fmt: skip
    row = _entry(notification)
    assert row.disclosed_by is None and row.disclosed_by_client == code
    assert Disclosure.objects.count() == 1


def test_a_school_without_a_key_adult_is_still_logged(force, sergeant, sspo_a):
    from schools.models import Assignment

    lone = SchoolFactory(force=force)
    Assignment.objects.create(officer=sspo_a.officer, school=lone)
    notification, _ = services.receive(school=lone, details=details(), sender=sergeant)
    row = _entry(notification)
    assert row.disclosed_to is None and "none named yet" in row.recipient


def test_the_key_adults_acknowledgement_is_the_recipients(school_a, sergeant, sspo_a, spoc_a):
    notification, _ = services.receive(school=school_a, details=details(), sender=sergeant)
    services.acknowledge(user=spoc_a, notification=notification, support_plan="Check in daily.")
    row = _entry(notification)
    notification.refresh_from_db()
    assert row.acknowledged_by == spoc_a and row.acknowledged_at == notification.acknowledged_at


def test_the_entry_shows_in_the_schools_log_and_not_anothers(
    client, school_a, sergeant, sspo_a, spoc_a, spoc_b
):
    services.receive(school=school_a, details=details(), sender=sergeant)
    client.force_login(spoc_a)
    body = client.get(reverse("sharing_log")).content.decode()
    assert "Operation Encompass (police to school, not under the DSA)" in body
    assert "Not under the DSA: Operation Encompass" in body
    client.force_login(spoc_b)
    body = client.get(reverse("sharing_log")).content.decode()
    assert "Operation Encompass notification" not in body


def test_the_log_carries_nothing_of_the_child(client, school_a, sergeant, sspo_a, spoc_a):
    services.receive(school=school_a, details=details(), sender=sergeant)
    client.force_login(spoc_a)
    body = client.get(reverse("sharing_log")).content.decode()
    assert "Operation Encompass notification" in body
    for detail in ("Amelia", "Ashby", "DA/2026/0001", "scared"):
        assert detail not in body


def test_opening_the_notification_is_not_yet_the_acknowledgement(
    client, school_a, sergeant, sspo_a, spoc_a
):
    notification, _ = services.receive(school=school_a, details=details(), sender=sergeant)
    client.force_login(spoc_a)
    assert client.get(reverse("encompass:detail", args=[notification.code])).status_code == 200
    assert _entry(notification).acknowledged_at is None


def test_another_schools_key_adult_gets_404_and_acknowledges_nothing(
    client, school_a, sergeant, sspo_a, spoc_a, spoc_b
):
    notification, _ = services.receive(school=school_a, details=details(), sender=sergeant)
    client.force_login(spoc_b)
    assert client.get(reverse("encompass:detail", args=[notification.code])).status_code == 404
    assert _entry(notification).acknowledged_at is None

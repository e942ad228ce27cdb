"""The history of an API write names the person who made it, or no one for a machine client.

The force's hub sends an Operation Encompass notification: the notification, its disclosure
and the key adults' notices each keep a history row, and none of them names a user (the
notification names the client itself). A sergeant sending the same through the API, signed
in, is named on every row.
"""

import json

import pytest
from django.apps import apps
from django.utils import timezone

from encompass.models import Notification
from tests.api.test_encompass import URL, body

pytestmark = pytest.mark.django_db


def history_since(moment) -> list:
    """Every history row written since `moment`, of every history-tracked model."""
    rows = []
    for model in apps.get_models():
        manager = getattr(model._meta, "simple_history_manager_attribute", None)
        if manager is not None:
            rows += getattr(model, manager).filter(history_date__gte=moment)
    return rows


def send(client, school, **headers):
    return client.post(URL, json.dumps(body(school)), content_type="application/json", **headers)


def test_a_machine_clients_write_leaves_history_that_names_no_one(
    client, force_client, school_a, spoc_a
):
    start = timezone.now()
    response = send(client, school_a, HTTP_AUTHORIZATION=f"Bearer {force_client[1]}")
    assert response.status_code == 201, response.content
    rows = history_since(start)
    models = {row._meta.model_name for row in rows}
    assert {"historicalnotification", "historicaldisclosure"} <= models
    assert Notification.history.filter(history_date__gte=start).exists()
    assert [row for row in rows if row.history_user_id is not None] == []
    assert Notification.objects.get().sent_by_client == force_client[0].code


def test_a_signed_in_sergeants_write_through_the_api_names_them(
    client, sergeant, sspo_a, school_a, spoc_a
):
    client.force_login(sergeant)
    start = timezone.now()
    response = send(client, school_a)
    assert response.status_code == 201, response.content
    rows = history_since(start)
    assert Notification.history.filter(history_date__gte=start).exists()
    assert rows and {row.history_user for row in rows} == {sergeant}
    assert Notification.objects.get().sent_by == sergeant

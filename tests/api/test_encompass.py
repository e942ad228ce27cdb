"""Operation Encompass through the API: the force's hub sends, and reads only receipts."""

import json

import pytest
from django.urls import reverse

from api.models import Scope
from encompass import services
from encompass.models import Notification
from ssp.models import Notification as PortalNotification

pytestmark = pytest.mark.django_db
URL = "/api/v1/encompass/notifications/"


def body(school, **over):
    data = {
        "school_urn": school.urn,
        "child_first_name": "Amelia",
        "child_last_name": "Ashby",
        "child_date_of_birth": "2013-04-02",
        "police_reference": "DA/2026/0042",
        "incident_at": "2026-10-06T19:00:00+01:00",
        "incident_location": "Home address",
        "child_presence": "present",
        "child_whereabouts": "Bedroom",
        "voice_of_child": "",
        "circumstances": "Argument; one adult arrested.",
        "other_information": "",
    }
    data.update(over)
    return data


@pytest.fixture
def post(client):
    def send(token, data, key="", raw=None):
        extra = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
        if key:
            extra["HTTP_IDEMPOTENCY_KEY"] = key
        payload = raw if raw is not None else json.dumps(data)
        return client.post(URL, payload, content_type="application/json", **extra)

    return send


@pytest.fixture
def hub(force_client):
    return force_client[1]


def test_the_hub_sends_and_the_key_adult_is_told(post, hub, school_a, spoc_a):
    response = post(hub, body(school_a), key="one")
    assert response.status_code == 201, response.content
    assert response.json()["acknowledged"] is False
    assert Notification.objects.get().sent_by_client is not None
    assert PortalNotification.objects.filter(recipient=spoc_a, urgent=True).exists()


def test_a_replay_returns_the_first_and_saves_nothing(post, hub, school_a, spoc_a):
    first = post(hub, body(school_a), key="same")
    again = post(hub, body(school_a, police_reference="changed"), key="same")
    assert first.status_code == 201 and again.status_code == 200
    assert again.json()["code"] == first.json()["code"]
    assert Notification.objects.count() == 1
    assert PortalNotification.objects.filter(recipient=spoc_a).count() == 1


@pytest.mark.parametrize(
    "change, field",
    [
        ({"surprise": "x"}, "surprise"),
        ({"child_date_of_birth": "2999-01-01"}, "child_date_of_birth"),
        ({"child_date_of_birth": 20130402}, "child_date_of_birth"),
        ({"child_presence": True}, "child_presence"),
        ({"incident_at": "yesterday"}, "incident_at"),
        ({"circumstances": ""}, "circumstances"),
    ],
)
def test_bad_input_is_a_problem_and_nothing_is_saved(post, hub, school_a, change, field):
    response = post(hub, body(school_a, **change), key="k")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert field in response.json()["errors"]
    assert not Notification.objects.exists()


def test_a_school_the_force_does_not_serve_is_refused(post, other_force_client, school_a):
    response = post(other_force_client[1], body(school_a), key="k")
    assert response.status_code == 400
    assert "school_urn" in response.json()["errors"]
    assert not Notification.objects.exists()


def test_an_oversized_body_is_refused(post, hub, school_a):
    response = post(hub, None, raw=json.dumps(body(school_a, circumstances="x" * 70_000)))
    assert response.status_code == 413
    assert response["Content-Type"] == "application/problem+json"
    assert not Notification.objects.exists()


def test_a_client_without_the_write_scope_cannot_send(post, register, safer_team, school_a):
    _, token = register(team=safer_team, scopes=[Scope.INCIDENTS_READ])
    assert post(token, body(school_a)).status_code == 403
    assert not Notification.objects.exists()


def test_the_client_reads_its_receipt_but_never_the_plan(
    client, post, hub, school_a, spoc_a, register, safer_team
):
    code = post(hub, body(school_a), key="r").json()["code"]
    notification = Notification.objects.get(code=code)
    services.acknowledge(user=spoc_a, notification=notification, support_plan="Secret plan")
    response = client.get(URL, HTTP_AUTHORIZATION=f"Bearer {hub}")
    assert response.status_code == 200
    (receipt,) = response.json()["results"]
    assert receipt["acknowledged"] is True and receipt["acknowledged_at"]
    assert "Secret plan" not in response.content.decode()
    # Another client of the same force sees none of this client's notifications.
    _, other = register(team=safer_team, name="Another system")
    assert client.get(URL, HTTP_AUTHORIZATION=f"Bearer {other}").json()["results"] == []


def test_it_is_in_the_schema(client):
    schema = client.get(reverse("api_schema"), HTTP_ACCEPT="application/json").json()
    assert "/api/v1/encompass/notifications/" in schema["paths"]

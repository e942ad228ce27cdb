"""The administrator registers a client in the admin: the secret is on that page, once."""

from django.urls import reverse

from api.models import ApiClient, Scope
from api.services import client_approve

REGISTER = "/admin/api/apiclient/register/"


def _form(of_team, **changes):
    return {
        "force": of_team.force_id,
        "team": of_team.pk,
        "name": "Niche records system",
        "purpose": "Recording police-relevant incidents",
        "scopes": [Scope.INCIDENTS_READ, Scope.PARTNERSHIPS_READ],
        **changes,
    }


def test_the_administrator_registers_a_client_and_sees_its_secret_once(
    signed_in, admin_user, safer_team, incident_a, sergeant
):
    client = signed_in(admin_user)
    response = client.post(REGISTER, _form(safer_team))
    assert response.status_code == 200
    token = response.context["token"]
    assert token in response.content.decode()
    assert "no-store" in response["Cache-Control"]
    registered = ApiClient.objects.get()
    assert registered.created_by == admin_user
    assert registered.scopes == [Scope.INCIDENTS_READ, Scope.PARTNERSHIPS_READ]
    listing = client.get("/admin/api/apiclient/").content.decode()
    detail = client.get(f"/admin/api/apiclient/{registered.pk}/change/").content.decode()
    assert token.split(".")[1] not in listing + detail
    assert registered.secret_hash not in detail
    client.logout()
    called = client.get("/api/v1/incidents/", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert called.status_code == 401  # until the team's sergeant approves it
    client_approve(client=registered, by=sergeant)
    called = client.get("/api/v1/incidents/", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert called.json()["results"][0]["incident_id"] == str(incident_a.code)


def test_a_wrong_team_is_refused_next_to_the_field_and_what_was_typed_stays(
    signed_in, admin_user, safer_team, other_sergeant
):
    client = signed_in(admin_user)
    wrong = _form(safer_team, team=other_sergeant.officer.team.pk, name="Kept name")
    response = client.post(REGISTER, wrong)
    assert response.status_code == 200
    assert response.context["form"].errors["team"]
    assert 'value="Kept name"' in response.content.decode()
    assert not ApiClient.objects.exists()


def test_rotating_in_the_admin_shows_the_new_secret_and_the_old_one_stops(
    signed_in, admin_user, force_client, client
):
    registered, old = force_client
    admin = signed_in(admin_user)
    response = admin.post(
        "/admin/api/apiclient/",
        {"action": "rotate_secret", "_selected_action": [registered.pk]},
    )
    new = response.context["token"]
    admin.logout()
    assert client.get("/api/v1/incidents/", HTTP_AUTHORIZATION=f"Bearer {old}").status_code == 401
    assert client.get("/api/v1/incidents/", HTTP_AUTHORIZATION=f"Bearer {new}").status_code == 200


def test_revoking_in_the_admin_stops_the_client(signed_in, admin_user, force_client, client):
    registered, token = force_client
    admin = signed_in(admin_user)
    admin.post("/admin/api/apiclient/", {"action": "revoke", "_selected_action": [registered.pk]})
    admin.logout()
    assert (
        client.get("/api/v1/incidents/", HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 401
    )


def test_people_who_are_not_the_administrator_cannot_register(
    signed_in, sergeant, safer_team, client
):
    response = signed_in(sergeant).post(REGISTER, _form(safer_team))
    assert response.status_code == 302  # the admin's sign-in, not the form
    assert not ApiClient.objects.exists()


def test_the_forces_system_registers_then_pulls_what_changed_since_its_cursor(
    signed_in, admin_user, safer_team, make_incident, school_a, school_b, sspo_a, client, sergeant
):
    """The force's side of the issue's journey: the administrator registers the client, the
    team's sergeant approves it in the portal, the force's system pulls."""
    token = signed_in(admin_user).post(REGISTER, _form(safer_team)).context["token"]
    decide = reverse("api_client_decide", args=[ApiClient.objects.get().code])
    assert signed_in(sergeant).post(decide, {"decision": "approve"}).status_code == 302
    client.logout()
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    first = client.get("/api/v1/incidents/changes/", **auth).json()
    assert first["results"] == []
    incident = make_incident(school=school_a, police_reference="")
    pulled = client.get(
        "/api/v1/incidents/changes/", {"cursor": first["next_cursor"]}, **auth
    ).json()
    assert [r["incident_id"] for r in pulled["results"]] == [str(incident.code)]
    assert pulled["results"][0]["schema"] == "ssp-portal/incident/v1"
    states = client.get("/api/v1/partnerships/", **auth).json()["results"]
    assert {s["school"]["urn"]: s["dsa_in_force"] for s in states} == {
        school_a.urn: True,
        school_b.urn: True,
    }

"""Machine clients: registered by the administrator, a secret shown once and kept hashed,
rotated and revoked; every change told to the force's sergeants."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from api.models import ApiClient, Scope
from api.services import client_register, client_revoke, client_rotate
from ssp.models import AccessLog, Notification

INCIDENTS = "/api/v1/incidents/"


def test_only_the_administrator_registers_a_client(sergeant, sspo_a, head_a, safer_team):
    for person in (sergeant, sspo_a, head_a):
        with pytest.raises(PermissionDenied):
            client_register(
                by=person,
                force=safer_team.force,
                team=safer_team,
                name="Mine",
                purpose="Reading",
                scopes=[Scope.INCIDENTS_READ],
            )
    assert not ApiClient.objects.exists()


def test_a_client_reads_as_a_safer_schools_team_of_its_own_force(
    admin_user, safer_team, yet_team, other_sergeant
):
    other_team = other_sergeant.officer.team
    for team in (yet_team, other_team):
        with pytest.raises(ValidationError) as refused:
            client_register(
                by=admin_user,
                force=safer_team.force,
                team=team,
                name="Wrong team",
                purpose="Reading",
                scopes=[Scope.INCIDENTS_READ],
            )
        assert "team" in refused.value.message_dict


def test_registration_needs_a_purpose_and_known_scopes(admin_user, safer_team):
    with pytest.raises(ValidationError) as refused:
        client_register(
            by=admin_user,
            force=safer_team.force,
            team=safer_team,
            name="Records",
            purpose=" ",
            scopes=["everything:write"],
        )
    assert set(refused.value.message_dict) == {"purpose", "scopes"}


def test_the_secret_is_shown_once_and_only_its_hash_is_kept(force_client, bearer):
    client, token = force_client
    key, secret = token.split(".", 1)
    assert key == client.key
    stored = ApiClient.objects.get(pk=client.pk)
    assert secret not in stored.secret_hash
    assert secret not in str(list(ApiClient.history.values()))
    assert bearer(token).get(INCIDENTS).status_code == 200
    assert ApiClient.objects.get(pk=client.pk).last_used_at is not None


def test_registration_is_logged_and_told_to_the_forces_sergeants(
    admin_user, sergeant, force_client
):
    client, _ = force_client
    # Registered by the administrator (and approved by the sergeant: a row of their own).
    assert AccessLog.objects.filter(
        action="change_access", object_code=client.code, user=admin_user
    ).exists()
    assert Notification.objects.filter(recipient=sergeant).exists()


def test_a_wrong_secret_is_refused_as_problem_json(force_client, bearer):
    client, _ = force_client
    response = bearer(f"{client.key}.not-the-secret").get(INCIDENTS)
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["status"] == 401
    assert response["WWW-Authenticate"] == "Bearer"


def test_no_credentials_at_all_is_refused(client):
    response = client.get(INCIDENTS)
    assert response.status_code == 401
    assert response.json()["title"] == "Authentication needed"


def test_rotation_gives_a_new_secret_and_the_old_one_stops(force_client, bearer, admin_user):
    client, old = force_client
    new = client_rotate(client=client, by=admin_user)
    assert bearer(old).get(INCIDENTS).status_code == 401
    assert bearer(new).get(INCIDENTS).status_code == 200


def test_revocation_stops_the_client_on_its_next_call(force_client, bearer, admin_user):
    client, token = force_client
    assert bearer(token).get(INCIDENTS).status_code == 200
    client_revoke(client=client, by=admin_user)
    assert bearer(token).get(INCIDENTS).status_code == 401
    with pytest.raises(ValidationError):
        client_rotate(client=client, by=admin_user)


def test_nobody_but_the_administrator_rotates_or_revokes(force_client, sergeant):
    client, _ = force_client
    with pytest.raises(PermissionDenied):
        client_rotate(client=client, by=sergeant)
    with pytest.raises(PermissionDenied):
        client_revoke(client=client, by=sergeant)


def test_a_client_calls_only_what_its_scopes_name(register, safer_team, bearer):
    _, token = register(team=safer_team, scopes=[Scope.PARTNERSHIPS_READ])
    assert bearer(token).get("/api/v1/partnerships/").status_code == 200
    refused = bearer(token).get(INCIDENTS)
    assert refused.status_code == 403
    assert refused["Content-Type"] == "application/problem+json"
    assert bearer(token).get("/api/v1/referrals/").status_code == 403


def test_a_clients_calls_make_no_session(force_client, bearer):
    from django.contrib.sessions.models import Session

    response = bearer(force_client[1]).get(INCIDENTS)
    assert response.status_code == 200
    assert not response.cookies
    assert not Session.objects.exists()

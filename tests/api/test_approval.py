"""A client the administrator registers reads nothing until a sergeant of its team approves
it in the portal: the administrator cannot mint a credential that reads case data."""

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils.html import escape

from api.models import ApiClient
from api.services import client_approve
from ssp.models import Notification

INCIDENTS = "/api/v1/incidents/"


@pytest.fixture
def pending(register, safer_team, sergeant):
    return register(team=safer_team, approved=False)


def test_an_unapproved_client_is_refused_and_reads_nothing(pending, bearer, incident_a):
    _, token = pending
    response = bearer(token).get(INCIDENTS)
    assert response.status_code == 401
    assert response["Content-Type"].startswith("application/problem+json")
    assert "approval" in response.json()["detail"]
    assert str(incident_a.code) not in response.content.decode()


def test_the_teams_sergeant_is_told_and_approves_it_then_it_reads(
    client, pending, bearer, sergeant, incident_a
):
    api_client, token = pending
    told = Notification.objects.get(recipient=sergeant, subject__contains="awaits your approval")
    assert told.link == reverse("api_client_approvals")
    client.force_login(sergeant)
    page = client.get(reverse("api_client_approvals")).content.decode()
    assert api_client.name in page and escape(api_client.purpose) in page
    response = client.post(
        reverse("api_client_decide", args=[api_client.code]), {"decision": "approve"}
    )
    assert response.status_code == 302
    api_client.refresh_from_db()
    assert api_client.approved_by == sergeant and api_client.approved_at is not None
    assert api_client.history.filter(history_user=sergeant).exists()
    assert bearer(token).get(INCIDENTS).status_code == 200


def test_a_declined_client_is_revoked_for_good(client, pending, bearer, sergeant):
    api_client, token = pending
    client.force_login(sergeant)
    client.post(reverse("api_client_decide", args=[api_client.code]), {"decision": "decline"})
    api_client.refresh_from_db()
    assert not api_client.is_live and not api_client.is_approved
    assert bearer(token).get(INCIDENTS).status_code == 401
    # Approving afterwards changes nothing.
    client.post(reverse("api_client_decide", args=[api_client.code]), {"decision": "approve"})
    api_client.refresh_from_db()
    assert not api_client.is_approved


def test_nobody_else_approves_it(client, pending, admin_user, other_sergeant, sspo_a, head_a):
    api_client, _ = pending
    for person in (admin_user, other_sergeant, sspo_a, head_a):
        with pytest.raises(PermissionDenied):
            client_approve(client=api_client, by=person)
        client.force_login(person)
        # Outside their scope: the client does not exist for them, nor the page but for
        # sergeants (who see their own team's clients there).
        page = client.get(reverse("api_client_approvals"))
        assert page.status_code == (200 if person == other_sergeant else 404)
        decided = client.post(
            reverse("api_client_decide", args=[api_client.code]), {"decision": "approve"}
        )
        assert decided.status_code == 404
    assert not ApiClient.objects.get(pk=api_client.pk).is_approved


def test_the_other_teams_sergeant_does_not_see_it_listed(
    client, pending, register, other_sergeant
):
    theirs, _ = register(team=other_sergeant.officer.team, name="Southshire", approved=False)
    client.force_login(other_sergeant)
    page = client.get(reverse("api_client_approvals")).content.decode()
    assert "Southshire" in page
    assert pending[0].name not in page


def test_the_sergeants_home_links_to_the_page(client, sergeant):
    client.force_login(sergeant)
    home = client.get(reverse("home")).content.decode()
    assert f'href="{reverse("api_client_approvals")}"' in home

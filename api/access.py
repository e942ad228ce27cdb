"""Who approves a machine client: a sergeant of the team whose reads it makes."""

from django.shortcuts import get_object_or_404

from ssp.roles import Role

from .models import ApiClient


def approves_clients(user) -> bool:
    """ACCESS.md: the administrator registers clients; the team's sergeant approves them."""
    return getattr(user, "role", None) == Role.SERGEANT


def clients_of_my_team(user):
    """The clients that read as the person's team: a sergeant's to approve; nobody else's."""
    if not approves_clients(user):
        return ApiClient.objects.none()
    return ApiClient.objects.filter(team_id=user.officer.team_id)


def can_approve_client(user, client: ApiClient) -> bool:
    return clients_of_my_team(user).filter(pk=client.pk).exists()


def get_client_for(user, code) -> ApiClient:
    """A client of the person's team; any other (or anyone else asking) 404."""
    return get_object_or_404(
        clients_of_my_team(user).select_related("created_by", "approved_by"), code=code
    )

"""Who is calling: a force's machine client (a bearer token) or a signed-in person."""

from datetime import timedelta
from types import SimpleNamespace

from django.utils import timezone
from rest_framework import authentication, exceptions

from ssp.roles import Role

from .models import ApiClient

LAST_USED_EVERY = timedelta(minutes=1)


class ClientPrincipal:
    """A machine client standing where its team's sergeant stands.

    Every `visible_to` and gate reads `role` and `officer.team`, so the client's reads are
    exactly the police reads of its team, DSA in force, with no rule of its own.
    """

    is_authenticated = True
    is_anonymous = False
    is_active = True
    is_superuser = False
    is_staff = False
    pk = None
    role = Role.SERGEANT

    def __init__(self, client: ApiClient):
        self.client = client
        self.officer = SimpleNamespace(team_id=client.team_id, team=client.team, is_current=True)

    def __str__(self):
        return f"API client {self.client.code}"


class ClientAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed("Send one token: Bearer <key>.<secret>.")
        try:
            key, secret = header[1].decode("ascii").split(".", 1)
        except (UnicodeDecodeError, ValueError) as error:
            raise exceptions.AuthenticationFailed("The token is not <key>.<secret>.") from error
        client = ApiClient.objects.live().select_related("team").filter(key=key).first()
        if client is None or not client.secret_matches(secret):
            raise exceptions.AuthenticationFailed("The token is not valid or has been revoked.")
        if not client.is_approved:
            raise exceptions.AuthenticationFailed(
                "This client awaits approval by a sergeant of its team."
            )
        _mark_used(client)
        return ClientPrincipal(client), client

    def authenticate_header(self, request):
        return self.keyword


def _mark_used(client: ApiClient) -> None:
    now = timezone.now()
    if client.last_used_at and now - client.last_used_at < LAST_USED_EVERY:
        return
    client.last_used_at = now
    # Not a change anyone made: no history row for it (the field is excluded anyway).
    client.skip_history_when_saving = True
    client.save(update_fields=["last_used_at"])
    del client.skip_history_when_saving


class PortalSessionAuthentication(authentication.SessionAuthentication):
    """A signed-in person's session, with CSRF, for the reads their pages allow.

    RequireMFAMiddleware has already kept anyone without an authenticator out; a
    session is only signed in once both factors were given.
    """

"""Registering, rotating and revoking machine clients: the force's administrator only."""

import secrets

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from schools.models import Officer, Team
from schools.services import _tell_of_access_change, access_watchers
from ssp.models import User
from ssp.notifications import notify
from ssp.roles import Role

from .access import can_approve_client
from .models import ApiClient, Scope


def _require_admin(by) -> None:
    if getattr(by, "role", None) != Role.ADMIN:
        raise PermissionDenied("Only the force's administrator manages API clients.")


def _check(*, force, team, name: str, purpose: str, scopes) -> None:
    errors = {}
    if team.force_id != force.pk or team.kind != Team.Kind.SAFER_SCHOOLS:
        errors["team"] = "Choose a Safer Schools team of the same force."
    if not name.strip():
        errors["name"] = "Enter a name for the client, such as the records system's name."
    if not purpose.strip():
        errors["purpose"] = "Enter why the force's system reads these records."
    if not scopes or set(scopes) - set(Scope.values):
        errors["scopes"] = "Choose at least one of the scopes listed."
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def client_register(
    *, by, force, team, name: str, purpose: str, scopes: list[str]
) -> tuple[ApiClient, str]:
    """A new client; returns it with its token, which is shown once and never stored."""
    _require_admin(by)
    _check(force=force, team=team, name=name, purpose=purpose, scopes=scopes)
    client = ApiClient(
        force=force,
        team=team,
        name=name.strip(),
        purpose=purpose.strip(),
        scopes=sorted(set(scopes)),
        key=secrets.token_hex(8),
        created_by=by,
    )
    token = client.new_secret()
    client._history_user = by
    client.save()
    _told(by=by, client=client)
    notify(
        recipients=list(
            User.objects.filter(
                is_active=True, officer__rank=Officer.Rank.SERGEANT, officer__team=team
            ).exclude(officer__left_on__lte=timezone.localdate())
        ),
        subject="An API client awaits your approval",
        link=reverse("api_client_approvals"),
        reference=f"API client: {client.name}",
    )
    return client, token


@transaction.atomic
def client_rotate(*, client: ApiClient, by) -> str:
    """A new secret, shown once; the old one stops working at once."""
    _require_admin(by)
    locked = ApiClient.objects.select_for_update().get(pk=client.pk)
    if not locked.is_live:
        raise ValidationError("A revoked client cannot be given a new secret.")
    token = locked.new_secret()
    locked._history_user = by
    locked.save(update_fields=["secret_hash", "secret_set_at"])
    _told(by=by, client=locked)
    return token


@transaction.atomic
def client_approve(*, client: ApiClient, by) -> ApiClient:
    """A sergeant of the client's team lets it read what they read (the administrator, who
    registered it, cannot: they never read case data, nor mint a way to)."""
    locked = ApiClient.objects.select_for_update().get(pk=client.pk)
    if not can_approve_client(by, locked):
        raise PermissionDenied("Only a sergeant of the client's team approves it.")
    if locked.is_approved or not locked.is_live:
        return locked  # approved already (a second click), or revoked meanwhile
    locked.approved_at = timezone.now()
    locked.approved_by = by
    locked._history_user = by
    locked.save(update_fields=["approved_at", "approved_by"])
    _told(by=by, client=locked)
    return locked


@transaction.atomic
def client_decline(*, client: ApiClient, by) -> None:
    """A sergeant of the client's team refuses it: it is revoked, for good."""
    locked = ApiClient.objects.select_for_update().get(pk=client.pk)
    if not can_approve_client(by, locked):
        raise PermissionDenied("Only a sergeant of the client's team declines it.")
    _revoke(locked, by=by)


@transaction.atomic
def client_revoke(*, client: ApiClient, by) -> None:
    """The client's next call is refused. Revocation is final: register a new one."""
    _require_admin(by)
    _revoke(ApiClient.objects.select_for_update().get(pk=client.pk), by=by)


def _revoke(locked: ApiClient, *, by) -> None:
    if not locked.is_live:
        return
    locked.revoked_at = timezone.now()
    locked._history_user = by
    locked.save(update_fields=["revoked_at"])
    _told(by=by, client=locked)


def _told(*, by, client: ApiClient) -> None:
    # A client reads as the team's sergeant does: a change of who can see what, logged and
    # told to the force's sergeants like every other one the administrator makes.
    _tell_of_access_change(
        by=by,
        watchers=access_watchers(forces=[client.force]),
        object_type="api_client",
        code=client.code,
    )

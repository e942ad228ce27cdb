"""The access log: every read of a protected record, allowed or not, leaves a row."""

from django.core.exceptions import PermissionDenied
from django.http import Http404

from .models import AccessLog
from .roles import POLICE_ROLES


def client_ip(request) -> str | None:
    # Behind the production proxy REMOTE_ADDR is the proxy; it appends the client's address.
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    return forwarded.split(",")[-1].strip() or request.META.get("REMOTE_ADDR")


def log_access(
    request,
    *,
    action: str,
    object_type: str,
    object_code=None,
    outcome: str = AccessLog.Outcome.ALLOWED,
    purpose: str = "",
) -> AccessLog:
    user = request.user if request.user.is_authenticated else None
    role = getattr(user, "role", None) or ""
    return AccessLog.objects.create(
        user=user,
        role=role,
        action=action,
        object_type=object_type,
        object_code=object_code,
        ip_address=client_ip(request),
        outcome=outcome,
        purpose=purpose[:200],
    )


def audited(request, fetch, *, action: str, object_type: str, code, police_purpose=None):
    """Run a record's gate and log the attempt, whatever its outcome.

    `fetch()` is the gate (404 out of scope, 403 in scope but not allowed); police reads
    that pass carry the purpose `police_purpose(record)` gives (DPA 2018 s.62).
    """
    try:
        record = fetch()
    except (Http404, PermissionDenied) as error:
        outcome = (
            AccessLog.Outcome.NOT_FOUND if isinstance(error, Http404) else AccessLog.Outcome.DENIED
        )
        log_access(
            request, action=action, object_type=object_type, object_code=code, outcome=outcome
        )
        raise
    police = request.user.role in POLICE_ROLES
    purpose = police_purpose(record) if police and police_purpose else ""
    log_access(request, action=action, object_type=object_type, object_code=code, purpose=purpose)
    return record

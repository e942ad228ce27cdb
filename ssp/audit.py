"""The access log: every read of a protected record, allowed or not, leaves a row."""

from .models import AccessLog


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

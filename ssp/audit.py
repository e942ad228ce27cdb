"""The access log: every read of a protected record, allowed or not, leaves a row."""

import ipaddress

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import Http404

from .models import AccessLog
from .roles import POLICE_ROLES, Role

# DPA 2018 s.62: every police row says why. Pages give the purpose of their read; a refused
# attempt has no record to take a purpose from, so the officer's standing purpose is logged.
STANDING_PURPOSE = {
    Role.SSPO: "Safeguarding and crime prevention at the officer's assigned schools",
    Role.SERGEANT: "Supervision of the Safer Schools team",
    Role.YET: "Youth engagement at the schools the team serves",
}


def _address(value) -> str | None:
    try:
        return str(ipaddress.ip_address(str(value).strip())).split("%")[0]
    except ValueError:
        return None


def client_ip(request) -> str | None:
    """Whom the request came from, as far as the deployment's own proxies vouch for it.

    Each of the TRUSTED_PROXY_COUNT proxies in front of the portal appends to
    X-Forwarded-For the address it was reached from, so the Nth entry from the right is the
    one the outermost trusted proxy saw; anything left of it the client wrote itself. With
    no trusted proxy the header is the client's to write and is ignored. A value that is not
    an address is never stored: the proxy's own address is logged instead.
    """
    remote = _address(request.META.get("REMOTE_ADDR", ""))
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies < 1:
        return remote
    hops = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
    if len(hops) < proxies:
        return remote
    return _address(hops[-proxies]) or remote


def log_access(
    request,
    *,
    action: str,
    object_type: str,
    object_code=None,
    outcome: str = AccessLog.Outcome.ALLOWED,
    purpose: str = "",
) -> AccessLog:
    return AccessLog.objects.create(
        **_row(request, purpose),
        action=action,
        object_type=object_type,
        object_code=object_code,
        outcome=outcome,
    )


def _row(request, purpose: str) -> dict:
    user = request.user if request.user.is_authenticated else None
    role = getattr(user, "role", None) or ""
    if role in POLICE_ROLES and not purpose:
        purpose = STANDING_PURPOSE[role]
    return {"user": user, "role": role, "ip_address": client_ip(request), "purpose": purpose[:200]}


def log_pupils_shown(request, *, action: str, pupil_codes, purpose: str) -> None:
    """A page that shows a police user children's names: one row per child, in one query.

    Lists, caseloads and search results show names without opening a record; DPA 2018
    s.62 asks that each of those consultations is logged with its purpose all the same.
    """
    if getattr(request.user, "role", None) not in POLICE_ROLES:
        return
    row = _row(request, purpose)
    AccessLog.objects.bulk_create(
        AccessLog(
            **row,
            action=action,
            object_type="pupil",
            object_code=code,
            outcome=AccessLog.Outcome.ALLOWED,
        )
        for code in dict.fromkeys(pupil_codes)
    )


def log_pupils_listed(request, *, action: str, pupil_codes) -> None:
    """A page that shows anyone children's names (a search's results): one row per child, in
    one query, whoever the reader. Police reads carry their role's standing purpose."""
    row = _row(request, "")
    AccessLog.objects.bulk_create(
        AccessLog(
            **row,
            action=action,
            object_type="pupil",
            object_code=code,
            outcome=AccessLog.Outcome.ALLOWED,
        )
        for code in dict.fromkeys(pupil_codes)
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

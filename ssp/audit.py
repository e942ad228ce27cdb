"""The access log: every read of a protected record, allowed or not, leaves a row."""

import ipaddress

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.http import Http404
from django.utils import timezone

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


def log_records(who: dict, *, action: str, outcome: str, records) -> None:
    """One row per (object_type, code) in `records`, all read by `who`, in one INSERT.

    The same rows as AccessLog.objects.bulk_create would write, with one `at`; but a page of
    the API logs a few hundred records, and bulk_create builds and prepares a model instance
    per row (its ten fields each), costing more than the rest of the page. Here the fields
    shared by every row are sent once and only the records as two arrays.
    """
    records = list(dict.fromkeys((kind, str(code)) for kind, code in records))
    if not records:
        return
    user = who["user"]
    if connection.vendor != "postgresql":
        # The demo's SQLite has no arrays to unnest: the same rows, one instance each.
        AccessLog.objects.bulk_create(
            AccessLog(
                user=user,
                role=who["role"],
                action=action,
                ip_address=who["ip_address"],
                outcome=outcome,
                purpose=who["purpose"],
                api_client=who.get("api_client") or None,
                object_type=kind,
                object_code=code,
            )
            for kind, code in records
        )
        return
    column = {f.name: connection.ops.quote_name(f.column) for f in AccessLog._meta.concrete_fields}
    names = ("at", "user", "role", "action", "ip_address", "outcome", "purpose", "api_client")
    sql = (
        f"INSERT INTO {connection.ops.quote_name(AccessLog._meta.db_table)} "
        f"({', '.join(column[n] for n in names)}, {column['object_type']}, "
        f"{column['object_code']}) "
        "SELECT %s, %s, %s, %s, %s::inet, %s, %s, %s::uuid, r.kind, r.code "
        "FROM unnest(%s::varchar[], %s::uuid[]) AS r(kind, code)"
    )
    params = [
        timezone.now(),
        user.pk if user is not None else None,
        who["role"],
        action,
        who["ip_address"],
        outcome,
        who["purpose"],
        str(who["api_client"]) if who.get("api_client") else None,
        [kind for kind, _ in records],
        [code for _, code in records],
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def log_pupils_shown(request, *, action: str, pupil_codes, purpose: str) -> None:
    """A page that shows a police user children's names: one row per child, in one query.

    Lists, caseloads and search results show names without opening a record; DPA 2018
    s.62 asks that each of those consultations is logged with its purpose all the same.
    """
    if getattr(request.user, "role", None) not in POLICE_ROLES:
        return
    _log_pupils(request, purpose, action, pupil_codes)


def log_pupils_listed(request, *, action: str, pupil_codes) -> None:
    """A page that shows anyone children's names (a search's results): one row per child, in
    one query, whoever the reader. Police reads carry their role's standing purpose."""
    _log_pupils(request, "", action, pupil_codes)


def _log_pupils(request, purpose: str, action: str, pupil_codes) -> None:
    # A list shows a few dozen children: one INSERT of their codes (log_records), not a model
    # instance built and prepared per child.
    log_records(
        _row(request, purpose),
        action=action,
        outcome=AccessLog.Outcome.ALLOWED,
        records=(("pupil", code) for code in pupil_codes),
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

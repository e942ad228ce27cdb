"""Every API response that carries a child's data leaves access-log rows, one per record."""

from django.core.exceptions import PermissionDenied
from django.http import Http404

from ssp.audit import _row, client_ip, log_records
from ssp.models import AccessLog

from .authentication import ClientPrincipal


def _who(request) -> dict:
    user = request.user
    if isinstance(user, ClientPrincipal):
        client = user.client
        return {
            "user": None,
            "role": user.role,
            "ip_address": client_ip(request),
            "purpose": client.purpose[:200],
            "api_client": client.code,
        }
    return _row(request, "")


def log_api_read(request, *, object_type: str, codes, outcome=AccessLog.Outcome.ALLOWED):
    """One row per record returned (or asked for and refused), in one query."""
    log_api_reads(request, [(object_type, code) for code in codes], outcome=outcome)


def log_api_reads(request, records, *, outcome=AccessLog.Outcome.ALLOWED):
    """One row per (object_type, code) returned, of any types, in one query."""
    log_records(_who(request), action="api_read", outcome=outcome, records=records)


def fetch_logged(request, gate, *, object_type: str, code):
    """Run a record's gate and log the attempt, allowed or not (as ssp.audit.audited does)."""
    try:
        record = gate()
    except (Http404, PermissionDenied) as error:
        outcome = (
            AccessLog.Outcome.NOT_FOUND if isinstance(error, Http404) else AccessLog.Outcome.DENIED
        )
        log_api_read(request, object_type=object_type, codes=[code], outcome=outcome)
        raise
    log_api_read(request, object_type=object_type, codes=[code])
    return record

"""CSV exports: every cell made safe for spreadsheets, every export logged."""

import csv

from django.http import HttpResponse

from .audit import log_access

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(value) -> str:
    """A cell a spreadsheet will show as text, never run as a formula (OWASP CSV injection)."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def csv_response(
    request, *, filename: str, header: list[str], rows, what: str, purpose: str = ""
) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    writer = csv.writer(response)
    writer.writerow(header)
    for row in rows:
        writer.writerow([csv_safe(cell) for cell in row])
    log_access(request, action="export_csv", object_type=what, purpose=purpose)
    return response

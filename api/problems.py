"""Errors as problem+json (RFC 9457): a type, a title, the status and what went wrong."""

from django.core.exceptions import PermissionDenied
from django.http import Http404, JsonResponse
from rest_framework import exceptions, status
from rest_framework.views import exception_handler

PROBLEM = "application/problem+json"

TITLES = {
    400: "The request is not valid",
    401: "Authentication needed",
    403: "Not allowed",
    404: "Not found",
    405: "Method not allowed",
    406: "Not acceptable",
    413: "Request too large",
    415: "Unsupported media type",
    429: "Too many requests",
}


def problem_exception_handler(exc, context):
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    response = exception_handler(exc, context)
    if response is None:
        return None
    body = {
        "type": "about:blank",
        "title": TITLES.get(response.status_code, "Request refused"),
        "status": response.status_code,
    }
    data = response.data
    if isinstance(data, dict) and set(data) == {"detail"}:
        body["detail"] = str(data["detail"])
    else:
        body["detail"] = "See errors for each field."
        body["errors"] = data
    response.data = body
    response.content_type = PROBLEM
    if response.status_code == status.HTTP_429_TOO_MANY_REQUESTS:
        response.data["detail"] = str(exc.detail)
    return response


def not_found(request, *args, **kwargs):
    """Any other address under /api/: a problem, not the portal's HTML page."""
    body = {"type": "about:blank", "title": TITLES[404], "status": 404, "detail": "Not found."}
    return JsonResponse(body, status=404, content_type=PROBLEM)

"""Run code as a view within one request, through the per-request scope's middleware."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.test import RequestFactory

from ssp.scope import ScopeMiddleware


def in_one_request(user, page, *, method: str = "get") -> dict:
    """Serve one request of `user`; `page(request)` runs as the view would, with the
    request's scope. Returns {"result": what it returned} or {"refused": the PermissionDenied
    or ValidationError it raised}."""
    seen = {}

    def get_response(request):
        try:
            seen["result"] = page(request)
        except (PermissionDenied, ValidationError) as refusal:
            seen["refused"] = refusal
        return HttpResponse()

    request = getattr(RequestFactory(), method)("/")
    request.user = user
    ScopeMiddleware(get_response)(request)
    return seen

"""The portal's own 404 page, in the demo too.

With DEBUG on, Django answers a view's Http404 with its technical page, which names the
URL patterns and the exception's message. The demo runs with DEBUG on (its MFA bypass code
needs it), so a record outside someone's scope showed that page instead of the plain
"Page not found" everyone else sees. This middleware hands a view's Http404 to Django's
ordinary handler first, so the answer is the same page, with DEBUG on or off. With DEBUG
off it changes nothing: Django already uses that handler.

A URL that matches no pattern never reaches a view (Django resolves it after the
middleware and answers the technical page itself), so with DEBUG on this middleware
resolves the path first and answers the portal's page when nothing matches. Only the
demo pays that second resolve.
"""

from django.conf import settings
from django.http import Http404
from django.urls import Resolver404, resolve
from django.views.defaults import page_not_found


class PortalNotFoundMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if settings.DEBUG:
            try:
                resolve(request.path_info, getattr(request, "urlconf", None))
            except Resolver404 as exception:
                return page_not_found(request, exception)
        return self.get_response(request)

    def process_exception(self, request, exception):
        if settings.DEBUG and isinstance(exception, Http404):
            return page_not_found(request, exception)
        return None

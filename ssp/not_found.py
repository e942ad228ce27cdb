"""The portal's own 404 page, in the demo too.

With DEBUG on, Django answers a view's Http404 with its technical page, which names the
URL patterns and the exception's message. The demo runs with DEBUG on (its MFA bypass code
needs it), so a record outside someone's scope showed that page instead of the plain
"Page not found" everyone else sees. This middleware hands a view's Http404 to Django's
ordinary handler first, so the answer is the same page, with DEBUG on or off. With DEBUG
off it changes nothing: Django already uses that handler.
"""

from django.conf import settings
from django.http import Http404
from django.views.defaults import page_not_found


class PortalNotFoundMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if settings.DEBUG and isinstance(exception, Http404):
            return page_not_found(request, exception)
        return None

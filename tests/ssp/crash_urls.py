"""The portal's URLs and one page that always fails, for the error page tests."""

from django.urls import path

from ssp.urls import urlpatterns as portal


def crash(request):
    raise RuntimeError("a secret detail that must not reach the page: pupil 1234")


urlpatterns = [*portal, path("crash/", crash)]

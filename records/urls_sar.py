from django.urls import path

from . import sar_views

urlpatterns = [
    path("<uuid:code>/", sar_views.subject_access, name="subject_access"),
]

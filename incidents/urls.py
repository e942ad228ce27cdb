from django.urls import path

from . import views
from .models import Concern

urlpatterns = [
    path("new/", views.concern_new, name="concern_new"),
    path(
        "new/early-intervention/",
        views.concern_new,
        {"kind": Concern.Kind.EARLY_INTERVENTION},
        name="early_intervention_new",
    ),
    path("mine/", views.my_concerns, name="my_concerns"),
    path("triage/", views.triage_queue, name="triage_queue"),
    path("shared/", views.shared_with_me, name="shared_with_me"),
    path("<uuid:code>/", views.concern_detail, name="concern_detail"),
    path("<uuid:code>/triage/", views.concern_triage, name="concern_triage"),
    path("<uuid:code>/notes/", views.concern_note, name="concern_note"),
    path("<uuid:code>/access-log/", views.concern_access_log, name="concern_access_log"),
    path(
        "<uuid:code>/attachments/<uuid:attachment>/",
        views.attachment_download,
        name="attachment_download",
    ),
]

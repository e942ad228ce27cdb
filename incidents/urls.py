from django.urls import path

from . import enquiry_views, incident_views, views
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
    path("<uuid:code>/share/", views.concern_share, name="concern_share"),
    path("<uuid:code>/notes/", views.concern_note, name="concern_note"),
    path("<uuid:code>/acknowledge/", views.concern_acknowledge, name="concern_acknowledge"),
    path(
        "<uuid:code>/police-outcome/", views.concern_police_outcome, name="concern_police_outcome"
    ),
    path("<uuid:code>/access-log/", views.concern_access_log, name="concern_access_log"),
    path(
        "<uuid:code>/attachments/<uuid:attachment>/",
        views.attachment_download,
        name="attachment_download",
    ),
    # Recordable incidents (police records) and the summaries police send back to schools.
    path("incidents/", incident_views.incident_list, name="incident_list"),
    path("incidents/new/", incident_views.incident_new, name="incident_new"),
    path("incidents/<uuid:code>/", incident_views.incident_detail, name="incident_detail"),
    path("incidents/<uuid:code>/update/", incident_views.incident_update, name="incident_update"),
    path(
        "incidents/<uuid:code>/summary/",
        incident_views.incident_summary_send,
        name="incident_summary_send",
    ),
    path(
        "incidents/<uuid:code>/export.json",
        incident_views.incident_export_json,
        name="incident_export_json",
    ),
    path(
        "incidents/<uuid:code>/print/",
        incident_views.incident_export_print,
        name="incident_export_print",
    ),
    path("incident-summaries/", incident_views.summary_list, name="incident_summary_list"),
    path(
        "incident-summaries/<uuid:code>/",
        incident_views.summary_detail,
        name="incident_summary_detail",
    ),
    # Enquiries through the SPOC.
    path("enquiries/", enquiry_views.enquiry_list, name="enquiry_list"),
    path("enquiries/new/", enquiry_views.enquiry_new, name="enquiry_new"),
    path("enquiries/<uuid:code>/", enquiry_views.enquiry_detail, name="enquiry_detail"),
    path("enquiries/<uuid:code>/reply/", enquiry_views.enquiry_reply, name="enquiry_reply"),
    path("enquiries/<uuid:code>/close/", enquiry_views.enquiry_close, name="enquiry_close"),
]

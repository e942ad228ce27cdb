from django.urls import include, path

from . import staff_views, views

urlpatterns = [
    path("<uuid:code>/", views.school_detail, name="school_detail"),
    path("<uuid:code>/invite/", views.invite_staff, name="invite_staff"),
    path("<uuid:code>/spoc/", views.name_spoc, name="name_spoc"),
    path(
        "<uuid:code>/data-protection-lead/",
        views.name_data_protection_lead,
        name="name_data_protection_lead",
    ),
    path("", include("schools.pupil_urls")),
    path("<uuid:code>/staff/import/", staff_views.staff_import, name="staff_import"),
    path(
        "<uuid:code>/staff/import/<uuid:intake>/",
        staff_views.staff_import_preview,
        name="staff_import_preview",
    ),
    path(
        "<uuid:code>/people/<uuid:membership>/end/",
        staff_views.membership_end,
        name="membership_end",
    ),
]

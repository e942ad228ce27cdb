from django.urls import path

from . import activity_views as views

urlpatterns = [
    path("", views.activity_list, name="activity_list"),
    path("new/", views.activity_new, name="activity_new"),
    path("schools/<uuid:school>/", views.activity_list, name="school_activity_list"),
    path("<uuid:code>/", views.activity_detail, name="activity_detail"),
    path("<uuid:code>/correct/", views.activity_edit, name="activity_edit"),
    path("<uuid:code>/close/", views.activity_close, name="activity_close"),
    path("requests/", views.session_request_list, name="session_request_list"),
    path("requests/new/", views.session_request_new, name="session_request_new"),
    path("requests/<uuid:code>/", views.session_request_detail, name="session_request_detail"),
    path(
        "requests/<uuid:code>/schedule/",
        views.session_request_schedule,
        name="session_request_schedule",
    ),
    path(
        "requests/<uuid:code>/decline/",
        views.session_request_decline,
        name="session_request_decline",
    ),
    path(
        "requests/<uuid:code>/withdraw/",
        views.session_request_withdraw,
        name="session_request_withdraw",
    ),
]

from django.urls import path

from . import views

urlpatterns = [
    path("", views.referral_list, name="referral_list"),
    path("school/", views.school_referral_list, name="school_referral_list"),
    path("pupils/", views.pupil_search, name="referral_pupil_search"),
    path("pupils/<uuid:pupil>/new/", views.referral_new, name="referral_new"),
    path("<uuid:code>/", views.referral_detail, name="referral_detail"),
    path("<uuid:code>/status/", views.referral_move, name="referral_move"),
    path("schemes/", views.scheme_list, name="scheme_list"),
    path("schemes/new/", views.scheme_edit, name="scheme_new"),
    path("schemes/<uuid:code>/edit/", views.scheme_edit, name="scheme_edit"),
    path("conferences/", views.conference_list, name="conference_list"),
    path("conferences/new/<uuid:pupil>/", views.conference_new, name="conference_new"),
    path("conferences/<uuid:code>/", views.conference_detail, name="conference_detail"),
    path(
        "conferences/<uuid:code>/actions/",
        views.conference_action_add,
        name="conference_action_add",
    ),
    path(
        "conferences/<uuid:code>/actions/<uuid:action>/done/",
        views.conference_action_done,
        name="conference_action_done",
    ),
]

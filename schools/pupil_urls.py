from django.urls import path

from . import pupil_views as views

urlpatterns = [
    path("<uuid:code>/pupils/", views.pupil_list, name="pupil_list"),
    path("<uuid:code>/pupils/new/", views.pupil_new, name="pupil_new"),
    path("<uuid:code>/pupils/find/", views.pupil_find, name="pupil_find"),
    path("<uuid:code>/roll/", views.roll_upload, name="roll_upload"),
    path("pupils/<uuid:code>/correct/", views.pupil_correct, name="pupil_correct"),
    path("roll/<uuid:code>/", views.roll_preview, name="roll_preview"),
    path("roll/<uuid:code>/columns/", views.roll_columns, name="roll_columns"),
    path("roll/<uuid:code>/apply/", views.roll_apply, name="roll_apply"),
    path("roll/<uuid:code>/abandon/", views.roll_abandon, name="roll_abandon"),
]

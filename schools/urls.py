from django.urls import include, path

from . import views

urlpatterns = [
    path("<uuid:code>/", views.school_detail, name="school_detail"),
    path("<uuid:code>/invite/", views.invite_staff, name="invite_staff"),
    path("<uuid:code>/spoc/", views.name_spoc, name="name_spoc"),
    path("", include("schools.pupil_urls")),
]

from django.urls import path

from . import awareness_views, views

urlpatterns = [
    path("sharing-log/", views.sharing_log, name="sharing_log"),
    path("sharing-log.csv", views.sharing_log_csv, name="sharing_log_csv"),
    path("<uuid:code>/summary/", awareness_views.ssp_summary, name="ssp_summary"),
    path("<uuid:code>/awareness/", awareness_views.awareness_staff, name="awareness_staff"),
]

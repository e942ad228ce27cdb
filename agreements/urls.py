from django.urls import path

from . import views

urlpatterns = [
    path("sharing-log/", views.sharing_log, name="sharing_log"),
    path("sharing-log.csv", views.sharing_log_csv, name="sharing_log_csv"),
]

from django.urls import path

from . import views

app_name = "encompass"
urlpatterns = [
    path("", views.notification_list, name="list"),
    path("send/", views.notification_send, name="send"),
    path("schools/<uuid:code>/term-dates/", views.term_dates, name="term_dates"),
    path(
        "schools/<uuid:code>/term-dates/<int:pk>/remove/",
        views.term_date_remove,
        name="term_date_remove",
    ),
    path("<uuid:code>/", views.notification_detail, name="detail"),
    path("<uuid:code>/acknowledge/", views.notification_acknowledge, name="acknowledge"),
    path("<uuid:code>/match/", views.notification_match, name="match"),
]

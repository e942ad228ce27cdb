from django.urls import path

from . import disposal_views as views

urlpatterns = [
    path("", views.disposal_list, name="disposal_list"),
    path("<uuid:code>/", views.disposal_detail, name="disposal_detail"),
]

from django.urls import path

from . import gias_views as views

urlpatterns = [
    path("", views.gias_register, name="gias_register"),
    path("imports/", views.gias_imports, name="gias_imports"),
    path("imports/new/", views.gias_import_new, name="gias_import_new"),
    path("imports/<uuid:code>/", views.gias_import_detail, name="gias_import_detail"),
    path(
        "imports/<uuid:code>/progress.json",
        views.gias_import_progress,
        name="gias_import_progress",
    ),
    path("imports/<uuid:code>/start/", views.gias_import_restart, name="gias_import_restart"),
    path("imports/<uuid:code>/apply/", views.gias_import_apply, name="gias_import_apply"),
    path("imports/<uuid:code>/abandon/", views.gias_import_abandon, name="gias_import_abandon"),
]

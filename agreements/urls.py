from django.urls import path

from . import action_plan_views, views

urlpatterns = [
    path("sharing-log/", views.sharing_log, name="sharing_log"),
    path("sharing-log.csv", views.sharing_log_csv, name="sharing_log_csv"),
    path("<uuid:code>/action-plan/", action_plan_views.action_plan, name="action_plan"),
    path(
        "<uuid:code>/action-plan/new/",
        action_plan_views.action_plan_item_add,
        name="action_plan_item_add",
    ),
    path(
        "<uuid:code>/action-plan/<uuid:item>/",
        action_plan_views.action_plan_item_edit,
        name="action_plan_item_edit",
    ),
]

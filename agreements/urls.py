from django.urls import path

from . import action_plan_views, appraisal_views, awareness_views, partnership_views, views

urlpatterns = [
    path("sharing-log/", views.sharing_log, name="sharing_log"),
    path("sharing-log.csv", views.sharing_log_csv, name="sharing_log_csv"),
    # The partnership register, the force's protocol and DSA versions, signing, revocation.
    path("", partnership_views.partnership_list, name="partnership_list"),
    path("new/", partnership_views.partnership_new, name="partnership_new"),
    path("documents/", partnership_views.document_list, name="document_list"),
    path("documents/new/", partnership_views.document_new, name="document_new"),
    path("documents/<uuid:code>/", partnership_views.document_detail, name="document_detail"),
    path("documents/<uuid:code>/edit/", partnership_views.document_edit, name="document_edit"),
    path(
        "documents/<uuid:code>/publish/",
        partnership_views.document_publish,
        name="document_publish",
    ),
    path("<uuid:code>/", partnership_views.partnership_detail, name="partnership_detail"),
    path("<uuid:code>/status/", partnership_views.partnership_move, name="partnership_move"),
    path(
        "<uuid:code>/sign/<uuid:document>/",
        partnership_views.partnership_sign,
        name="partnership_sign",
    ),
    path("<uuid:code>/revoke/", partnership_views.partnership_revoke, name="partnership_revoke"),
    # Staff awareness: each member of staff confirms the SSP's summary; the head sees who has.
    path("<uuid:code>/summary/", awareness_views.ssp_summary, name="ssp_summary"),
    path("<uuid:code>/awareness/", awareness_views.awareness_staff, name="awareness_staff"),
    path(
        "<uuid:code>/awareness/remind/",
        awareness_views.awareness_remind_staff,
        name="awareness_remind",
    ),
]

# The appraisal's feedback rounds (the reviews are in ssp/urls.py: they read reports/).
urlpatterns += [
    path("<uuid:code>/feedback/", appraisal_views.round_list, name="feedback_round_list"),
    path("<uuid:code>/feedback/new/", appraisal_views.round_new, name="feedback_round_new"),
    path("feedback/<uuid:code>/", appraisal_views.round_results, name="feedback_round_results"),
    path("feedback/<uuid:code>/answer/", appraisal_views.feedback_answer, name="feedback_answer"),
]

# The partnership action plan the school and its SSPO keep.
urlpatterns += [
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

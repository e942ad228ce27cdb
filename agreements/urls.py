from django.urls import path

from . import appraisal_views, views

urlpatterns = [
    path("sharing-log/", views.sharing_log, name="sharing_log"),
    path("sharing-log.csv", views.sharing_log_csv, name="sharing_log_csv"),
]

# The appraisal's feedback rounds (the reviews are in ssp/urls.py: they read reports/).
urlpatterns += [
    path("<uuid:code>/feedback/", appraisal_views.round_list, name="feedback_round_list"),
    path("<uuid:code>/feedback/new/", appraisal_views.round_new, name="feedback_round_new"),
    path("feedback/<uuid:code>/", appraisal_views.round_results, name="feedback_round_results"),
    path("feedback/<uuid:code>/answer/", appraisal_views.feedback_answer, name="feedback_answer"),
]

from django.urls import path

from . import views

app_name = "records"

urlpatterns = [
    path("rules/", views.rule_list, name="rules"),
    path("rules/<uuid:code>/<slug:kind>/", views.rule_lengthen, name="rule_lengthen"),
    path("review/", views.review_list, name="review_list"),
    path("review/dispose/", views.review_dispose_selected, name="review_dispose_selected"),
    path("review/<uuid:code>/keep/", views.review_keep, name="review_keep"),
    path("review/<uuid:code>/dispose/", views.review_dispose, name="review_dispose"),
    path("review/<uuid:code>/hold/", views.hold_record, name="hold_record"),
    path("holds/", views.hold_list, name="hold_list"),
    path("holds/pupil/<uuid:code>/", views.hold_pupil, name="hold_pupil"),
    path("holds/<uuid:code>/lift/", views.hold_lift, name="hold_lift"),
]

from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from . import problems, views

v1 = [
    path("incidents/", views.IncidentList.as_view(), name="api_incidents"),
    path("incidents/changes/", views.IncidentChanges.as_view(), name="api_incident_changes"),
    path("incidents/<uuid:code>/", views.IncidentDetail.as_view(), name="api_incident"),
    path("referrals/", views.ReferralList.as_view(), name="api_referrals"),
    path("referrals/<uuid:code>/", views.ReferralDetail.as_view(), name="api_referral"),
    path("partnerships/", views.PartnershipList.as_view(), name="api_partnerships"),
    path(
        "encompass/notifications/",
        views.EncompassNotifications.as_view(),
        name="api_encompass_notifications",
    ),
]

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="api_schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api_schema"), name="api_docs"),
    path("v1/", include(v1)),
    re_path(r"", problems.not_found),
]

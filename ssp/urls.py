from allauth.account import views as account_views
from allauth.account.decorators import reauthentication_required, secure_admin_login
from django.contrib import admin
from django.urls import include, path

from api import pages as api_pages
from reports import review_views
from reports import views as reports_views
from schools import views as schools_views

from . import health, views

# The admin signs in through allauth's pages, so MFA and throttling apply there too.
admin.site.login = secure_admin_login(admin.site.login)
admin.site.site_header = "SSP Portal administration"

urlpatterns = [
    path("", reports_views.home, name="home"),
    # allauth asks only for the old password here: step up with a second factor first, as
    # for e-mail and authenticator changes (SECURITY.md).
    path(
        "accounts/password/change/",
        reauthentication_required(account_views.password_change),
        name="account_change_password",
    ),
    path("healthz", health.healthz, name="healthz"),
    path("accessibility/", views.accessibility, name="accessibility"),
    path("session/keep-alive/", views.session_keep_alive, name="session_keep_alive"),
    path("api/", include("api.urls")),
    path("api-clients/", api_pages.client_approvals, name="api_client_approvals"),
    path("api-clients/<uuid:code>/", api_pages.client_decide, name="api_client_decide"),
    path("accounts/", include("allauth.urls")),
    path("invitations/<str:token>/", schools_views.invitation_accept, name="invitation_accept"),
    path("invite/", schools_views.invite_anyone, name="invite_anyone"),
    path("team/invite/", schools_views.invite_officer, name="invite_officer"),
    path("schools/", include("schools.urls")),
    path("pupils/<uuid:code>/", reports_views.pupil_chronology, name="pupil_chronology"),
    path(
        "pupils/<uuid:code>/chronology.pdf",
        reports_views.pupil_chronology_pdf,
        name="pupil_chronology_pdf",
    ),
    path("records/subject-access/", include("records.urls_sar")),
    path("notifications/", views.notifications, name="notifications"),
    path("notifications/read/", views.notifications_read_all, name="notifications_read_all"),
    path("notifications/<uuid:code>/", views.notification_open, name="notification_open"),
    path("concerns/", include("incidents.urls")),
    path("referrals/", include("referrals.urls")),
    path("encompass/", include("encompass.urls")),
    path("records/disposals/", include("records.urls_disposal")),
    # The appraisal review reads every app's figures, so its pages are in reports/.
    path("partnerships/<uuid:code>/reviews/", review_views.review_list, name="review_list"),
    path("partnerships/<uuid:code>/reviews/new/", review_views.review_new, name="review_new"),
    path(
        "partnerships/<uuid:code>/reviews/<uuid:review>/",
        review_views.review_detail,
        name="review_detail",
    ),
    path("partnerships/", include("agreements.urls")),
    path("activity/", include("schools.activity_urls")),
    path("records/", include("records.urls")),
    path("admin/", admin.site.urls),
    path("allocation/", include("schools.allocation_urls")),
    path("schools-register/", include("schools.gias_urls")),
    path("overview/", reports_views.overview, name="overview"),
    path(
        "overview/partnerships.csv",
        reports_views.overview_partnerships_csv,
        name="overview_partnerships_csv",
    ),
    path(
        "overview/concerns.csv", reports_views.overview_concerns_csv, name="overview_concerns_csv"
    ),
    path("overview/triage.csv", reports_views.overview_triage_csv, name="overview_triage_csv"),
]

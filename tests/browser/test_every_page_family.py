"""axe on the page families no flow test walks (issue 13): each person's pages, with records on
them, at 1024 and 375 pixels, with no WCAG 2.2 A or AA violation of any impact.

The flows (test_*_flow.py) check the pages they pass through; this file checks the rest, and
tests/ssp/test_every_page_is_checked.py keeps the two lists whole as URLs are added.
"""

import datetime as dt
import json

import pytest
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from django.conf import settings
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone
from django.utils.module_loading import import_string
from django.views.defaults import bad_request, server_error

from agreements.models import FeedbackRound
from encompass import services as encompass
from incidents.services import concern_add_note, incident_send_summary
from records import services as records
from schools.models import Assignment
from tests.api.conftest import register  # noqa: F401 (a fixture)
from tests.encompass.test_notifications import details
from tests.factories import DocumentFactory
from tests.incidents.conftest import (  # noqa: F401 (fixtures)
    acknowledged_concern_a,
    concern_a,
    enquiry_a,
    incident_a,
    make_concern,
    make_incident,
    shared_concern_a,
)
from tests.referrals.conftest import conference_a, make_referral, referral_a, scheme  # noqa: F401
from tests.schools.activity_fixtures import activity_a, request_a  # noqa: F401

from .conftest import AXE
from .test_overview import sign_in
from .test_sign_in import sign_in as real_sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = (1024, 375)
WCAG_22_A_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


def all_violations(page) -> list[dict]:
    """Every WCAG 2.2 A/AA violation axe finds on the page as it is now, whatever its impact."""
    page.evaluate(AXE.read_text())
    result = page.evaluate(
        "(tags) => axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG_22_A_AA
    )
    return [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"][:3]]}
        for v in result["violations"]
    ]


def check(page, paths: list[str], *, status=200) -> None:
    """Open each page and check it at both widths; report every page's violations at once."""
    found = {}
    for path in paths:
        response = page.goto(path)
        assert response.status == status, f"{path} answered {response.status}"
        found.update(at_both_widths(page, path))
    assert found == {}, json.dumps(found, indent=1)


def at_both_widths(page, label: str) -> dict:
    found = {}
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        violations = all_violations(page)
        if violations:
            found[f"{label} at {width}px"] = violations
    return found


def the(request, *names):
    """Other folders' fixtures, by name (importing them would shadow the test's arguments)."""
    return [request.getfixturevalue(name) for name in names]


@pytest.fixture
def encompass_notice(sergeant, sspo_a, school_a, spoc_a, pupil_a):
    """A notice from the force's Encompass team about Amelia, matched to her."""
    notice, _ = encompass.receive(
        school=school_a,
        sender=sergeant,
        details=details(
            child_first_name=pupil_a.first_name,
            child_last_name=pupil_a.last_name,
            child_date_of_birth=pupil_a.date_of_birth,
            police_reference="DA/2026/0042",
            incident_at=timezone.now() - dt.timedelta(hours=10),
        ),
    )
    return notice


def test_signed_out_pages(page, db):
    check(
        page,
        [
            reverse("accessibility"),
            reverse("account_reset_password"),
            reverse("account_reset_password_done"),
            reverse("account_reset_password_from_key", kwargs={"uidb36": "1", "key": "x-y"}),
            reverse("account_reset_password_from_key_done"),
        ],
    )
    check(page, [reverse("invitation_accept", args=["no-such-invitation"])], status=404)


def test_security_pages_after_a_real_sign_in(page, staff_a):
    """The authenticator and password pages ask for a recent second factor: sign in through
    the sign-in pages, so the session holds one."""
    RecoveryCodes.activate(staff_a)
    real_sign_in(page, staff_a)
    check(
        page,
        [
            reverse("mfa_index"),
            reverse("mfa_list_webauthn"),
            reverse("mfa_add_webauthn"),
            reverse("mfa_view_recovery_codes"),
            reverse("mfa_generate_recovery_codes"),
            reverse("mfa_deactivate_totp"),
            reverse("account_email"),
            reverse("account_change_password"),
        ],
    )


def test_staff_pages(request, page, staff_a):
    (concern,) = the(request, "concern_a")
    concern_add_note(concern=concern, by=staff_a, text="The pupil's coat was found.")
    sign_in(page, staff_a)
    check(
        page,
        [
            reverse("my_concerns"),
            reverse("early_intervention_new"),
            reverse("concern_detail", args=[concern.code]),
            reverse("accessibility"),
        ],
    )
    check(page, ["/concerns/no-such-page/"], status=404)
    check(page, [reverse("overview")], status=403)


def test_school_lead_pages(request, page, spoc_a, sspo_a, school_a, pupil_a, encompass_notice):
    enquiry, referral, conference, asked, incident = the(
        request, "enquiry_a", "referral_a", "conference_a", "request_a", "incident_a"
    )
    encompass.term_date_add(
        by=spoc_a,
        school=school_a,
        kind="holiday",
        label="Half term",
        starts_on=timezone.localdate() + dt.timedelta(days=20),
        ends_on=timezone.localdate() + dt.timedelta(days=27),
    )
    summary = incident_send_summary(
        incident=incident, by=sspo_a, text="Knife seized; the pupil was spoken to."
    )
    sign_in(page, spoc_a)
    check(
        page,
        [
            reverse("notifications"),
            reverse("encompass:list"),
            reverse("encompass:detail", args=[encompass_notice.code]),
            reverse("encompass:term_dates", args=[school_a.code]),
            reverse("enquiry_list"),
            reverse("enquiry_new"),
            reverse("enquiry_detail", args=[enquiry.code]),
            reverse("school_referral_list"),
            reverse("referral_detail", args=[referral.code]),
            reverse("conference_list"),
            reverse("conference_detail", args=[conference.code]),
            reverse("incident_summary_list"),
            reverse("incident_summary_detail", args=[summary.code]),
            reverse("session_request_list"),
            reverse("session_request_new"),
            reverse("session_request_detail", args=[asked.code]),
            reverse("school_activity_list", args=[school_a.code]),
            reverse("pupil_new", args=[school_a.code]),
            reverse("pupil_correct", args=[pupil_a.code]),
            reverse("roll_upload", args=[school_a.code]),
        ],
    )


def test_head_pages(request, page, head_a, school_a, pupil_a):
    shared_concern, _ = the(request, "shared_concern_a", "retention_rules")
    hold = records.hold_place(by=head_a, school=school_a, pupil=pupil_a, reason="An inquiry")
    sign_in(page, head_a)
    check(
        page,
        [
            reverse("concern_access_log", args=[shared_concern.code]),
            reverse("school_detail", args=[school_a.code]),
            reverse("name_spoc", args=[school_a.code]),
            reverse("name_data_protection_lead", args=[school_a.code]),
            reverse("records:rules"),
            reverse("records:rule_lengthen", args=[school_a.code, "concern"]),
            reverse("records:hold_list"),
            reverse("records:hold_pupil", args=[pupil_a.code]),
            reverse("records:hold_lift", args=[hold.code]),
            reverse("staff_import", args=[school_a.code]),
            reverse("partnership_revoke", args=[school_a.partnership.code]),
            reverse("subject_access", args=[pupil_a.code]),
        ],
    )


def test_officer_pages(request, page, sspo_a, pupil_a):
    referral, conference, activity, asked = the(
        request, "referral_a", "conference_a", "activity_a", "request_a"
    )
    the(request, "acknowledged_concern_a")
    sign_in(page, sspo_a)
    check(
        page,
        [
            reverse("incident_list"),
            reverse("shared_with_me"),
            reverse("referral_list"),
            reverse("referral_detail", args=[referral.code]),
            reverse("referral_pupil_search"),
            reverse("conference_new", args=[pupil_a.code]),
            reverse("conference_detail", args=[conference.code]),
            reverse("scheme_list"),
            reverse("activity_detail", args=[activity.code]),
            reverse("activity_edit", args=[activity.code]),
            reverse("session_request_detail", args=[asked.code]),
            reverse("pupil_chronology", args=[pupil_a.code]),
        ],
    )


def test_sergeant_pages(request, page, sergeant, safer_team, school_a, encompass_notice, force):
    register_client, a_scheme = the(request, "register", "scheme")
    register_client(team=safer_team, approved=False)  # waits for the sergeant's approval
    draft = DocumentFactory(force=force)
    partnership = school_a.partnership
    feedback = FeedbackRound.objects.create(
        partnership=partnership,
        title="Autumn term 2026",
        opens_on=timezone.localdate() - dt.timedelta(days=1),
        closes_on=timezone.localdate() + dt.timedelta(days=7),
        opened_by=sergeant,
    )
    assignment = Assignment.objects.current().get(school=school_a)
    sign_in(page, sergeant)
    check(
        page,
        [
            reverse("api_client_approvals"),
            reverse("encompass:list"),
            reverse("encompass:send"),
            reverse("encompass:detail", args=[encompass_notice.code]),
            reverse("invite_officer"),
            reverse("document_list"),
            reverse("document_new"),
            reverse("document_detail", args=[draft.code]),
            reverse("document_edit", args=[draft.code]),
            reverse("document_publish", args=[draft.code]),
            reverse("partnership_move", args=[partnership.code]),
            reverse("feedback_round_list", args=[partnership.code]),
            reverse("feedback_round_new", args=[partnership.code]),
            reverse("feedback_round_results", args=[feedback.code]),
            reverse("assignment_end", args=[assignment.code]),
            reverse("partnership_new"),
            reverse("partnership_list"),
            reverse("review_list", args=[partnership.code]),
            reverse("need_figures", args=[school_a.code]),
            reverse("sspo_criteria", args=[school_a.code]),
            reverse("need_measure_new"),
            reverse("scheme_new"),
            reverse("scheme_edit", args=[a_scheme.code]),
            reverse("notifications"),
        ],
    )


def test_administrator_pages(page, admin_user):
    sign_in(page, admin_user)
    check(page, [reverse("invite_anyone"), reverse("accessibility")])


def test_error_pages_no_url_leads_to(page, db):
    """The server error, bad request and refused-form pages, as Django's handlers draw them,
    put into a page of the portal (so its styles load) and checked like any other."""
    factory = RequestFactory()
    drawn = {
        "500": server_error(factory.get("/")),
        "400": bad_request(factory.get("/"), Exception("bad")),
        "403 (form refused)": import_string(settings.CSRF_FAILURE_VIEW)(
            factory.post("/"), reason="no token"
        ),
    }
    page.goto(reverse("accessibility"))
    found = {}
    for label, response in drawn.items():
        html = response.content.decode()
        assert '<footer class="govuk-footer"' in html, label
        page.set_content(html)
        found.update(at_both_widths(page, label))
    assert found == {}, json.dumps(found, indent=1)

"""Every page of the portal is checked with axe in the browser tests (issue 13): each URL name is
either opened by tests/browser/test_every_page_family.py, walked by a named flow test that
checks it, or listed here as no page of its own. A new URL fails this until it is one of them.
"""

import re
from pathlib import Path

from django.urls import URLPattern, URLResolver, get_resolver

BROWSER = Path(__file__).resolve().parents[1] / "browser"
SWEEP = BROWSER / "test_every_page_family.py"

# Pages a flow test walks through and checks with look() or assert_accessible().
IN_FLOWS = {
    "home": "test_sign_in.py",
    "account_login": "test_sign_in.py",
    "mfa_authenticate": "test_sign_in.py",
    "mfa_activate_totp": "test_sign_in.py",
    "mfa_reauthenticate": "test_caseload_flow.py",
    "concern_new": "test_concern_flow.py",
    "concern_detail": "test_concern_flow.py",
    "triage_queue": "test_concern_flow.py",
    "concern_share": "test_share_flow.py",
    "incident_new": "test_caseload_flow.py",
    "incident_detail": "test_caseload_flow.py",
    "incident_export_print": "test_print_flow.py",
    "referral_new": "test_caseload_flow.py",
    "pupil_chronology": "test_caseload_flow.py",
    "pupil_find": "test_pupil_find_flow.py",
    "pupil_list": "test_roll_flow.py",
    "roll_columns": "test_roll_flow.py",
    "roll_preview": "test_roll_flow.py",
    "activity_list": "test_activity_flow.py",
    "activity_new": "test_activity_flow.py",
    "action_plan": "test_activity_flow.py",
    "action_plan_item_add": "test_activity_flow.py",
    "action_plan_item_edit": "test_activity_flow.py",
    "allocation": "test_allocation_flow.py",
    "allocation_school": "test_allocation_flow.py",
    "need_weights": "test_allocation_flow.py",
    "assign_officer": "test_allocation_flow.py",
    "awareness_staff": "test_allocation_flow.py",
    "ssp_summary": "test_allocation_flow.py",
    "invite_staff": "test_roles_reach_their_work.py",
    "sharing_log": "test_roles_reach_their_work.py",
    "staff_import_preview": "test_staff_flow.py",
    "membership_end": "test_staff_flow.py",
    "gias_register": "test_gias_flow.py",
    "gias_imports": "test_gias_flow.py",
    "gias_import_new": "test_gias_flow.py",
    "gias_import_detail": "test_gias_flow.py",
    "overview": "test_overview.py",
    "partnership_detail": "test_signing_flow.py",
    "partnership_sign": "test_signing_flow.py",
    "feedback_answer": "test_review_flow.py",
    "review_new": "test_review_flow.py",
    "review_detail": "test_review_flow.py",
    "records:review_list": "test_records_flow.py",
    "records:review_keep": "test_records_flow.py",
    "records:review_dispose_selected": "test_records_flow.py",
    "records:review_dispose": "test_records_flow.py",
    "records:hold_record": "test_records_flow.py",
    "disposal_list": "test_disposal_flow.py",
    "disposal_detail": "test_disposal_flow.py",
}

# No page of their own: answers to a POST (which come back to a checked page), downloads,
# JSON, redirects, and the pages the accessibility statement names as not checked.
NOT_PAGES = {
    "healthz": "JSON for the load balancer",
    "session_keep_alive": "JSON for the timeout warning (its dialog: test_session_timeout.py)",
    "api_schema": "the API's OpenAPI document",
    "api_docs": "Swagger UI: named in the accessibility statement as not checked",
    "api_incidents": "API",
    "api_incident_changes": "API",
    "api_incident": "API",
    "api_referrals": "API",
    "api_referral": "API",
    "api_partnerships": "API",
    "api_encompass_notifications": "API",
    "api_client_decide": "POST",
    "pupil_chronology_pdf": "a PDF: its tags are tested in tests/reports/test_chronology_pdf.py",
    "notifications_read_all": "POST",
    "notification_open": "a redirect to what the notification is about",
    "concern_triage": "POST",
    "concern_note": "POST",
    "concern_acknowledge": "POST",
    "concern_police_outcome": "POST",
    "attachment_download": "a file download",
    "incident_update": "POST",
    "incident_summary_send": "POST",
    "incident_export_json": "JSON download",
    "enquiry_reply": "POST",
    "enquiry_close": "POST",
    "referral_move": "POST",
    "conference_action_add": "POST",
    "conference_action_done": "POST",
    "encompass:acknowledge": "POST",
    "encompass:match": "POST",
    "encompass:term_date_remove": "POST",
    "sharing_log_csv": "CSV download",
    "overview_partnerships_csv": "CSV download",
    "overview_concerns_csv": "CSV download",
    "overview_triage_csv": "CSV download",
    "awareness_remind": "POST",
    "activity_close": "POST",
    "session_request_schedule": "POST",
    "session_request_decline": "POST",
    "session_request_withdraw": "POST",
    "roll_apply": "POST",
    "roll_abandon": "POST",
    "gias_import_progress": "JSON polled by the progress bar",
    "gias_import_restart": "POST",
    "gias_import_apply": "POST",
    "gias_import_abandon": "POST",
    "mfa_download_recovery_codes": "a text file download",
    "account_logout": "POST from the header's button",
    "account_reauthenticate": "refused (the 403 page, checked): step-up is never by password",
    "mfa_login_webauthn": "the passkey sign-in's endpoint, called by the sign-in page's script",
    "mfa_reauthenticate_webauthn": "the passkey step-up's endpoint, called by the page's script",
}


def url_names(patterns=None, namespace="") -> set[str]:
    names = set()
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            if pattern.namespace == "admin":
                continue  # Django's admin: named in the accessibility statement as not checked
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            names |= url_names(pattern.url_patterns, inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            names.add(namespace + pattern.name)
    return names


def swept() -> set[str]:
    return set(re.findall(r'reverse\("([\w:]+)"', SWEEP.read_text()))


# allauth's pages the portal does not offer: no sign-up, no e-mailed codes, no social accounts,
# and every account is made with a password when its invitation is accepted.
UNUSED_ALLAUTH = re.compile(
    r"^(account_(signup|inactive|confirm_login_code|request_reauthentication_code"
    r"|confirm_reauthentication_code|email_verification_sent|confirm_email|set_password)"
    r"|socialaccount_.*)$"
)

# Pages known not to be checked yet, and why: each is a gap to close, not a pass.
NOT_YET = {
    "mfa_edit_webauthn": "needs a registered passkey, which only a real authenticator makes",
    "mfa_remove_webauthn": "needs a registered passkey, which only a real authenticator makes",
}


def test_every_page_is_checked_somewhere():
    names = {name for name in url_names() if not UNUSED_ALLAUTH.match(name)}
    unchecked = names - swept() - set(IN_FLOWS) - set(NOT_PAGES) - set(NOT_YET)
    assert unchecked == set(), "check these pages with axe: " + ", ".join(sorted(unchecked))


def test_the_lists_name_only_urls_that_exist_and_flows_that_check():
    names = url_names()
    assert swept() <= names
    assert set(IN_FLOWS) <= names and set(NOT_PAGES) <= names and set(NOT_YET) <= names
    for flow in set(IN_FLOWS.values()):
        text = (BROWSER / flow).read_text()
        assert "look(page" in text or "assert_accessible(page" in text, flow


def test_the_sweep_is_at_both_widths_and_counts_every_impact():
    text = SWEEP.read_text()
    assert "WIDTHS = (1024, 375)" in text
    assert '"wcag22aa"' in text and "serious" not in text

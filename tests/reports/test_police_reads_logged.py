"""Every page that shows a police user a child's name is in the access log, with its purpose
(DPA 2018 s.62; issue 10, hole 4)."""

import pytest
from django.urls import reverse

from ssp.models import AccessLog
from ssp.roles import POLICE_ROLES


@pytest.fixture
def records(shared_concern_a, make_incident, school_a, pupil_a, referral_a, conference_a):
    """One of each police record, all about Amelia, at the officer's school."""
    return {"incident": make_incident(school=school_a, pupils=[pupil_a])}


# page → (how to reach it, the action its rows carry)
PAGES = {
    "home": (lambda p: ("get", reverse("home"), None), "caseload"),
    "shared concerns": (
        lambda p: ("get", reverse("shared_with_me"), None),
        "list_shared_concerns",
    ),
    "incidents": (lambda p: ("get", reverse("incident_list"), None), "list_incidents"),
    "referrals": (lambda p: ("get", reverse("referral_list"), None), "list_referrals"),
    "conferences": (lambda p: ("get", reverse("conference_list"), None), "list_conferences"),
    "new referral": (lambda p: ("get", reverse("referral_new", args=[p.code]), None), "refer"),
    "new conference": (
        lambda p: ("get", reverse("conference_new", args=[p.code]), None),
        "conference",
    ),
    "conference pupil search": (
        lambda p: (
            "post",
            reverse("conference_new", args=[p.code]),
            {"search": "1", "q": p.last_name, "pupils": []},
        ),
        "search_result",
    ),
    "new enquiry": (lambda p: ("get", reverse("enquiry_new"), None), "enquiry_choices"),
}
SERGEANT_PAGES = ["shared concerns", "incidents", "referrals", "conferences"]


def _visit(client, page, pupil):
    method, url, data = PAGES[page][0](pupil)
    response = getattr(client, method)(url, data) if data is not None else client.get(url)
    assert response.status_code == 200, page
    return response


@pytest.mark.parametrize("page", list(PAGES))
def test_a_police_page_showing_a_childs_name_logs_it_with_a_purpose(
    client, records, sspo_a, pupil_a, page
):
    client.force_login(sspo_a)
    response = _visit(client, page, pupil_a)
    assert pupil_a.last_name in response.content.decode()
    row = AccessLog.objects.get(
        user=sspo_a, action=PAGES[page][1], object_type="pupil", object_code=pupil_a.code
    )
    assert row.outcome == AccessLog.Outcome.ALLOWED
    assert row.purpose and row.role == "sspo"


@pytest.mark.parametrize("page", SERGEANT_PAGES)
def test_the_sergeants_lists_of_children_are_logged_with_a_purpose(
    client, records, sergeant, pupil_a, page
):
    client.force_login(sergeant)
    _visit(client, page, pupil_a)
    row = AccessLog.objects.get(user=sergeant, action=PAGES[page][1], object_code=pupil_a.code)
    assert row.purpose == "Supervision of the Safer Schools team"


def test_a_school_persons_list_is_not_logged_as_a_police_read(client, records, spoc_a):
    client.force_login(spoc_a)
    client.get(reverse("school_referral_list"))
    assert not AccessLog.objects.filter(user=spoc_a, object_type="pupil").exists()


def test_no_police_row_is_ever_without_a_purpose(
    client, records, sspo_a, sspo_b, sergeant, pupil_a, referral_a, conference_a, shared_concern_a
):
    """Pages, records, searches and refused attempts alike: every police row says why."""
    client.force_login(sspo_a)
    for page in PAGES:
        _visit(client, page, pupil_a)
    for url in (
        reverse("referral_detail", args=[referral_a.code]),
        reverse("conference_detail", args=[conference_a.code]),
        reverse("concern_detail", args=[shared_concern_a.code]),
        reverse("incident_detail", args=[records["incident"].code]),
        reverse("pupil_chronology", args=[pupil_a.code]),
    ):
        assert client.get(url).status_code == 200
    client.force_login(sspo_b)  # another school's officer: refused, and logged
    assert client.get(reverse("referral_detail", args=[referral_a.code])).status_code == 404
    assert client.get(reverse("pupil_chronology", args=[pupil_a.code])).status_code == 404
    client.force_login(sergeant)
    for page in SERGEANT_PAGES:
        _visit(client, page, pupil_a)
    police_rows = AccessLog.objects.filter(role__in=POLICE_ROLES)
    assert police_rows.filter(outcome=AccessLog.Outcome.NOT_FOUND, user=sspo_b).count() == 2
    assert police_rows.count() > 20
    assert not police_rows.filter(purpose="").exists()

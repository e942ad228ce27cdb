"""The access matrix for schemes, referrals and case conferences.

Every case builds the same world (a referral and a conference at school A, made by sspo_a)
so an allowed and a denied case differ only in who asks.
"""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from referrals.models import Conference, ConferenceAction, Referral, Scheme
from ssp.models import AccessLog

ANON = "anonymous"
PEOPLE = [
    "staff_a",
    "spoc_a",
    "head_a",
    "spoc_b",
    "head_b",
    "sspo_a",
    "sspo_b",
    "sergeant",
    "other_sergeant",
    "yet_officer",
    "admin_user",
]
POLICE_TEAM = {"sspo_a", "sspo_b", "sergeant"}


def who(request, name):
    return None if name == ANON else request.getfixturevalue(name)


@pytest.fixture
def world(request, referral_a, conference_a, scheme, spoc_a, head_a, spoc_b, head_b, staff_a):
    return {"referral": referral_a, "conference": conference_a, "scheme": scheme}


def snapshot():
    return (
        list(Referral.objects.values_list("status", "version", "outcome")),
        Referral.objects.count(),
        list(Scheme.objects.values_list("name", "active")),
        Conference.objects.count(),
        list(ConferenceAction.objects.values_list("done_at", flat=True)),
        ConferenceAction.objects.count(),
    )


def future(days=7):
    return (timezone.localdate() + datetime.timedelta(days=days)).isoformat()


def page_url(page, world, pupil_a):
    return {
        "scheme_list": reverse("scheme_list"),
        "scheme_new": reverse("scheme_new"),
        "scheme_edit": reverse("scheme_edit", args=[world["scheme"].code]),
        "referral_list": reverse("referral_list"),
        "school_referral_list": reverse("school_referral_list"),
        "pupil_search": reverse("referral_pupil_search") + "?q=Ashby",
        "referral_new": reverse("referral_new", args=[pupil_a.code]),
        "referral_detail": reverse("referral_detail", args=[world["referral"].code]),
        "conference_list": reverse("conference_list"),
        "conference_new": reverse("conference_new", args=[pupil_a.code]),
        "conference_detail": reverse("conference_detail", args=[world["conference"].code]),
    }[page]


READ_REFERRAL = {"spoc_a": 200, "head_a": 200, "sspo_a": 200, "sergeant": 200}
PAGES = {
    "scheme_list": {"sspo_a": 200, "sspo_b": 200, "sergeant": 200, "other_sergeant": 200},
    "scheme_new": {"sergeant": 200, "other_sergeant": 200},
    "scheme_edit": {"sergeant": 200, "other_sergeant": 404},
    "referral_list": {"sspo_a": 200, "sspo_b": 200, "sergeant": 200, "other_sergeant": 200},
    "school_referral_list": {"spoc_a": 200, "head_a": 200, "spoc_b": 200, "head_b": 200},
    "pupil_search": {"sspo_a": 200, "sspo_b": 200},
    "referral_new": {"sspo_a": 200, "sspo_b": 404},
    "referral_detail": READ_REFERRAL,
    "conference_list": dict.fromkeys(
        ["spoc_a", "head_a", "spoc_b", "head_b", *POLICE_TEAM, "other_sergeant"], 200
    ),
    "conference_new": {"sspo_a": 200, "sspo_b": 404},
    "conference_detail": READ_REFERRAL,
}
# Outside a person's scope a record answers 404; a page their role may not use answers 403.
RECORD_PAGES = {"scheme_edit", "referral_detail", "conference_detail"}


@pytest.mark.parametrize("person", [*PEOPLE, ANON])
@pytest.mark.parametrize("page", list(PAGES))
def test_pages_by_person(request, client, world, pupil_a, person, page):
    user = who(request, person)
    if user:
        client.force_login(user)
    before = snapshot()
    response = client.get(page_url(page, world, pupil_a))
    if user is None:
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
        return
    denied = 404 if page in RECORD_PAGES and person not in PAGES[page] else 403
    if page == "scheme_edit" and person in ("sspo_a", "sspo_b"):
        denied = 403
    if page in ("referral_new", "conference_new") and person == "sspo_b":
        denied = 404
    assert response.status_code == PAGES[page].get(person, denied)
    assert snapshot() == before


def test_school_leads_see_a_summary_not_the_police_reason(client, world, spoc_a, sspo_a):
    url = reverse("referral_detail", args=[world["referral"].code])
    client.force_login(spoc_a)
    body = client.get(url).content.decode()
    assert "Youth Diversion Programme" in body and "Police-only reason text" not in body
    client.force_login(sspo_a)
    assert "Police-only reason text" in client.get(url).content.decode()


def test_police_never_see_the_upn(client, world, pupil_a, sspo_a):
    pupil_a.upn = "B801200005001"
    pupil_a.save()
    client.force_login(sspo_a)
    for page in ("pupil_search", "referral_new", "referral_detail", "conference_detail"):
        assert "B801200005001" not in client.get(page_url(page, world, pupil_a)).content.decode()


def action_request(action, world):
    referral, conference = world["referral"], world["conference"]
    item = conference.actions.get()
    return {
        "move": (
            reverse("referral_move", args=[referral.code]),
            {"status": "accepted", "version": referral.version},
        ),
        "scheme_create": (
            reverse("scheme_new"),
            {
                "name": "New scheme",
                "provider": "P",
                "purpose": "diversion",
                "criteria": "C",
                "contact": "x",
                "active": "on",
            },
        ),
        "scheme_edit": (
            reverse("scheme_edit", args=[world["scheme"].code]),
            {
                "name": "Renamed",
                "provider": "P",
                "purpose": "diversion",
                "criteria": "C",
                "contact": "x",
            },
        ),
        "add_action": (
            reverse("conference_action_add", args=[conference.code]),
            {"description": "Visit", "owner": "SSPO", "due_on": future()},
        ),
        "action_done": (
            reverse("conference_action_done", args=[conference.code, item.code]),
            {},
        ),
    }[action]


ACTIONS = {
    "move": {"sspo_a": 302, "sergeant": 403, "spoc_a": 403, "head_a": 403},
    "scheme_create": {"sergeant": 302, "other_sergeant": 302},
    "scheme_edit": {"sergeant": 302, "other_sergeant": 404},
    "add_action": {"sspo_a": 302, "sergeant": 403, "spoc_a": 403, "head_a": 403},
    "action_done": {"sspo_a": 302, "sergeant": 403, "spoc_a": 302, "head_a": 302},
}
ACTION_RECORD = {"move", "add_action", "action_done", "scheme_edit"}


@pytest.mark.parametrize("person", PEOPLE)
@pytest.mark.parametrize("action", list(ACTIONS))
def test_actions_by_person(request, client, world, person, action):
    client.force_login(who(request, person))
    before = snapshot()
    url, data = action_request(action, world)
    response = client.post(url, data)
    default = 404 if action in ACTION_RECORD else 403
    if action == "scheme_edit" and person in ("sspo_a", "sspo_b"):
        default = 403
    expected = ACTIONS[action].get(person, default)
    assert response.status_code == expected
    if expected != 302:
        assert snapshot() == before  # nothing changed on denial


def test_making_a_referral_is_for_the_sspo_of_the_pupils_school(
    client, world, pupil_a, sspo_a, sspo_b, spoc_a, sergeant
):
    data = {
        "scheme": world["scheme"].code,
        "purpose": "diversion",
        "reason": "Seen with older group",
        "young_person_consent": "given",
        "parent_consent": "not_needed",
        "follow_up_on": future(),
    }
    url = reverse("referral_new", args=[pupil_a.code])
    for person, status in ((sspo_b, 404), (spoc_a, 403), (sergeant, 403)):
        client.force_login(person)
        assert client.post(url, data).status_code == status
    assert Referral.objects.count() == 1
    client.force_login(sspo_a)
    assert client.post(url, data).status_code == 302
    assert Referral.objects.count() == 2


def test_recording_a_conference_is_for_the_sspo_of_the_pupils_school(
    client, world, pupil_a, sspo_a, sspo_b, spoc_a
):
    data = {
        "held_on": timezone.localdate().isoformat(),
        "pupils": [pupil_a.code],
        "agencies": "CAMHS",
        "attendees": "SSPO, SPOC",
        "decisions": "Refer",
        "rationale": "Because",
    }
    url = reverse("conference_new", args=[pupil_a.code])
    for person, status in ((sspo_b, 404), (spoc_a, 403)):
        client.force_login(person)
        assert client.post(url, data).status_code == status
    assert Conference.objects.count() == 1
    client.force_login(sspo_a)
    assert client.post(url, data).status_code == 302
    assert Conference.objects.count() == 2


class TestAccessLog:
    def test_police_reads_are_logged_with_a_purpose(self, client, world, sspo_a, sergeant):
        for user in (sspo_a, sergeant):
            client.force_login(user)
            client.get(reverse("referral_detail", args=[world["referral"].code]))
            client.get(reverse("conference_detail", args=[world["conference"].code]))
        rows = AccessLog.objects.filter(object_type__in=["referral", "conference"])
        assert rows.count() == 4
        assert all(row.purpose and row.outcome == "allowed" for row in rows)

    def test_school_reads_and_denied_attempts_are_logged(self, client, world, spoc_a, spoc_b):
        client.force_login(spoc_a)
        client.get(reverse("referral_detail", args=[world["referral"].code]))
        client.force_login(spoc_b)
        client.get(reverse("conference_detail", args=[world["conference"].code]))
        rows = dict(AccessLog.objects.values_list("user__email", "outcome"))
        assert rows == {spoc_a.email: "allowed", spoc_b.email: "not_found"}
        assert not AccessLog.objects.filter(user=spoc_a).exclude(purpose="").exists()

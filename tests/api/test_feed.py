"""What the force's system pulls: incidents changed since a cursor, pages by position, ETags,
a rate per client, and a cost that does not grow with the page."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from api.throttling import ClientRateThrottle
from incidents.services import incident_update
from tests.factories import PupilFactory, UserFactory

CHANGES = "/api/v1/incidents/changes/"


def test_the_changes_feed_gives_each_change_once_and_then_nothing(
    force_client, bearer, incident_a, sspo_a
):
    caller = bearer(force_client[1])
    first = caller.get(CHANGES).json()
    assert [r["incident_id"] for r in first["results"]] == [str(incident_a.code)]
    assert first["more"] is False
    again = caller.get(CHANGES, data={"cursor": first["next_cursor"]}).json()
    assert again["results"] == []
    assert again["next_cursor"] == first["next_cursor"]
    incident_update(
        incident=incident_a,
        by=sspo_a,
        police_reference="NS/2026/123",
        outcome="",
        close=False,
        seen_version=incident_a.version,
    )
    changed = caller.get(CHANGES, data={"cursor": first["next_cursor"]}).json()
    assert [r["police_reference"] for r in changed["results"]] == ["NS/2026/123"]


def test_the_changes_feed_pages_and_says_when_more_wait(
    force_client, bearer, make_incident, school_a, monkeypatch
):
    from api import views

    monkeypatch.setattr(views, "CHANGES_PAGE", 2)
    made = [make_incident(school=school_a) for _ in range(3)]
    caller = bearer(force_client[1])
    page = caller.get(CHANGES).json()
    assert page["more"] is True and len(page["results"]) == 2
    rest = caller.get(CHANGES, data={"cursor": page["next_cursor"]}).json()
    assert rest["more"] is False
    seen = [r["incident_id"] for r in page["results"] + rest["results"]]
    assert seen == [str(i.code) for i in made]


def test_the_changes_feed_keeps_to_the_clients_scope(
    other_force_client, bearer, incident_a, school_b
):
    assert bearer(other_force_client[1]).get(CHANGES).json()["results"] == []


@pytest.mark.parametrize("cursor", ["nonsense", "aGFiYw", "%%%", "aC0x", "h" * 500])
def test_a_cursor_the_api_did_not_give_is_a_400_problem(force_client, bearer, cursor):
    response = bearer(force_client[1]).get(CHANGES, data={"cursor": cursor})
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert "cursor" in response.json()["errors"]


def test_a_list_pages_by_cursor_without_offset(
    force_client, bearer, make_incident, school_a, settings
):
    for _ in range(3):
        make_incident(school=school_a)
    caller = bearer(force_client[1])
    first = caller.get("/api/v1/incidents/", data={"page_size": 2}).json()
    assert len(first["results"]) == 2 and first["next"]
    with CaptureQueriesContext(connection) as queries:
        second = caller.get(first["next"]).json()
    assert len(second["results"]) == 1
    assert not any("OFFSET" in q["sql"] for q in queries.captured_queries)
    ids = {r["incident_id"] for r in first["results"] + second["results"]}
    assert len(ids) == 3


def test_an_unchanged_answer_is_a_304_by_its_etag(force_client, bearer, incident_a, sspo_a):
    caller = bearer(force_client[1])
    url = f"/api/v1/incidents/{incident_a.code}/"
    first = caller.get(url)
    etag = first["ETag"]
    assert first["Cache-Control"].startswith("max-age=0") or "no-store" in first["Cache-Control"]
    again = caller.get(url, HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304 and again.content == b""
    incident_update(
        incident=incident_a,
        by=sspo_a,
        police_reference="NS/2026/9",
        outcome="",
        close=False,
        seen_version=incident_a.version,
    )
    changed = caller.get(url, HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200 and changed["ETag"] != etag


def test_each_client_has_its_own_rate(force_client, other_force_client, bearer, monkeypatch):
    monkeypatch.setattr(ClientRateThrottle, "THROTTLE_RATES", {"api": "2/minute"})
    caller = bearer(force_client[1])
    assert [caller.get("/api/v1/partnerships/").status_code for _ in range(3)] == [200, 200, 429]
    refused = caller.get("/api/v1/partnerships/")
    assert refused["Content-Type"] == "application/problem+json"
    assert "Retry-After" in refused
    assert bearer(other_force_client[1]).get("/api/v1/partnerships/").status_code == 200


@pytest.mark.parametrize(
    "url", ["/api/v1/incidents/", CHANGES, "/api/v1/referrals/", "/api/v1/partnerships/"]
)
def test_a_pages_queries_do_not_grow_with_its_length(
    force_client,
    bearer,
    make_incident,
    make_referral,
    school_a,
    sspo_a,
    sspo_b,
    url,
    django_assert_max_num_queries,
):
    caller = bearer(force_client[1])

    def add(n):
        for _ in range(n):
            pupils = [PupilFactory(school=school_a), PupilFactory(school=school_a)]
            make_incident(school=school_a, pupils=pupils)
            make_referral(pupil=pupils[0], made_by=sspo_a)

    add(1)
    with CaptureQueriesContext(connection) as few:
        assert caller.get(url).status_code == 200
    add(8)
    with django_assert_max_num_queries(len(few)):
        assert caller.get(url).status_code == 200


def test_a_session_without_an_authenticator_reads_nothing(client, school_a, incident_a):
    from schools.models import Officer
    from tests.factories import OfficerFactory

    user = UserFactory(mfa=False)
    OfficerFactory(team=incident_a.recorded_by.officer.team, rank=Officer.Rank.SERGEANT, user=user)
    client.force_login(user)
    response = client.get("/api/v1/incidents/")
    assert response.status_code == 302
    assert incident_a.reference not in response.content.decode()


def test_a_feed_page_logs_exactly_the_incidents_and_children_it_returns(
    force_client, bearer, make_incident, school_a, school_b, sspo_b, monkeypatch
):
    from api import views
    from ssp.models import AccessLog

    monkeypatch.setattr(views, "CHANGES_PAGE", 3)
    pupils = [PupilFactory(school=school_a) for _ in range(4)]
    make_incident(school=school_a, pupils=pupils[:2])
    make_incident(school=school_a, pupils=pupils[1:3])  # a child in two: logged once
    make_incident(school=school_a)
    make_incident(school=school_a, pupils=pupils[3:])  # on the next page
    make_incident(school=school_b, by=sspo_b, pupils=[PupilFactory(school=school_b)])
    client, token = force_client
    page = bearer(token).get(CHANGES).json()
    returned = {("incident", r["incident_id"]) for r in page["results"]} | {
        ("pupil", p["person_id"]) for r in page["results"] for p in r["persons"]
    }
    assert len(page["results"]) == 3 and len(returned) == 6
    rows = AccessLog.objects.filter(api_client=client.code)
    assert sorted((r.object_type, str(r.object_code)) for r in rows) == sorted(returned)
    assert {(r.action, r.outcome, r.purpose, r.user_id) for r in rows} == {
        ("api_read", AccessLog.Outcome.ALLOWED, client.purpose, None)
    }
    assert len({r.at for r in rows}) == 1 and all(r.ip_address for r in rows)


def test_a_persons_feed_read_is_logged_under_their_name(
    client, sspo_a, make_incident, school_a, pupil_a
):
    from ssp.models import AccessLog

    incident = make_incident(school=school_a, pupils=[pupil_a])
    client.force_login(sspo_a)
    assert client.get(CHANGES).status_code == 200
    rows = AccessLog.objects.filter(user=sspo_a, action="api_read")
    assert {(r.object_type, r.object_code) for r in rows} == {
        ("incident", incident.code),
        ("pupil", pupil_a.code),
    }
    assert {r.role for r in rows} == {"sspo"} and all(r.purpose for r in rows)
    assert {r.api_client for r in rows} == {None}


def test_an_incidents_children_come_by_last_name_then_in_the_order_they_were_added(
    force_client, bearer, make_incident, school_a
):
    pupils = [
        PupilFactory(school=school_a, first_name=first, last_name=last)
        for first, last in [("Zoe", "Smith"), ("Amy", "Adams"), ("Bea", "Smith"), ("Cy", "smyth")]
    ]
    make_incident(school=school_a, pupils=pupils)
    (document,) = bearer(force_client[1]).get(CHANGES).json()["results"]
    names = [(p["first_name"], p["last_name"]) for p in document["persons"]]
    assert names[0] == ("Amy", "Adams")
    # Same last name: the order they were added in, every time (Zoe before Bea).
    assert names.index(("Zoe", "Smith")) + 1 == names.index(("Bea", "Smith"))
    assert len(names) == 4

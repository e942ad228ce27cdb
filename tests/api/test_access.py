"""The API is a second door to the same rooms: each page's access case, repeated through it.

For every person of the cast, the API answers a record exactly as its page does (200 or
404; never more), and a machine client answers as its team's sergeant. Lists hold only what
the person may see; police clients never receive a UPN.
"""

import pytest
from django.urls import reverse

from ssp.models import AccessLog
from tests.factories import revoke_dsa

PEOPLE = [
    "staff_a",
    "spoc_a",
    "head_a",
    "spoc_b",
    "sspo_a",
    "sspo_b",
    "sergeant",
    "other_sergeant",
    "yet_officer",
    "admin_user",
]


def _page_status(client, user, url):
    client.force_login(user)
    status = client.get(url).status_code
    client.logout()
    return status


def _api_status(client, user, url):
    client.force_login(user)
    response = client.get(url)
    client.logout()
    return response


@pytest.mark.parametrize("person", PEOPLE)
def test_an_incident_answers_in_the_api_as_on_its_page(
    request, client, person, incident_a, sspo_b, spoc_b
):
    user = request.getfixturevalue(person)
    page = _page_status(client, user, reverse("incident_detail", args=[incident_a.code]))
    api = _api_status(client, user, f"/api/v1/incidents/{incident_a.code}/")
    assert api.status_code == page
    assert page in (200, 404)  # the case is a real one: each person is in or out of scope
    listed = _api_status(client, user, "/api/v1/incidents/").json()["results"]
    assert [r["incident_id"] for r in listed] == ([str(incident_a.code)] if page == 200 else [])


INCIDENT_SEEN_BY = {"sspo_a", "sergeant"}


@pytest.mark.parametrize("person", PEOPLE)
def test_incidents_are_police_records(request, client, person, incident_a, sspo_b, spoc_b):
    user = request.getfixturevalue(person)
    api = _api_status(client, user, f"/api/v1/incidents/{incident_a.code}/")
    assert api.status_code == (200 if person in INCIDENT_SEEN_BY else 404)


REFERRAL_FULL = {"sspo_a", "sergeant"}
REFERRAL_SUMMARY = {"spoc_a", "head_a"}


@pytest.mark.parametrize("person", PEOPLE)
def test_a_referral_answers_in_the_api_as_on_its_page(
    request, client, person, referral_a, sspo_b, spoc_b
):
    user = request.getfixturevalue(person)
    page = _page_status(client, user, reverse("referral_detail", args=[referral_a.code]))
    api = _api_status(client, user, f"/api/v1/referrals/{referral_a.code}/")
    assert api.status_code == page
    expected = 200 if person in REFERRAL_FULL | REFERRAL_SUMMARY else 404
    assert api.status_code == expected
    if expected == 200:
        detail = api.json()["detail"]
        # School leads see the summary the page shows them: no reason, consent or outcome.
        assert (detail is not None) == (person in REFERRAL_FULL)
        assert ("Police-only reason text" in api.content.decode()) == (person in REFERRAL_FULL)


def test_school_leads_lose_a_referral_when_the_dsa_is_revoked_police_keep_it(
    client, referral_a, head_a, sspo_a, school_a, force_client, bearer
):
    url = f"/api/v1/referrals/{referral_a.code}/"
    revoke_dsa(school_a.partnership)
    assert _api_status(client, head_a, url).status_code == 404
    assert _api_status(client, sspo_a, url).status_code == 200
    assert bearer(force_client[1]).get(url).status_code == 200


class TestMachineClients:
    def test_a_client_reads_its_teams_incidents_and_referrals(
        self, force_client, bearer, incident_a, referral_a
    ):
        caller = bearer(force_client[1])
        assert caller.get(f"/api/v1/incidents/{incident_a.code}/").status_code == 200
        assert caller.get(f"/api/v1/referrals/{referral_a.code}/").json()["detail"] is not None

    def test_another_forces_client_finds_nothing(
        self, other_force_client, bearer, incident_a, referral_a
    ):
        caller = bearer(other_force_client[1])
        assert caller.get(f"/api/v1/incidents/{incident_a.code}/").status_code == 404
        assert caller.get(f"/api/v1/referrals/{referral_a.code}/").status_code == 404
        assert caller.get("/api/v1/incidents/").json()["results"] == []
        assert caller.get("/api/v1/referrals/").json()["results"] == []
        assert caller.get("/api/v1/partnerships/").json()["results"] == []

    def test_a_client_of_a_team_without_the_school_finds_nothing(
        self, register, second_safer_team, bearer, incident_a
    ):
        _, token = register(team=second_safer_team, name="Second team's system")
        assert bearer(token).get(f"/api/v1/incidents/{incident_a.code}/").status_code == 404

    def test_a_404_looks_like_a_record_that_does_not_exist(self, force_client, bearer):
        import uuid

        response = bearer(force_client[1]).get(f"/api/v1/incidents/{uuid.uuid4()}/")
        assert response.status_code == 404
        assert response["Content-Type"] == "application/problem+json"
        assert response.json() == {
            "type": "about:blank",
            "title": "Not found",
            "status": 404,
            "detail": "Not found.",
        }

    def test_police_clients_never_receive_a_upn(
        self, force_client, bearer, make_incident, make_referral, school_a, sspo_a
    ):
        from tests.factories import PupilFactory

        pupil = PupilFactory(school=school_a, upn="A801200005001")
        incident = make_incident(school=school_a, pupils=[pupil])
        referral = make_referral(pupil=pupil, made_by=sspo_a)
        caller = bearer(force_client[1])
        for url in (
            "/api/v1/incidents/",
            "/api/v1/incidents/changes/",
            f"/api/v1/incidents/{incident.code}/",
            "/api/v1/referrals/",
            f"/api/v1/referrals/{referral.code}/",
        ):
            response = caller.get(url)
            assert response.status_code == 200
            assert str(pupil.code) in response.content.decode()
            assert "A801200005001" not in response.content.decode()
            assert "upn" not in response.content.decode().lower()


class TestPartnerships:
    def test_the_dsa_state_is_told_and_follows_a_revocation(
        self, force_client, bearer, school_a, school_b, sspo_a, sspo_b
    ):
        caller = bearer(force_client[1])

        def states():
            rows = caller.get("/api/v1/partnerships/").json()["results"]
            return {r["school"]["urn"]: r["dsa_in_force"] for r in rows}

        assert states() == {school_a.urn: True, school_b.urn: True}
        revoke_dsa(school_a.partnership)
        assert states() == {school_a.urn: False, school_b.urn: True}

    def test_the_administrator_reads_the_register_but_no_case_data(
        self, client, admin_user, school_a, school_b, incident_a, referral_a
    ):
        rows = _api_status(client, admin_user, "/api/v1/partnerships/").json()["results"]
        assert {r["school"]["urn"] for r in rows} == {school_a.urn, school_b.urn}
        assert _api_status(client, admin_user, "/api/v1/incidents/").json()["results"] == []
        assert _api_status(client, admin_user, "/api/v1/referrals/").json()["results"] == []

    def test_staff_see_their_own_schools_partnership_only(
        self, client, staff_a, school_a, school_b
    ):
        rows = _api_status(client, staff_a, "/api/v1/partnerships/").json()["results"]
        assert [r["school"]["urn"] for r in rows] == [school_a.urn]


class TestAccessLog:
    def test_a_clients_read_is_logged_with_the_client_its_purpose_and_the_records(
        self, force_client, bearer, incident_a, pupil_a
    ):
        client, token = force_client
        bearer(token).get("/api/v1/incidents/")
        rows = AccessLog.objects.filter(api_client=client.code, action="api_read")
        assert {(r.object_type, r.object_code) for r in rows} == {
            ("incident", incident_a.code),
            ("pupil", pupil_a.code),
        }
        assert {r.purpose for r in rows} == {client.purpose}
        assert {r.user for r in rows} == {None}

    def test_a_refused_read_is_logged_too(self, other_force_client, bearer, incident_a):
        client, token = other_force_client
        bearer(token).get(f"/api/v1/incidents/{incident_a.code}/")
        row = AccessLog.objects.get(api_client=client.code)
        assert (row.object_code, row.outcome) == (incident_a.code, AccessLog.Outcome.NOT_FOUND)

    def test_a_persons_api_read_is_logged_with_their_standing_purpose(
        self, client, sspo_a, referral_a
    ):
        _api_status(client, sspo_a, f"/api/v1/referrals/{referral_a.code}/")
        row = AccessLog.objects.get(user=sspo_a, object_type="referral")
        assert row.action == "api_read"
        assert row.purpose

    def test_the_register_holds_no_childs_data_and_is_not_logged(self, force_client, bearer):
        bearer(force_client[1]).get("/api/v1/partnerships/")
        assert not AccessLog.objects.filter(action="api_read").exists()

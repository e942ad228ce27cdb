"""One getter reads one pupil, for the school's people and police alike
(schools.access.get_pupil_for): police reach a pupil only at their schools whose DSA is in
force, and anyone else finds nothing (404), on every police page that opens a pupil by code."""

import pytest
from django.http import Http404
from django.urls import reverse

from schools.access import get_pupil_for
from tests.factories import revoke_dsa


@pytest.mark.parametrize("who", ["sspo_a", "sergeant", "staff_a", "spoc_a", "head_a"])
def test_those_with_the_pupil_in_scope_read_them(request, who, pupil_a, sspo_a):
    # sspo_a: the school is assigned to an officer of the sergeant's team
    assert get_pupil_for(request.getfixturevalue(who), pupil_a.code) == pupil_a


@pytest.mark.parametrize("who", ["sspo_b", "head_b", "spoc_b", "admin_user"])
def test_outsiders_find_no_pupil(request, who, pupil_a, sspo_a):
    with pytest.raises(Http404):
        get_pupil_for(request.getfixturevalue(who), pupil_a.code)


def test_police_find_no_pupil_once_the_dsa_is_revoked_but_the_school_still_does(
    sspo_a, sergeant, spoc_a, pupil_a
):
    revoke_dsa(pupil_a.school.partnership)
    for officer in (sspo_a, sergeant):
        with pytest.raises(Http404):
            get_pupil_for(officer, pupil_a.code)
    assert get_pupil_for(spoc_a, pupil_a.code) == pupil_a


@pytest.mark.parametrize("page", ["referral_new", "conference_new"])
def test_an_officer_of_another_school_gets_404_on_the_police_pupil_pages(
    client, page, sspo_a, sspo_b, pupil_a
):
    client.force_login(sspo_a)
    assert client.get(reverse(page, args=[pupil_a.code])).status_code == 200
    client.force_login(sspo_b)
    assert client.get(reverse(page, args=[pupil_a.code])).status_code == 404


@pytest.mark.parametrize("page", ["referral_new", "conference_new"])
def test_the_police_pupil_pages_answer_404_once_the_dsa_is_revoked(client, page, sspo_a, pupil_a):
    revoke_dsa(pupil_a.school.partnership)
    client.force_login(sspo_a)
    assert client.get(reverse(page, args=[pupil_a.code])).status_code == 404


def test_an_outsider_gets_404_on_the_pupils_chronology(client, sspo_b, head_b, pupil_a):
    for outsider in (sspo_b, head_b):
        client.force_login(outsider)
        assert client.get(reverse("pupil_chronology", args=[pupil_a.code])).status_code == 404

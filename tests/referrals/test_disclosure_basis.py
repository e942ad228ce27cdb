"""Conference minutes the school reads are a disclosure from the police, acknowledged at that
read; the school opening a referral acknowledges the updates the police sent of it."""

import pytest
from django.urls import reverse

from agreements.models import Disclosure, Gateway
from referrals import services
from tests.factories import revoke_dsa

MINUTES = Disclosure.Kind.CONFERENCE_MINUTES


def _open(client, user, conference):
    client.force_login(user)
    return client.get(reverse("conference_detail", args=[conference.code]))


def test_the_police_reading_their_own_minutes_disclose_nothing(
    client, conference_a, sspo_a, sergeant
):
    assert _open(client, sspo_a, conference_a).status_code == 200
    assert _open(client, sergeant, conference_a).status_code == 200
    assert not Disclosure.objects.filter(kind=MINUTES).exists()


def test_the_schools_first_read_is_a_disclosure_acknowledged_at_that_read(
    client, conference_a, sspo_a, spoc_a, head_a
):
    assert _open(client, spoc_a, conference_a).status_code == 200
    row = Disclosure.objects.get(kind=MINUTES)
    assert (row.record_code, row.direction) == (conference_a.code, "to_school")
    assert (row.disclosed_by, row.disclosed_to) == (sspo_a, spoc_a)
    assert row.acknowledged_by == spoc_a and row.acknowledged_at == row.at
    assert row.gateway == Gateway.CHILDREN_ACT_2004_S11 and row.purpose and row.document
    # Later reads, by the same person or another of the school's leads, record nothing more.
    _open(client, spoc_a, conference_a)
    _open(client, head_a, conference_a)
    assert Disclosure.objects.filter(kind=MINUTES).count() == 1


@pytest.mark.parametrize("who", ["spoc_b", "head_b", "staff_a", "yet_officer"])
def test_outsiders_get_404_and_disclose_nothing(client, request, conference_a, who):
    assert _open(client, request.getfixturevalue(who), conference_a).status_code == 404
    assert not Disclosure.objects.filter(kind=MINUTES).exists()


def test_no_disclosure_is_logged_while_the_dsa_is_not_in_force(client, conference_a, spoc_a):
    revoke_dsa(conference_a.school.partnership)
    _open(client, spoc_a, conference_a)
    assert not Disclosure.objects.filter(kind=MINUTES).exists()


def test_the_school_opening_a_referral_acknowledges_its_updates(
    client, referral_a, sspo_a, spoc_a, sergeant
):
    services.referral_move(
        referral=referral_a, by=sspo_a, status="accepted", seen_version=referral_a.version
    )
    update = Disclosure.objects.get(record_code=referral_a.code, kind="referral_update")
    url = reverse("referral_detail", args=[referral_a.code])
    for reader in (sspo_a, sergeant):  # the police's own reads
        client.force_login(reader)
        assert client.get(url).status_code == 200
    update.refresh_from_db()
    assert update.acknowledged_at is None
    client.force_login(spoc_a)
    assert client.get(url).status_code == 200
    update.refresh_from_db()
    assert update.acknowledged_by == spoc_a
    first = update.acknowledged_at
    client.get(url)
    update.refresh_from_db()
    assert update.acknowledged_at == first

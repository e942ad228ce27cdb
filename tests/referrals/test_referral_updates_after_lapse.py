"""What a school sees of a police referral is a disclosure: only under a live agreement, and
logged (issue 10, hole 5)."""

import pytest
from django.urls import reverse

from agreements.models import Disclosure
from referrals import services
from tests.factories import revoke_dsa


@pytest.fixture
def referral(sspo_a, spoc_a, pupil_a, scheme):
    return services.referral_make(
        by=sspo_a,
        pupil=pupil_a,
        scheme=scheme,
        purpose="diversion",
        reason="Police-only reason text",
        young_person_consent="given",
        parent_consent="given",
    )


def _accept(referral, sspo):
    return services.referral_move(
        referral=referral, by=sspo, status="accepted", seen_version=referral.version
    )


def _updates_disclosed(referral):
    return Disclosure.objects.filter(
        record_code=referral.code, kind=Disclosure.Kind.REFERRAL_UPDATE
    ).count()


def test_under_a_live_agreement_each_update_is_disclosed_and_logged(
    client, referral, sspo_a, spoc_a
):
    _accept(referral, sspo_a)
    assert _updates_disclosed(referral) == 2  # made, then accepted
    client.force_login(spoc_a)
    body = client.get(reverse("referral_detail", args=[referral.code])).content.decode()
    assert "Accepted" in body


@pytest.mark.parametrize("lead", ["spoc_a", "head_a"])
def test_after_revocation_an_update_does_not_reach_the_school(
    request, client, referral, sspo_a, pupil_a, lead
):
    revoke_dsa(pupil_a.school.partnership)
    _accept(referral, sspo_a)
    assert _updates_disclosed(referral) == 1  # only the one made under the agreement
    client.force_login(request.getfixturevalue(lead))
    assert client.get(reverse("referral_detail", args=[referral.code])).status_code == 404
    listed = client.get(reverse("school_referral_list")).content.decode()
    assert referral.pupil.last_name not in listed and "Accepted" not in listed
    chronology = client.get(reverse("pupil_chronology", args=[pupil_a.code])).content.decode()
    assert "Youth Diversion Programme" not in chronology and "Accepted" not in chronology


def test_the_police_keep_their_own_record_after_revocation(client, referral, sspo_a, pupil_a):
    revoke_dsa(pupil_a.school.partnership)
    _accept(referral, sspo_a)
    client.force_login(sspo_a)
    response = client.get(reverse("referral_detail", args=[referral.code]))
    assert response.status_code == 200 and "Accepted" in response.content.decode()

"""Making a referral and recording a case conference ask again, under the school's lock and with
the officer's reach read afresh, whether the officer may still do it: an assignment ended or a
DSA revoked between loading the form and posting it writes nothing, even when the page had
already asked in the same request (it fetched the pupil through the request's scope)."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from referrals import services
from referrals.models import Conference, Referral, ReferralEvent
from schools.access import get_pupil_for
from schools.models import Assignment, today
from tests.factories import revoke_dsa
from tests.one_request import in_one_request


def _end_assignments(user):
    Assignment.objects.filter(officer=user.officer).update(
        ends_on=today() - datetime.timedelta(days=1)
    )


def _refer(by, pupil, scheme):
    return services.referral_make(
        by=by,
        pupil=pupil,
        scheme=scheme,
        purpose="diversion",
        reason="Seen with an older group near the station",
        young_person_consent="given",
        parent_consent="given",
    )


def _confer(by, pupils):
    return services.conference_record(
        by=by,
        pupils=pupils,
        held_on=timezone.localdate(),
        agencies="Children's services",
        attendees="SSPO, SPOC",
        decisions="Mentoring",
        rationale="Risk of exploitation",
    )


@pytest.mark.parametrize("revoke", ["assignment", "dsa"])
def test_no_referral_once_the_officer_no_longer_reaches_the_pupil(sspo_a, pupil_a, scheme, revoke):
    def page(request):
        pupil = get_pupil_for(request.user, pupil_a.code)  # as referral_new does
        if revoke == "assignment":
            _end_assignments(sspo_a)
        else:
            revoke_dsa(pupil_a.school.partnership)
        return _refer(request.user, pupil, scheme)

    seen = in_one_request(sspo_a, page, method="post")
    assert "refused" in seen and "result" not in seen
    assert not Referral.objects.exists()
    assert not ReferralEvent.objects.exists()


@pytest.mark.parametrize("revoke", ["assignment", "dsa"])
def test_no_conference_once_the_officer_no_longer_reaches_the_pupils(sspo_a, pupil_a, revoke):
    def page(request):
        pupil = get_pupil_for(request.user, pupil_a.code)
        if revoke == "assignment":
            _end_assignments(sspo_a)
        else:
            revoke_dsa(pupil_a.school.partnership)
        return _confer(request.user, [pupil])

    seen = in_one_request(sspo_a, page, method="post")
    assert "refused" in seen and "result" not in seen
    assert not Conference.objects.exists()


def test_an_officer_who_left_records_no_conference(sspo_a, pupil_a):
    officer = sspo_a.officer
    officer.left_on = timezone.localdate()
    officer.save()
    with pytest.raises(PermissionDenied):
        _confer(sspo_a, [pupil_a])  # the same user object the form was served to
    assert not Conference.objects.exists()


def test_the_officer_in_post_refers_and_confers(sspo_a, pupil_a, scheme):
    def page(request):
        pupil = get_pupil_for(request.user, pupil_a.code)
        return _refer(request.user, pupil, scheme), _confer(request.user, [pupil])

    referral, conference = in_one_request(sspo_a, page, method="post")["result"]
    assert Referral.objects.get().pk == referral.pk
    assert list(Conference.objects.get(pk=conference.pk).pupils.all()) == [pupil_a]

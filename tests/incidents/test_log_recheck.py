"""Logging a concern asks again, under the school's lock, whether the reporter may still log
one there: a member whose place at the school ended after the form was shown saves nothing."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from incidents.models import Concern, ConcernPupil
from incidents.services import Involvement, concern_log
from schools.models import Membership, today
from ssp.models import User


def _log(by, school, pupil):
    return concern_log(
        by=by,
        school=school,
        kind="concern",
        category="welfare",
        narrative="Said something worrying at lunch.",
        happened_at=timezone.now() - datetime.timedelta(hours=1),
        location="in_school",
        immediate_risk=False,
        involved=[Involvement(pupil=pupil, role="victim")],
    )


def test_no_concern_once_the_membership_has_ended(staff_a, school_a, pupil_a):
    Membership.objects.filter(user=staff_a, school=school_a).update(left_on=today())
    with pytest.raises(PermissionDenied):
        _log(User.objects.get(pk=staff_a.pk), school_a, pupil_a)
    assert not Concern.objects.exists()
    assert not ConcernPupil.objects.exists()


def test_a_current_member_logs_the_concern(staff_a, school_a, pupil_a):
    concern = _log(staff_a, school_a, pupil_a)
    assert Concern.objects.get().pk == concern.pk
    assert concern.reported_by == staff_a

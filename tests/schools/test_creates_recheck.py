"""Adding a pupil, and a SPOC asking for a session, ask again under the school's lock whether the
person may still do it: a lead who left after loading the form, or a member who is not a lead,
adds nothing."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied

from schools.activity_services import session_request_make
from schools.models import Membership, Pupil, SessionRequest, today
from schools.pupils import pupil_add
from ssp.models import User

PUPIL = {
    "first_name": "Ada",
    "last_name": "Lovelace",
    "date_of_birth": datetime.date(2012, 12, 10),
    "year_group": "9",
}


def _leave(user, school):
    Membership.objects.filter(user=user, school=school).update(left_on=today())
    return User.objects.get(pk=user.pk)


def test_a_head_who_left_adds_no_pupil(head_a, school_a):
    before = Pupil.objects.count()
    with pytest.raises(PermissionDenied):
        pupil_add(school=school_a, by=_leave(head_a, school_a), **PUPIL)
    assert Pupil.objects.count() == before


def test_a_member_who_is_not_a_lead_adds_no_pupil(staff_a, school_a):
    before = Pupil.objects.count()
    with pytest.raises(PermissionDenied):
        pupil_add(school=school_a, by=staff_a, **PUPIL)
    assert Pupil.objects.count() == before


def test_the_head_in_post_adds_the_pupil(head_a, school_a):
    pupil = pupil_add(school=school_a, by=head_a, **PUPIL)
    assert Pupil.objects.get(pk=pupil.pk).school == school_a


def test_a_spoc_who_left_asks_for_no_session(spoc_a, school_a):
    with pytest.raises(PermissionDenied):
        session_request_make(
            by=_leave(spoc_a, school_a),
            school=school_a,
            topic="Online safety",
            year_groups=["9"],
            preferred_dates="Any Tuesday",
        )
    assert not SessionRequest.objects.exists()


def test_the_spoc_in_post_asks_for_a_session(spoc_a, school_a):
    made = session_request_make(
        by=spoc_a,
        school=school_a,
        topic="Online safety",
        year_groups=["9"],
        preferred_dates="Any Tuesday",
    )
    assert SessionRequest.objects.get().pk == made.pk

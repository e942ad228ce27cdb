"""Correcting a pupil's record asks again, under the pupil's lock and with the person read
afresh, whether they are still one of the school's leads: a head who left after loading the
form, or a member of staff, corrects nothing."""

import pytest
from django.core.exceptions import PermissionDenied

from schools.models import Membership, Pupil, today
from schools.pupils import pupil_correct


def _details(pupil, **changes):
    return {
        "first_name": pupil.first_name,
        "last_name": pupil.last_name,
        "date_of_birth": pupil.date_of_birth,
        "year_group": pupil.year_group,
        "upn": pupil.upn,
    } | changes


def test_a_head_who_left_corrects_nothing(head_a, school_a, pupil_a):
    Membership.objects.filter(user=head_a, school=school_a).update(left_on=today())
    with pytest.raises(PermissionDenied):
        pupil_correct(pupil=pupil_a, by=head_a, **_details(pupil_a, first_name="Changed"))
    assert Pupil.objects.get(pk=pupil_a.pk).first_name == pupil_a.first_name


def test_a_member_of_staff_corrects_nothing(staff_a, pupil_a):
    with pytest.raises(PermissionDenied):
        pupil_correct(pupil=pupil_a, by=staff_a, **_details(pupil_a, first_name="Changed"))
    assert Pupil.objects.get(pk=pupil_a.pk).first_name == pupil_a.first_name


def test_the_head_in_post_corrects_the_record(head_a, pupil_a):
    pupil_correct(pupil=pupil_a, by=head_a, **_details(pupil_a, first_name="Changed"))
    assert Pupil.objects.get(pk=pupil_a.pk).first_name == "Changed"

"""Every app answers what it holds about pupils through one function (ssp/held.py)."""

import pytest

from schools.models import Pupil
from ssp.held import Controller, held_about_pupils
from tests.factories import PupilFactory

pytestmark = pytest.mark.django_db


def _held(pupil):
    return {h.kind: h for h in held_about_pupils(Pupil.objects.filter(pk=pupil.pk))}


def test_a_concern_is_held_about_each_pupil_in_it_and_no_other(
    make_concern, school_a, staff_a, pupil_a
):
    other = PupilFactory(school=school_a)
    concern = make_concern(school=school_a, reported_by=staff_a, pupils=[pupil_a, other])
    alone = make_concern(school=school_a, reported_by=staff_a, pupils=[other])

    assert list(_held(pupil_a)["concern"].rows) == [concern]
    assert set(_held(other)["concern"].rows) == {concern, alone}
    assert _held(pupil_a)["concern"].controller is Controller.SCHOOL

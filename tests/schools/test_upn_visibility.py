"""ACCESS.md: a pupil's UPN is for their own school's people; police never see it."""

import datetime

import pytest

from schools.access import can_see_upn
from ssp.models import User


@pytest.mark.parametrize(
    "who, sees",
    [
        ("staff_a", True),
        ("spoc_a", True),
        ("head_a", True),
        ("spoc_b", False),  # another school's SPOC
        ("head_b", False),
        ("sspo_a", False),  # the pupil's own school's officer: never
        ("sergeant", False),
        ("yet_officer", False),
        ("admin_user", False),
    ],
)
def test_only_the_pupils_own_school_sees_the_upn(request, pupil_a, sspo_a, who, sees):
    assert can_see_upn(request.getfixturevalue(who), pupil_a) is sees


def test_a_member_of_staff_who_has_left_no_longer_sees_the_upn(staff_a, pupil_a):
    membership = staff_a.memberships.get()
    membership.left_on = datetime.date(2020, 1, 1)
    membership.save()
    assert not can_see_upn(User.objects.get(pk=staff_a.pk), pupil_a)

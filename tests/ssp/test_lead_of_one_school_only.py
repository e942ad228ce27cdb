"""A person who leads one school and is on another's staff is a lead at the first only.

Their role (the highest they hold anywhere) says nothing of the other school: what is for a
school's leads is decided by the schools they lead (the scope's led_school_ids).
"""

import pytest

from incidents.access import can_see_police_events
from incidents.models import Concern
from schools.access import can_see_school_people
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def head_here_staff_there(head_a, school_b):
    MembershipFactory(user=head_a, school=school_b)  # on the staff at school B
    return head_a


def test_the_school_people_list_is_for_the_schools_the_person_leads(
    head_here_staff_there, school_a, school_b
):
    assert can_see_school_people(head_here_staff_there, school_a) is True
    assert can_see_school_people(head_here_staff_there, school_b) is False


def test_the_police_side_of_a_concern_is_for_the_leads_of_its_school(
    head_here_staff_there, school_a, school_b, sspo_a
):
    assert can_see_police_events(head_here_staff_there, Concern(school=school_a)) is True
    assert can_see_police_events(head_here_staff_there, Concern(school=school_b)) is False
    assert can_see_police_events(sspo_a, Concern(school=school_a)) is True


def test_staff_never_see_either(staff_a, school_a):
    assert can_see_school_people(staff_a, school_a) is False
    assert can_see_police_events(staff_a, Concern(school=school_a)) is False

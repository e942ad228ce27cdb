"""Naming the SPOC and ending an assignment ask again, under the row lock, whether the
person may still do it: a head who left, or a sergeant of another team, changes nothing."""

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from schools.models import Assignment, Membership
from schools.services import assignment_end, spoc_designate
from ssp.models import User
from tests.factories import MembershipFactory


def test_a_head_who_left_after_loading_the_page_names_no_spoc(client, head_a, school_a):
    slt = MembershipFactory(school=school_a, is_slt=True)
    client.force_login(head_a)
    assert client.get(reverse("name_spoc", args=[school_a.code])).status_code == 200
    place = Membership.objects.get(user=head_a, school=school_a)
    place.left_on = timezone.localdate()
    place.save()
    with pytest.raises(PermissionDenied):
        spoc_designate(school=school_a, membership=slt, by=User.objects.get(pk=head_a.pk))
    slt.refresh_from_db()
    assert slt.designation == ""


def test_the_head_in_post_names_the_spoc(head_a, school_a):
    slt = MembershipFactory(school=school_a, is_slt=True)
    spoc_designate(school=school_a, membership=slt, by=head_a)
    slt.refresh_from_db()
    assert slt.designation == Membership.Designation.SPOC


def test_a_sergeant_of_another_team_ends_no_assignment(other_sergeant, sspo_a):
    assignment = Assignment.objects.get(officer=sspo_a.officer)
    with pytest.raises(PermissionDenied):
        assignment_end(assignment=assignment, ends_on=timezone.localdate(), by=other_sergeant)
    assignment.refresh_from_db()
    assert assignment.ends_on is None


def test_the_officers_sergeant_ends_the_assignment(sergeant, sspo_a):
    assignment = Assignment.objects.get(officer=sspo_a.officer)
    assignment_end(assignment=assignment, ends_on=timezone.localdate(), by=sergeant)
    assignment.refresh_from_db()
    assert assignment.ends_on == timezone.localdate()

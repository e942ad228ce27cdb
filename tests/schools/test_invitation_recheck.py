"""An invitation asks again, under the school's (or team's) lock and with the inviter read
afresh, whether they may still invite there: a head who left, or a sergeant who left the force,
between loading the form and posting it invites no one. And the service asks it at all: the
head invites their own school's staff, the sergeant officers to their own team."""

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from schools.models import Invitation, Membership, today
from schools.services import invitation_create
from ssp.roles import Role


def _invite(by, **where):
    return invitation_create(
        by=by, email="new.person@example.org", first_name="New", last_name="Person", **where
    )


def test_a_head_who_left_invites_no_one(head_a, school_a):
    Membership.objects.filter(user=head_a, school=school_a).update(left_on=today())
    with pytest.raises(PermissionDenied):
        _invite(head_a, role=Role.STAFF, school=school_a)  # the user the form was served to
    assert not Invitation.objects.exists()


def test_a_sergeant_who_left_invites_no_officer(sergeant):
    team = sergeant.officer.team
    officer = sergeant.officer
    officer.left_on = timezone.localdate()
    officer.save()
    with pytest.raises(PermissionDenied):
        _invite(sergeant, role=Role.SSPO, team=team)
    assert not Invitation.objects.exists()


@pytest.mark.parametrize("who", ["head_b", "staff_a", "sspo_a"])
def test_only_the_schools_head_invites_its_staff(request, who, school_a):
    with pytest.raises(PermissionDenied):
        _invite(request.getfixturevalue(who), role=Role.STAFF, school=school_a)
    assert not Invitation.objects.exists()


def test_a_head_invites_staff_not_another_head(head_a, school_a):
    with pytest.raises(PermissionDenied):
        _invite(head_a, role=Role.HEAD, school=school_a)
    assert not Invitation.objects.exists()


def test_a_sergeant_invites_only_to_their_own_team(sergeant, other_sergeant):
    with pytest.raises(PermissionDenied):
        _invite(sergeant, role=Role.SSPO, team=other_sergeant.officer.team)
    with pytest.raises(PermissionDenied):
        _invite(sergeant, role=Role.SERGEANT, team=sergeant.officer.team)
    assert not Invitation.objects.exists()


def test_those_in_post_invite(head_a, school_a, sergeant, admin_user):
    _invite(head_a, role=Role.STAFF, school=school_a)
    Invitation.objects.all().delete()
    _invite(sergeant, role=Role.SSPO, team=sergeant.officer.team)
    Invitation.objects.all().delete()
    _invite(admin_user, role=Role.HEAD, school=school_a)
    assert Invitation.objects.get().role == Role.HEAD

"""Who may do what with schools, their people and invitations."""

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.shortcuts import get_object_or_404

from ssp.access import get_visible_or_404
from ssp.roles import Role

from .models import Assignment, Membership, School, Team, today


def can_invite_to_school(user, school: School) -> bool:
    if user.is_superuser:
        return True
    return (
        user.role == Role.HEAD
        and Membership.objects.current().holding(user, Role.HEAD).filter(school=school).exists()
    )


def can_invite_to_team(user, team: Team) -> bool:
    if user.is_superuser:
        return True
    return user.role == Role.SERGEANT and user.officer.team_id == team.pk


def can_name_spoc(user, school: School) -> bool:
    return can_invite_to_school(user, school) and not user.is_superuser


def get_school_for(user, code, *, require=None) -> School:
    return get_visible_or_404(user, School.objects.all(), require=require, code=code)


# Allocation by need: the sergeant's, for the secondary schools of their force.


def can_allocate(user) -> bool:
    return user.role == Role.SERGEANT


def can_allocate_school(user, school: School) -> bool:
    return can_allocate(user) and school.phase in School.SECONDARY_PHASES


def can_end_assignment(user, assignment: Assignment) -> bool:
    # A sergeant ends the assignments of the officers they lead, not another team's.
    return can_allocate(user) and assignment.officer.team_id == user.officer.team_id


def _allocation_scope(user):
    """A sergeant's force's secondary schools; anyone else's usual schools, so that a
    school they may see answers 403 on these pages and any other 404."""
    visible = School.objects.visible_to(user).values("pk")
    return School.objects.filter(
        Q(pk__in=School.objects.allocatable_by(user).values("pk")) | Q(pk__in=visible)
    )


def get_school_to_allocate(user, code) -> School:
    school = get_object_or_404(_allocation_scope(user), code=code)
    if not can_allocate_school(user, school):
        raise PermissionDenied
    return school


def get_assignment_to_end(user, code) -> Assignment:
    """Assignments not yet over, at the schools of the allocation scope."""
    queryset = (
        Assignment.objects.filter(school__in=_allocation_scope(user))
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=today()))
        .select_related("school", "officer__user")
    )
    assignment = get_object_or_404(queryset, code=code)
    if not can_end_assignment(user, assignment):
        raise PermissionDenied
    return assignment

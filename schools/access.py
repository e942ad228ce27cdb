"""Who may do what with schools, their people and invitations."""

from ssp.access import get_visible_or_404
from ssp.roles import Role

from .models import Membership, School, Team


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

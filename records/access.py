"""Who answers for records (ACCESS.md, the retention, legal hold, disposal and subject access
rows): a school's head or its data-protection lead for the school's records; the sergeant for
their team's police records."""

from schools.models import Membership, School, Team
from ssp.roles import Role


def can_manage_school_records(user, school: School) -> bool:
    """Retention review, legal hold, disposal and subject access for the school's records."""
    return Membership.objects.records_owners_of(school).filter(user=user).exists()


def can_manage_police_records(user, team: Team) -> bool:
    """Retention review, legal hold and disposal of the team's police records."""
    return user.role == Role.SERGEANT and user.officer.team_id == team.pk

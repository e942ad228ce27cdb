"""Who may read the partnership's records."""

from schools.models import Membership, School
from ssp.roles import SCHOOL_ROLES, Role


def can_read_sharing_log(user) -> bool:
    # ACCESS.md: the head for their school, SSPOs for their schools, sergeants for the team.
    return user.role in (Role.HEAD, Role.SSPO, Role.SERGEANT)


# Staff awareness of the SSP. Partnerships are reached through Partnership.visible_to: a
# school person's own school's, so anything else answers 404 before these are asked.


def can_read_ssp_summary(user, partnership) -> bool:
    # ACCESS.md: staff read the summary of their own school's SSP; the police have the
    # protocol itself, not this page.
    return user.role in SCHOOL_ROLES


def can_confirm_awareness(user, partnership) -> bool:
    # Members of staff confirm; the head signs the protocol instead.
    return (
        Membership.objects.current()
        .holding(user, Role.STAFF)
        .filter(school=partnership.school_id)
        .exists()
    )


def can_read_awareness(user, partnership) -> bool:
    return School.objects.held_as(user, Role.HEAD).filter(pk=partnership.school_id).exists()

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


# The gates of the records pages. Reach (404 beyond it) is the school's or the team's: whoever
# sees the school, or is an officer of the team; deciding (403 otherwise) is the owners'.


def can_decide(user, owned) -> bool:
    """Review, hold and dispose of what a review or a hold covers: its school's owners or its
    team's sergeant."""
    if owned.school_id is not None:
        return can_manage_school_records(user, owned.school)
    return can_manage_police_records(user, owned.team)


def get_review_for(user, code, *, require=can_decide):
    from ssp.access import get_visible_or_404

    from .models import Review

    return get_visible_or_404(
        user, Review.objects.select_related("school", "team"), require=require, code=code
    )


def get_hold_for(user, code, *, require=can_decide):
    from ssp.access import get_visible_or_404

    from .models import LegalHold

    return get_visible_or_404(
        user,
        LegalHold.objects.select_related("school", "team", "pupil"),
        require=require,
        code=code,
    )


def owns_any_records(user) -> bool:
    """The rules page and the review list are for people who own records somewhere."""
    return bool(owned_school_ids(user)) or owned_team_id(user) is not None


def owned_school_ids(user) -> list[int]:
    return list(
        Membership.objects.current()
        .filter(user=user, user__is_active=True)
        .records_owners()
        .values_list("school", flat=True)
    )


def owned_team_id(user) -> int | None:
    if user.role != Role.SERGEANT:
        return None
    return user.officer.team_id

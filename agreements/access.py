"""Who may read the partnership's records."""

from schools.models import School
from ssp.access import get_visible_or_404
from ssp.roles import SCHOOL_ROLES, Role

from .models import FeedbackRound, Partnership, Review


def can_read_sharing_log(user) -> bool:
    # ACCESS.md: the head for their school, SSPOs for their schools, sergeants for the team.
    return user.role in (Role.HEAD, Role.SSPO, Role.SERGEANT)


# ---------------------------------------------------------------------------------------
# The appraisal: feedback rounds and the sergeant's review. ACCESS.md: the school's people
# answer once per round; the sergeant opens rounds, reads the answers and writes reviews
# for the team; the head, SPOC (and deputy) and the SSPO read their schools' reviews.


def _in_team(user, partnership) -> bool:
    return partnership.school_id in School.objects.visible_ids(user)


def can_open_round(user, partnership) -> bool:
    return user.role == Role.SERGEANT and _in_team(user, partnership)


def can_answer_round(user, feedback_round) -> bool:
    return user.role in SCHOOL_ROLES  # reached through visible_to: their own school's round


def can_read_answers(user, feedback_round) -> bool:
    return user.role == Role.SERGEANT


def can_read_reviews(user, partnership) -> bool:
    if user.role in (Role.HEAD, Role.SPOC, Role.DEPUTY_SPOC):
        leads = School.objects.held_as(user, Role.HEAD, Role.SPOC, Role.DEPUTY_SPOC)
        return leads.filter(pk=partnership.school_id).exists()
    return user.role in (Role.SSPO, Role.SERGEANT) and _in_team(user, partnership)


def can_write_review(user, partnership) -> bool:
    return user.role == Role.SERGEANT and _in_team(user, partnership)


def get_appraised_partnership(user, code, *, require):
    """A partnership reached for its appraisal: out of the person's scope 404, else the
    predicate decides (403)."""
    return get_visible_or_404(
        user, Partnership.objects.select_related("school"), require=require, code=code
    )


def get_round_for(user, code, *, require=None):
    queryset = FeedbackRound.objects.select_related("partnership__school", "opened_by")
    return get_visible_or_404(user, queryset, require=require, code=code)


def get_review_for(user, code, *, require=None):
    queryset = Review.objects.select_related(
        "partnership__school", "reviewed_by", "feedback_round"
    )
    return get_visible_or_404(user, queryset, require=require, code=code)

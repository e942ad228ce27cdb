"""Who may read the partnership's records, and who may act on them.

Scope first (the gate: out of scope answers 404), then the verb (403).
"""

from schools.models import Membership, Pupil, School
from ssp.access import get_visible_or_404
from ssp.roles import (
    AGREEMENT_READERS,
    CASE_OFFICERS,
    SCHOOL_LEADS,
    SCHOOL_ROLES,
    Role,
)
from ssp.scope import scope_of

from .models import Disclosure, Document, FeedbackRound, Partnership, Review

# ACCESS.md: SPOCs, deputies and heads read their school's agreements in full (the roles are
# ssp.roles.AGREEMENT_READERS); staff read only a plain summary of their school's SSP.


def police_pupils(user):
    """The pupils a police user may read: those of their schools whose DSA is in force now.

    A pupil's name, year group and school come from the school's records, so every police
    read of a pupil (searches, pickers, chronologies) starts here: revoking or a lapse
    hides them on the next request.
    """
    scope = scope_of(user)
    if not scope.is_police:
        return Pupil.objects.none()
    return Pupil.objects.filter(school_id__in=scope.in_force_school_ids)


def can_read_sharing_log(user) -> bool:
    # ACCESS.md: the SPOC (who makes every share), the deputy and the head for their school,
    # SSPOs for their schools, sergeants for the team.
    return user.role in SCHOOL_LEADS or user.role in CASE_OFFICERS


def receives(user) -> str | None:
    """Which direction of disclosure a person is the recipient's side of, by opening it:
    the school's leads what the police send, the SSPO what the school sends. Anyone else
    (a sergeant supervising, staff, the YET) opening a disclosed record acknowledges nothing."""
    if user.role in SCHOOL_LEADS:
        return Disclosure.Direction.TO_SCHOOL
    if user.role == Role.SSPO:
        return Disclosure.Direction.TO_POLICE
    return None


def _heads(user, partnership: Partnership) -> bool:
    return School.objects.held_as(user, Role.HEAD).filter(pk=partnership.school_id).exists()


def _of_their_force(user, partnership: Partnership) -> bool:
    return partnership.force_id == user.officer.team.force_id


def has_no_register(user) -> bool:
    """ACCESS.md: the YET (and anyone without a role) has no partnership: the register and
    the force's versions do not exist for them (404)."""
    return user.role is None or user.role == Role.YET


def can_read_register(user) -> bool:
    return user.role == Role.STAFF or user.role in AGREEMENT_READERS


def can_read_agreements(user, partnership: Partnership) -> bool:
    return user.role in AGREEMENT_READERS


def can_read_summary(user, partnership: Partnership) -> bool:
    return user.role == Role.STAFF or can_read_agreements(user, partnership)


def can_move_partnership(user, partnership: Partnership) -> bool:
    # Reached through visible_to: the sergeant's team's partnerships, or the force's
    # partnerships no officer holds yet (which they allocate).
    return user.role == Role.SERGEANT and _of_their_force(user, partnership)


def can_create_partnership(user) -> bool:
    return user.role == Role.SERGEANT


def can_sign_for_school(user, partnership: Partnership) -> bool:
    return user.role == Role.HEAD and _heads(user, partnership)


def can_sign_for_force(user, partnership: Partnership) -> bool:
    return user.role == Role.SERGEANT and _of_their_force(user, partnership)


def can_sign(user, partnership: Partnership) -> bool:
    return can_sign_for_school(user, partnership) or can_sign_for_force(user, partnership)


def can_revoke(user, partnership: Partnership) -> bool:
    return can_sign(user, partnership)


def get_partnership_for(user, code, *, require=None) -> Partnership:
    """The one gate of a partnership, for every page about it (register, signing, awareness,
    appraisal, action plan): outside the person's scope 404; the predicate decides 403."""
    return get_visible_or_404(
        user,
        Partnership.objects.select_related("school", "force"),
        require=require,
        code=code,
    )


# Documents: the sergeant writes the force's versions; everyone with a partnership of the
# force reads the published ones (staff read only their SSP's summary).


def can_read_documents(user) -> bool:
    return user.role in AGREEMENT_READERS


def can_write_documents(user) -> bool:
    return user.role == Role.SERGEANT


def can_read_document(user, document: Document) -> bool:
    return can_read_documents(user)


def can_edit_document(user, document: Document) -> bool:
    return can_write_documents(user) and not document.is_published


def get_document_for(user, code, *, require=None) -> Document:
    return get_visible_or_404(
        user,
        Document.objects.select_related("force", "created_by", "published_by"),
        require=require,
        code=code,
    )


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
    if user.role in SCHOOL_LEADS:
        leads = School.objects.held_as(user, *SCHOOL_LEADS)
        return leads.filter(pk=partnership.school_id).exists()
    return user.role in CASE_OFFICERS and _in_team(user, partnership)


def can_write_review(user, partnership) -> bool:
    return user.role == Role.SERGEANT and _in_team(user, partnership)


def get_round_for(user, code, *, require=None):
    queryset = FeedbackRound.objects.select_related("partnership__school", "opened_by")
    return get_visible_or_404(user, queryset, require=require, code=code)


def get_review_for(user, code, *, require=None):
    queryset = Review.objects.select_related(
        "partnership__school", "reviewed_by", "feedback_round"
    )
    return get_visible_or_404(user, queryset, require=require, code=code)


# Staff awareness of the SSP: the summary is read as the register allows (can_read_summary);
# members of staff confirm it, and the head sees who has.


def can_confirm_awareness(user, partnership: Partnership) -> bool:
    # Members of staff confirm (the SPOC and deputy too); the head signs the protocol instead.
    return (
        Membership.objects.current()
        .holding(user, Role.STAFF)
        .filter(school=partnership.school_id)
        .exists()
    )


def can_read_awareness(user, partnership: Partnership) -> bool:
    return user.role == Role.HEAD and _heads(user, partnership)


def can_remind_awareness(user, partnership: Partnership) -> bool:
    return can_read_awareness(user, partnership)


# The partnership action plan: the school's leads and its SSPO agree and update it; their
# sergeant reads it. Staff, the YET and the administrator have no part in it.

ACTION_PLAN_LEADS = SCHOOL_LEADS


def _leads_school_of(user, partnership: Partnership) -> bool:
    # Worked out once per request (ssp.scope): a page asks both whether they may read and edit.
    return partnership.school_id in scope_of(user).led_school_ids


def _polices_school_of(user, partnership: Partnership) -> bool:
    return partnership.school_id in School.objects.visible_ids(user)


def can_read_action_plan(user, partnership: Partnership) -> bool:
    if user.role in ACTION_PLAN_LEADS:
        return _leads_school_of(user, partnership)
    if user.role in CASE_OFFICERS:
        return _polices_school_of(user, partnership)
    return False


def can_edit_action_plan(user, partnership: Partnership) -> bool:
    if partnership.status == partnership.Status.ENDED:
        return False  # kept as it was when the partnership ended
    if user.role in ACTION_PLAN_LEADS:
        return _leads_school_of(user, partnership)
    if user.role == Role.SSPO:
        return _polices_school_of(user, partnership)
    return False

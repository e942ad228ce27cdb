"""Who may read the partnership's records."""

from schools.models import School
from ssp.access import get_visible_or_404
from ssp.roles import Role

from .models import Partnership


def can_read_sharing_log(user) -> bool:
    # ACCESS.md: the head for their school, SSPOs for their schools, sergeants for the team.
    return user.role in (Role.HEAD, Role.SSPO, Role.SERGEANT)


# The partnership action plan: the school's leads and its SSPO agree and update it; their
# sergeant reads it. Staff, the YET and the administrator have no part in it.

ACTION_PLAN_LEADS = (Role.SPOC, Role.DEPUTY_SPOC, Role.HEAD)


def _leads_school_of(user, partnership: Partnership) -> bool:
    # Worked out once per request: a page asks both whether they may read and edit.
    led = getattr(user, "_led_school_ids", None)
    if led is None:
        led = set(School.objects.held_as(user, *ACTION_PLAN_LEADS).values_list("pk", flat=True))
        user._led_school_ids = led
    return partnership.school_id in led


def _polices_school_of(user, partnership: Partnership) -> bool:
    return partnership.school_id in School.objects.visible_ids(user)


def can_read_action_plan(user, partnership: Partnership) -> bool:
    if user.role in ACTION_PLAN_LEADS:
        return _leads_school_of(user, partnership)
    if user.role in (Role.SSPO, Role.SERGEANT):
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


def get_action_plan_for(user, code, *, require=can_read_action_plan) -> Partnership:
    """The partnership whose action plan is asked for: outside the register's scope 404."""
    return get_visible_or_404(
        user, Partnership.objects.select_related("school"), require=require, code=code
    )

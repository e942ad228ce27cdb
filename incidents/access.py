"""Who may do what with concerns. Scope first (404), then the verb (403)."""

from schools.models import School
from ssp.access import get_visible_or_404
from ssp.roles import Role

from .models import Concern

SCHOOL_LEADS = (Role.SPOC, Role.DEPUTY_SPOC, Role.HEAD)


def _leads_school(user, concern: Concern) -> bool:
    return School.objects.held_as(user, *SCHOOL_LEADS).filter(pk=concern.school_id).exists()


def can_log_concern(user, school: School) -> bool:
    return (
        user.role in (Role.STAFF, *SCHOOL_LEADS)
        and School.objects.held_as(user, Role.STAFF, *SCHOOL_LEADS).filter(pk=school.pk).exists()
    )


def can_triage(user, concern: Concern) -> bool:
    return user.role in SCHOOL_LEADS and _leads_school(user, concern)


def can_add_note(user, concern: Concern) -> bool:
    if user.role == Role.SERGEANT:
        return False  # reads only
    if concern.reported_by_id == user.pk:
        return True
    if user.role == Role.SSPO:
        return True  # only reaches here through visible_to: shared with them, in force
    return _leads_school(user, concern)


def can_see_access_log(user, concern: Concern) -> bool:
    return (
        user.role == Role.HEAD
        and School.objects.held_as(user, Role.HEAD).filter(pk=concern.school_id).exists()
    )


def get_concern_for(user, code, *, require=None) -> Concern:
    return get_visible_or_404(
        user, Concern.objects.select_related("school", "reported_by"), require=require, code=code
    )

"""Who may do what with Operation Encompass notifications. Scope (404), then verb (403).

The force's Encompass team (the sergeant's team) sends for the schools it serves, and sees
receipts: when and by whom a notification was acknowledged, never the school's support plan.
The school's key adults (the SPOC and deputy SPOC) and its head read, match, acknowledge and
plan support for their own school's notifications. Nobody else reaches them.
"""

from schools.access import can_keep_term_dates as can_keep_term_dates
from schools.access import get_school_for as get_school_for
from schools.models import School
from ssp.access import get_visible_or_404
from ssp.roles import SCHOOL_LEADS, Role
from ssp.scope import scope_of

from .models import Notification

# Who sends from a form: the sergeant, for their team's schools.
SENDER = Role.SERGEANT


def get_notification_or_404(user, code, *, require=None):
    return get_visible_or_404(user, Notification.objects, require=require, code=code)


def can_list(user) -> bool:
    """The school's leads list their school's notifications; the sergeant their team's, as
    receipts."""
    return getattr(user, "role", None) in SCHOOL_LEADS or can_send(user)


def can_send(user) -> bool:
    return getattr(user, "role", None) == SENDER


def handled_by(user):
    """The notifications a person handles in full (can_handle, as a queryset): their
    school's, for its leads. The police side never: it reads receipts only."""
    return Notification.objects.filter(school_id__in=scope_of(user).led_school_ids)


def schools_sendable_by(user):
    """The schools a person may send a notification for."""
    if getattr(user, "role", None) != SENDER:
        return School.objects.none()
    return School.objects.visible_to(user)


def schools_sendable_by_force(force):  # a Force or its id
    """The schools a force's machine client may send for: those the force serves."""
    return School.objects.filter(force=force)


def can_send_for(user, school) -> bool:
    return schools_sendable_by(user).filter(pk=school.pk).exists()


def can_handle(user, notification: Notification) -> bool:
    """Read in full (the support plan too), match, acknowledge and plan support: the
    school's leads (ssp.scope works out which schools a person leads, once per request)."""
    return notification.school_id in scope_of(user).led_school_ids


def receipts_of_client(client_code):
    """A machine client reads the receipts of the notifications it sent, whichever school of
    its force they went to, and nothing else."""
    return Notification.objects.filter(sent_by_client=client_code)

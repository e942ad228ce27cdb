"""Who may do what with concerns. Scope first (404), then the verb (403)."""

from django.core.exceptions import PermissionDenied
from django.db.models import Q

from schools.access import police_pupils
from schools.models import Pupil, School
from ssp.access import get_visible_or_404
from ssp.roles import CASE_OFFICERS, SCHOOL_LEADS, SCHOOL_ROLES, SPOCS, Role
from ssp.scope import scope_of

from .models import Concern, Enquiry, Incident, IncidentSummary


def _leads_school(user, concern: Concern) -> bool:
    return School.objects.held_as(user, *SCHOOL_LEADS).filter(pk=concern.school_id).exists()


def can_log_concern(user, school: School) -> bool:
    return (
        user.role in SCHOOL_ROLES
        and School.objects.held_as(user, *SCHOOL_ROLES).filter(pk=school.pk).exists()
    )


# The list pages. Each is in scope for its readers; anyone else signed in is refused (403).


def can_list_own_concerns(user) -> bool:
    return user.role in SCHOOL_ROLES


def can_list_triage_queue(user) -> bool:
    return user.role in SCHOOL_LEADS


def can_list_shared_concerns(user) -> bool:
    return user.role in CASE_OFFICERS


def can_list_incidents(user) -> bool:
    return user.role in CASE_OFFICERS


def can_list_summaries(user) -> bool:
    return user.role in SCHOOL_LEADS


def can_list_enquiries(user) -> bool:
    return user.role in SCHOOL_LEADS or user.role in CASE_OFFICERS


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


def can_see_police_events(user, concern: Concern) -> bool:
    """The police side of a concern (acknowledged, the police outcome) is for the police and
    the leads of the concern's school; the reporter sees the triage only. (Police reach the
    concern only through visible_to: shared with them, their schools, the DSA in force.)"""
    scope = scope_of(user)
    return scope.is_police or concern.school_id in scope.led_school_ids


def can_see_access_log(user, concern: Concern) -> bool:
    return (
        user.role == Role.HEAD
        and School.objects.held_as(user, Role.HEAD).filter(pk=concern.school_id).exists()
    )


def get_concern_for(user, code, *, require=None) -> Concern:
    return get_visible_or_404(
        user, Concern.objects.select_related("school", "reported_by"), require=require, code=code
    )


# The police side of a shared concern. Reached only through visible_to: shared with this
# officer, at one of their schools, with the agreement in force.


def can_acknowledge(user, concern: Concern) -> bool:
    return user.role == Role.SSPO


def can_record_police_outcome(user, concern: Concern) -> bool:
    return user.role == Role.SSPO


# Incidents: police records. The SSPO records for their schools; the sergeant reads.


def can_record_incidents(user) -> bool:
    return user.role == Role.SSPO


def can_record_incident(user, school: School) -> bool:
    return user.role == Role.SSPO and School.objects.visible_to(user).filter(pk=school.pk).exists()


def can_read_incident(user, incident: Incident) -> bool:
    return user.role in CASE_OFFICERS


def can_update_incident(user, incident: Incident) -> bool:
    return user.role == Role.SSPO


def get_incident_for(user, code, *, require=None) -> Incident:
    return get_visible_or_404(
        user,
        Incident.objects.select_related("school", "recorded_by", "concern"),
        require=require,
        code=code,
    )


def get_summary_for(user, code, *, require=None) -> IncidentSummary:
    return get_visible_or_404(
        user,
        IncidentSummary.objects.select_related("incident__school", "sent_by"),
        require=require,
        code=code,
    )


# Enquiries: the school side is the SPOC or deputy; the head reads; other staff never. The
# school side is asked of the person's places, not of the one role they act in: a head who
# is also named SPOC opens and answers enquiries as the SPOC (ACCESS.md: both roles' grants).


def enquiry_schools(user):
    """The schools where the person speaks for the school in enquiries."""
    return School.objects.held_as(user, *SPOCS)


def can_open_enquiry(user) -> bool:
    if user.role == Role.SSPO:
        return True
    return user.role in SCHOOL_LEADS and enquiry_schools(user).exists()


def can_open_enquiry_as_school(user, school: School) -> bool:
    return user.role in SCHOOL_LEADS and enquiry_schools(user).filter(pk=school.pk).exists()


def can_open_enquiry_as_police(user, school: School) -> bool:
    return user.role == Role.SSPO and School.objects.visible_to(user).filter(pk=school.pk).exists()


def can_open_enquiry_at(user, school: School) -> bool:
    """Open a thread at this school: the SSPO as the police side, anyone else as the school's."""
    if user.role == Role.SSPO:
        return can_open_enquiry_as_police(user, school)
    return can_open_enquiry_as_school(user, school)


def enquiry_choices(user):
    """The schools, shared concerns and pupils this person may open an enquiry about; other
    staff never message the SSPO and the head reads only (403)."""
    if not can_open_enquiry(user):
        raise PermissionDenied
    if user.role == Role.SSPO:
        schools = School.objects.visible_to(user)
        concerns = Concern.objects.visible_to(user)
        pupils = (
            police_pupils(user)
            .filter(
                Q(concern_links__concern__in=concerns)
                | Q(incident_links__incident__in=Incident.objects.visible_to(user)),
            )
            .distinct()
        )
    else:
        schools = enquiry_schools(user)
        concerns = Concern.objects.filter(school__in=schools, status=Concern.Status.SHARED)
        pupils = Pupil.objects.visible_to(user).filter(school__in=schools)
    return schools, concerns, pupils


def can_reply(user, enquiry: Enquiry) -> bool:
    """Write in an open thread, or close it: the same people."""
    if enquiry.status == Enquiry.Status.CLOSED:
        return False
    if user.role == Role.SSPO:
        return True  # only reaches here through visible_to: one of their schools
    return can_open_enquiry_as_school(user, enquiry.school)


def get_enquiry_for(user, code, *, require=None) -> Enquiry:
    return get_visible_or_404(
        user,
        Enquiry.objects.select_related("school", "sspo", "opened_by", "concern", "pupil"),
        require=require,
        code=code,
    )

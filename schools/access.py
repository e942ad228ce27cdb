"""Who may do what with schools, their people and invitations."""

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404

from ssp.access import get_visible_or_404
from ssp.roles import ACTIVITY_RECORDERS, POLICE_ROLES, SCHOOL_LEADS, SCHOOL_ROLES, SPOCS, Role
from ssp.scope import scope_of

from .models import (
    Activity,
    Assignment,
    Intake,
    Membership,
    Pupil,
    School,
    SessionRequest,
    Team,
    today,
)


def is_head_of(user, school: School) -> bool:
    """The person is the school's head teacher now (whatever else they also are)."""
    return Membership.objects.heads_of(school).filter(user=user).exists()


def can_invite_to_school(user, school: School) -> bool:
    # ACCESS.md: the head invites their own school's staff; the administrator anyone.
    if user.is_superuser:
        return True
    return user.role == Role.HEAD and is_head_of(user, school)


def can_invite_anyone(user) -> bool:
    return user.is_superuser


def can_invite_officers(user) -> bool:
    return user.role == Role.SERGEANT


def can_invite_to_team(user, team: Team) -> bool:
    if user.is_superuser:
        return True
    return can_invite_officers(user) and user.officer.team_id == team.pk


def can_invite(user, *, role: Role, school: School | None = None, team: Team | None = None):
    """An invitation of `role` to `school` or `team`: the administrator invites anyone; the
    head their own school's staff; the sergeant officers to their own team."""
    if can_invite_anyone(user):
        return True
    if school is not None:
        return role == Role.STAFF and can_invite_to_school(user, school)
    if team is not None:
        # An officer of the team (of a Youth Engagement Team, that makes them its YET).
        return role == Role.SSPO and can_invite_to_team(user, team)
    return False


def can_see_school_people(user, school: School) -> bool:
    """The school page's list of its people: for the school's own leads (a head who is also
    on another school's staff does not list that school's people)."""
    return school.pk in scope_of(user).led_school_ids


def can_name_spoc(user, school: School) -> bool:
    return can_invite_to_school(user, school) and not user.is_superuser


def get_school_for(user, code, *, require=None) -> School:
    return get_visible_or_404(user, School.objects.all(), require=require, code=code)


# Staff in bulk, and the end of a membership: the head's, for their own school.


def can_import_staff(user, school: School) -> bool:
    """Only the school's head (not an administrator, who holds no school)."""
    return user.role == Role.HEAD and is_head_of(user, school)


def is_endable_by(user, membership: Membership) -> bool:
    """A member of staff's place, not a head's and not the person's own."""
    return membership.position == Membership.Position.STAFF and membership.user_id != user.pk


def can_end_membership(user, membership: Membership) -> bool:
    """The head ends a member of staff's place at their school."""
    return is_endable_by(user, membership) and can_import_staff(user, membership.school)


def get_staff_intake_for(user, school_code, code) -> Intake:
    """A staff import of a school the person may see (else 404); only its head may open it."""
    school = get_school_for(user, school_code)
    intake = get_object_or_404(
        Intake.objects.filter(school=school, kind=Intake.Kind.STAFF).select_related("school"),
        code=code,
    )
    if not can_import_staff(user, school):
        raise PermissionDenied
    return intake


def get_membership_to_end(user, school_code, code) -> Membership:
    """A current place at a school the person may see (else 404); the head's to end (else 403)."""
    school = get_school_for(user, school_code)
    membership = get_object_or_404(
        Membership.objects.current().filter(school=school).select_related("user", "school"),
        code=code,
    )
    if not can_end_membership(user, membership):
        raise PermissionDenied
    return membership


# Allocation by need: the sergeant's, for the secondary schools of their force.


def can_allocate(user) -> bool:
    return user.role == Role.SERGEANT


def can_allocate_school(user, school: School) -> bool:
    return can_allocate(user) and school.phase in School.SECONDARY_PHASES


def can_end_assignment(user, assignment: Assignment) -> bool:
    # A sergeant ends the assignments of the officers they lead, not another team's.
    return can_allocate(user) and assignment.officer.team_id == user.officer.team_id


def _allocation_scope(user):
    """A sergeant's force's secondary schools; anyone else's usual schools, so that a
    school they may see answers 403 on these pages and any other 404."""
    visible = School.objects.visible_to(user).values("pk")
    return School.objects.filter(
        Q(pk__in=School.objects.allocatable_by(user).values("pk")) | Q(pk__in=visible)
    )


def get_school_to_allocate(user, code) -> School:
    school = get_object_or_404(_allocation_scope(user), code=code)
    if not can_allocate_school(user, school):
        raise PermissionDenied
    return school


def get_assignment_to_end(user, code) -> Assignment:
    """Assignments not yet over, at the schools of the allocation scope."""
    queryset = (
        Assignment.objects.filter(school__in=_allocation_scope(user))
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=today()))
        .select_related("school", "officer__user")
    )
    assignment = get_object_or_404(queryset, code=code)
    if not can_end_assignment(user, assignment):
        raise PermissionDenied
    return assignment


# The activity log and session requests. School leads read their school's log and the
# SPOC or deputy asks for sessions; the SSPO records for their schools, the Youth
# Engagement Team for the schools it serves; the sergeant reads the team's. Staff: nothing.

ACTIVITY_READERS = SCHOOL_LEADS


def activity_log_schools(user):
    """The schools whose activity log a person reads: the same rule as Activity.visible_to
    (a school's leads their schools; officers the schools they hold, serve or supervise)."""
    if user.role in ACTIVITY_READERS:
        return School.objects.held_as(user, *ACTIVITY_READERS)
    return School.objects.filter(pk__in=School.objects.visible_ids(user))


def can_read_activity_log(user) -> bool:
    return user.role in ACTIVITY_READERS or user.role in POLICE_ROLES


def can_read_school_activity(user, school: School) -> bool:
    if user.role in ACTIVITY_READERS:
        return School.objects.held_as(user, *ACTIVITY_READERS).filter(pk=school.pk).exists()
    # Officers reach a school only through School.visible_to: held, served or their team's.
    return user.role in POLICE_ROLES


def can_record_activity(user, school: School | None = None) -> bool:
    if user.role not in ACTIVITY_RECORDERS:
        return False
    return school is None or school.pk in School.objects.visible_ids(user)


def can_correct_activity(user, activity: Activity) -> bool:
    return activity.recorded_by_id == user.pk and can_record_activity(user, activity.school)


def can_close_activity(user, activity: Activity) -> bool:
    """Mark a scheduled session delivered or cancelled: whoever records for the school.

    The status is the service's to check, so a late second decision is told it came second.
    """
    return can_record_activity(user, activity.school)


def session_request_schools(user):
    """Where the person asks for sessions: the schools where they are SPOC or deputy (a head
    also named SPOC included: ACCESS.md grants a person both roles' rights)."""
    return School.objects.held_as(user, *SPOCS)


def can_request_session(user, school: School | None = None) -> bool:
    if user.role not in SCHOOL_LEADS:
        return False
    held = session_request_schools(user)
    return held.exists() if school is None else held.filter(pk=school.pk).exists()


# Whether the request still waits is the service's to check (see can_close_activity).


def can_answer_session_request(user, session_request: SessionRequest) -> bool:
    return can_record_activity(user, session_request.school)


def can_withdraw_session_request(user, session_request: SessionRequest) -> bool:
    return can_request_session(user, session_request.school)


def get_activity_for(user, code, *, require=None) -> Activity:
    return get_visible_or_404(
        user,
        Activity.objects.select_related("school", "officer__user", "recorded_by"),
        require=require,
        code=code,
    )


def get_session_request_for(user, code, *, require=None) -> SessionRequest:
    return get_visible_or_404(
        user,
        SessionRequest.objects.select_related("school", "requested_by", "answered_by"),
        require=require,
        code=code,
    )


# A school's pupils and its roll: the leads (head, SPOC, deputy) add, correct and import;
# the school's staff may see the school but not this (403); everyone else is out of scope.


def _pupil_scope(user):
    # Only the school's own people reach these pages: officers answer 404 like anyone else.
    return School.objects.held_as(user, *SCHOOL_ROLES)


def get_school_for_pupils(user, code) -> School:
    school = get_object_or_404(_pupil_scope(user), code=code)
    if not can_manage_pupils(user, school):
        raise PermissionDenied
    return school


def can_manage_pupils(user, school: School) -> bool:
    return School.objects.held_as(user, *SCHOOL_LEADS).filter(pk=school.pk).exists()


def can_keep_term_dates(user, school: School) -> bool:
    """The school's leads (its key adults and head) keep its term dates (Operation
    Encompass deadlines count school days from them)."""
    return school.pk in scope_of(user).led_school_ids


def get_pupil_to_correct(user, code) -> Pupil:
    """A pupil of the person's own school (else 404); the leads of the pupil's school correct
    its record (else 403): the same rule as adding one (can_manage_pupils). The roll's pages
    are the school's own: police, who read some pupils elsewhere, find nothing here."""
    if scope_of(user).is_police:
        raise Http404
    pupil = get_pupil_for(user, code)
    if not can_manage_pupils(user, pupil.school):
        raise PermissionDenied
    return pupil


def can_see_upn(user, pupil: Pupil) -> bool:
    """ACCESS.md: a pupil's UPN is for the people of the pupil's own school; police and the
    administrator never see it. Views hand the UPN, or nothing, to templates."""
    scope = scope_of(user)
    return scope.role in SCHOOL_ROLES and pupil.school_id in scope.visible_school_ids


def police_pupils(user):
    """The pupils a police user may read: those of their schools whose DSA is in force now.

    A pupil's name, year group and school come from the school's records, so every police
    read of a pupil (searches, pickers, chronologies) starts here: revoking or a lapse
    hides them on the next request. One pupil by its code: get_pupil_for.
    """
    scope = scope_of(user)
    if not scope.is_police:
        return Pupil.objects.none()
    return Pupil.objects.filter(school_id__in=scope.in_force_school_ids)


def get_pupil_for(user, code, *, require=None, annotate=None) -> Pupil:
    """The one gate of a pupil's record, for everyone who reads one by its code: the school's
    own people through Pupil.visible_to, police through police_pupils (their schools whose
    DSA is in force). Outside that, 404 as if the pupil did not exist; then the predicate
    (403). A page may say what to load with the pupil (`annotate`), never narrow or widen
    the rule."""
    scope = scope_of(user)
    pupils = police_pupils(user) if scope.is_police else Pupil.objects.visible_to(user)
    if annotate:
        pupils = pupils.annotate(**annotate)
    pupil = get_object_or_404(pupils.select_related("school"), code=code)
    if require is not None and not require(user, pupil):
        raise PermissionDenied
    return pupil


def get_roll_intake_for(user, code) -> Intake:
    """A roll import of a school the person can see; only its leads may work on it."""
    intake = get_object_or_404(
        Intake.objects.select_related("school", "created_by", "applied_by").filter(
            kind__in=(Intake.Kind.ROLL_CSV, Intake.Kind.ROLL_CTF),
            school__in=_pupil_scope(user),
        ),
        code=code,
    )
    if not can_manage_pupils(user, intake.school):
        raise PermissionDenied
    return intake


# The schools register from GIAS: the administrator imports for a force; a sergeant reads
# their force's register. Anyone else: as if the pages did not exist.


def can_import_gias(user) -> bool:
    return user.role == Role.ADMIN


def can_read_gias_register(user) -> bool:
    return user.role == Role.SERGEANT


def require_gias_importer(user) -> None:
    """The import pages: the administrator; a sergeant is in scope (their force's
    register) but may not import; anyone else finds nothing here."""
    if can_import_gias(user):
        return
    if can_read_gias_register(user):
        raise PermissionDenied
    raise Http404


def require_gias_reader(user) -> None:
    """The register: a sergeant; the administrator is in scope (they import it) but reads
    no force's register here; anyone else finds nothing here."""
    if can_read_gias_register(user):
        return
    if can_import_gias(user):
        raise PermissionDenied
    raise Http404


def gias_intakes_visible_to(user):
    intakes = Intake.objects.filter(kind=Intake.Kind.GIAS)
    if can_import_gias(user):
        return intakes
    if can_read_gias_register(user):
        return intakes.filter(force=user.officer.team.force_id)
    return intakes.none()


def get_gias_intake_for(user, code) -> Intake:
    """An import the person may see (else 404); only the importer works on it (else 403): a
    sergeant sees their force's imports listed on the register but opens none."""
    intake = get_object_or_404(
        gias_intakes_visible_to(user).select_related("force", "created_by", "applied_by"),
        code=code,
    )
    if not can_import_gias(user):
        raise PermissionDenied
    return intake

import functools
import hashlib
import secrets
from datetime import date, timedelta

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from ssp.models import AccessLog, User
from ssp.notifications import notify
from ssp.roles import POLICE_ROLES, SCHOOL_ROLES, Role
from ssp.scope import fresh_scope
from ssp.submissions import once_per_form

from .access import can_end_assignment, can_invite, can_name_spoc
from .models import Assignment, Invitation, Membership, Officer, School, Team, today

OWN_RECORD_REFUSAL = (
    "No one can grant or change their own membership, assignment or officer record: "
    "someone else invites them, and they accept."
)


def refuse_own_record(*, by, user) -> None:
    """Nobody widens what they can see by themselves, the administrator included."""
    if by is not None and user is not None and by.pk == user.pk:
        raise PermissionDenied(OWN_RECORD_REFUSAL)


def access_watchers(*, schools=(), forces=()) -> list[User]:
    """Who is told of a change in who can see what: the schools' heads, the forces' sergeants."""
    school_ids = {s.pk for s in schools}
    force_ids = {f.pk for f in forces} | {s.force_id for s in schools}
    heads = User.objects.filter(
        is_active=True,
        memberships__in=Membership.objects.heads_of(school_ids),
    )
    sergeants = User.objects.filter(
        Q(officer__left_on__isnull=True) | Q(officer__left_on__gt=today()),
        is_active=True,
        officer__rank=Officer.Rank.SERGEANT,
        officer__team__force__in=force_ids,
    )
    return list(heads.union(sergeants))


def _tell_of_access_change(*, by, watchers, object_type: str, code) -> None:
    """Log an administrator's change to who can see what, and tell those who answer for it."""
    AccessLog.objects.create(
        user=by,
        role=getattr(by, "role", None) or "",
        action="change_access",
        object_type=object_type,
        object_code=code,
        outcome=AccessLog.Outcome.ALLOWED,
    )
    notify(
        recipients=[u for u in watchers if by is None or u.pk != by.pk],
        subject="An administrator changed who can see records at your school or team",
        link=reverse("home"),
        reference=f"Access change: {object_type}",
    )


# What the Django admin may correct on someone else's place. The role itself (head or staff,
# SPOC designation, rank, team) is not among them: a role is granted by invitation, the SPOC
# is named by the head in the portal.
ADMIN_EDITABLE = {
    "membership": ("job_title", "is_slt", "joined_on", "left_on"),
    "officer": ("collar_number", "left_on"),
    "assignment": ("ends_on",),
    "user": ("first_name", "last_name", "is_active", "is_staff", "is_superuser"),
}


@transaction.atomic
def access_record_update(*, record, by, changes: dict) -> list[str]:
    """An administrator corrects someone else's membership, officer record or assignment.

    The row is locked and its owner checked again under the lock; only the fields in
    ADMIN_EDITABLE are saved, each change is logged and told to the heads and sergeants
    who answer for that school or team. Returns the fields that changed.
    """
    model = type(record)
    kind = model._meta.model_name
    allowed = ADMIN_EDITABLE[kind]
    locked = model.objects.select_for_update().get(pk=record.pk)
    if kind == "membership":
        owner, schools, forces = locked.user, [locked.school], []
    elif kind == "officer":
        owner, schools, forces = locked.user, [], [locked.team.force]
    elif kind == "assignment":
        owner, schools, forces = locked.officer.user, [locked.school], []
    else:
        owner, schools, forces = locked, _schools_of(locked), _forces_of(locked)
    refuse_own_record(by=by, user=owner)
    fields = [f for f in allowed if f in changes and getattr(locked, f) != changes[f]]
    if not fields:
        return []
    refuse_reopening(before=getattr(locked, "left_on", None), after=changes.get("left_on"))
    for field in fields:
        setattr(locked, field, changes[field])
    locked.full_clean(exclude=[f.name for f in model._meta.fields if f.name not in fields])
    locked._history_user = by
    locked.save(update_fields=fields)
    code = locked.user.code if kind == "officer" else locked.code
    watchers = access_watchers(schools=schools, forces=forces)
    if kind == "user" and {"is_staff", "is_superuser"} & set(fields):
        # A new administrator answers to the others, whatever school they touch.
        watchers += list(User.objects.filter(is_active=True, is_superuser=True))
    _tell_of_access_change(by=by, watchers=watchers, object_type=kind, code=code)
    return fields


REOPENING_REFUSAL = (
    "A place that has ended cannot be reopened or lengthened here: invite the person again."
)


def refuse_reopening(*, before, after) -> None:
    """An ended membership or officer record gives access back only through an invitation."""
    if before is not None and (after is None or after > before):
        raise ValidationError({"left_on": REOPENING_REFUSAL})


def _schools_of(user) -> list[School]:
    return list(
        School.objects.filter(
            pk__in=Membership.objects.current().filter(user=user).values("school")
        )
    )


def _forces_of(user) -> list:
    officer = Officer.objects.filter(user=user).select_related("team__force").first()
    return [officer.team.force] if officer is not None else []


def _most_held_at_once(assignments, starts_on: date, ends_on: date | None) -> int:
    """How many of these assignments run on the same day, at most, within the new range."""
    # The count only rises when an assignment starts, so checking each start day suffices.
    days = {starts_on} | {a.starts_on for a in assignments if a.starts_on > starts_on}
    return max(
        sum(
            1
            for a in assignments
            if a.starts_on <= day and (a.ends_on is None or a.ends_on >= day)
        )
        for day in days
        if ends_on is None or day <= ends_on
    )


@transaction.atomic
def assignment_create(
    *,
    officer: Officer,
    school: School,
    starts_on: date | None = None,
    ends_on: date | None = None,
    by=None,
) -> Assignment:
    """Assign an SSPO to a school, refusing a third school at once.

    The officer's row is locked first, so two assignments saved at the same moment queue
    behind each other and the second sees the first.
    """
    starts_on = starts_on or today()
    refuse_own_record(by=by, user=officer.user)
    if ends_on is not None and ends_on < starts_on:
        raise ValidationError({"ends_on": "The end date must be on or after the start date."})
    officer = Officer.objects.select_for_update().get(pk=officer.pk)
    if officer.role != Role.SSPO:
        raise ValidationError({"officer": "Only Safer Schools Police Officers hold schools."})
    existing = list(Assignment.objects.filter(officer=officer).overlapping(starts_on, ends_on))
    if any(a.school_id == school.pk for a in existing):
        raise ValidationError({"school": f"{officer.user} is already assigned to {school}."})
    if existing and _most_held_at_once(existing, starts_on, ends_on) >= Assignment.MAX_SCHOOLS:
        raise ValidationError(
            {
                "officer": f"{officer.user} already holds {Assignment.MAX_SCHOOLS} schools in "
                "that period. An SSPO works with at most two schools at once."
            }
        )
    assignment = Assignment(
        officer=officer, school=school, starts_on=starts_on, ends_on=ends_on, assigned_by=by
    )
    assignment._history_user = by
    assignment.save()
    if by is not None and by.is_superuser:
        # Sergeants assign their team in the portal; an administrator doing it is told.
        _tell_of_access_change(
            by=by,
            watchers=access_watchers(schools=[school], forces=[officer.team.force]),
            object_type="assignment",
            code=assignment.code,
        )
    return assignment


def tell_the_school(school: School, subject: str) -> None:
    """Tell the head, SPOC and deputy of a change in who serves their school."""
    leads = Membership.objects.leads_of(school).select_related("user")
    notify(
        recipients=[m.user for m in leads],
        subject=subject,
        link=reverse("school_detail", args=[school.code]),
        reference=f"School: {school.name}",
    )


class StaleAssignment(Exception):
    """The assignment's end date changed since the sergeant opened the form."""


@transaction.atomic
def assignment_end(*, assignment: Assignment, ends_on: date, by, seen_ends_on=None) -> Assignment:
    """Set the last day an officer works with a school, keeping the two-school limit.

    Ending later than planned can make the officer hold a third school at once, so the
    officer's row is locked and their other assignments checked, as assignment_create does.
    """
    officer = Officer.objects.select_for_update().get(pk=assignment.officer_id)
    refuse_own_record(by=by, user=officer.user)
    assignment = Assignment.objects.select_for_update().get(pk=assignment.pk)
    # The school's row too, as the officer's writes there lock it and re-check: one made at
    # the same moment commits before the assignment ends or waits and is refused.
    School.objects.select_for_update().get(pk=assignment.school_id)
    fresh_scope(by)
    if not can_end_assignment(by, assignment):
        raise PermissionDenied  # not (or no longer) the sergeant of the officer's team
    if assignment.ends_on != seen_ends_on:
        raise StaleAssignment
    if ends_on < assignment.starts_on:
        raise ValidationError(
            {
                "ends_on": "The end date must be on or after the start date, "
                f"{assignment.starts_on:%-d %B %Y}."
            }
        )
    if ends_on < today():
        raise ValidationError(
            {"ends_on": "The end date cannot be in the past: use today's date or a later one."}
        )
    others = list(
        Assignment.objects.filter(officer=officer)
        .exclude(pk=assignment.pk)
        .overlapping(assignment.starts_on, ends_on)
    )
    if others and _most_held_at_once(others, assignment.starts_on, ends_on) >= (
        Assignment.MAX_SCHOOLS
    ):
        raise ValidationError(
            {
                "ends_on": f"{officer.user} holds {Assignment.MAX_SCHOOLS} other schools by then. "
                "An SSPO works with at most two schools at once."
            }
        )
    assignment.ends_on = ends_on
    assignment._history_user = by
    assignment.save(update_fields=["ends_on"])
    tell_the_school(
        assignment.school, "Your school's Safer Schools Police Officer has an end date"
    )
    notify(
        recipients=[officer.user],
        subject="One of your schools has an end date",
        link="/",
        reference=f"School: {assignment.school.name}",
    )
    return assignment


@transaction.atomic
def spoc_designate(
    *, school: School, membership: Membership | None, deputy: bool = False, by
) -> Membership | None:
    """The head names the school's SPOC (or deputy); they must be in the SLT.

    Naming someone new takes the designation from whoever held it; None just clears it.
    """
    # The school's row, then the question again: a head who left since the page was loaded
    # names nobody.
    school = School.objects.select_for_update().get(pk=school.pk)
    fresh_scope(by)
    if not can_name_spoc(by, school):
        raise PermissionDenied
    designation = Membership.Designation.DEPUTY if deputy else Membership.Designation.SPOC
    holders = Membership.objects.select_for_update().filter(school=school, designation=designation)
    if membership is not None:
        membership = Membership.objects.select_for_update().get(pk=membership.pk, school=school)
        if membership.position != Membership.Position.HEAD:
            # A head naming themselves SPOC sees nothing more; anyone else would.
            refuse_own_record(by=by, user=membership.user)
        if not (membership.is_slt or membership.position == Membership.Position.HEAD):
            raise ValidationError(
                {
                    "membership": "The SPOC and deputy must be members of the senior leadership "
                    "team."
                }
            )
    for holder in holders:
        if membership is None or holder.pk != membership.pk:
            holder.designation = Membership.Designation.NONE
            holder._history_user = by
            holder.save(update_fields=["designation"])
    if membership is not None and membership.designation != designation:
        membership.designation = designation
        membership._history_user = by
        membership.save(update_fields=["designation"])
    return membership


@transaction.atomic
def data_protection_lead_name(*, school: School, membership: Membership | None, by) -> None:
    """The head names (or changes, or clears) the school's data-protection lead from its
    current staff: with the head, they answer for the school's records (ACCESS.md)."""
    school = School.objects.select_for_update().get(pk=school.pk)
    fresh_scope(by)
    # The head names the data-protection lead as they name the SPOC.
    if not can_name_spoc(by, school):
        raise PermissionDenied
    if membership is not None:
        membership = (
            Membership.objects.current().select_for_update().get(pk=membership.pk, school=school)
        )
        if membership.position != Membership.Position.HEAD:
            refuse_own_record(by=by, user=membership.user)
    # The one current lead is a unique constraint: the old one is cleared first.
    for holder in Membership.objects.select_for_update().filter(
        school=school, is_data_protection_lead=True
    ):
        if membership is None or holder.pk != membership.pk:
            holder.is_data_protection_lead = False
            holder._history_user = by
            holder.save(update_fields=["is_data_protection_lead"])
    if membership is not None and not membership.is_data_protection_lead:
        membership.is_data_protection_lead = True
        membership._history_user = by
        membership.save(update_fields=["is_data_protection_lead"])


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@once_per_form(Invitation)
@transaction.atomic
def invitation_create(
    *,
    by,
    email: str,
    first_name: str,
    last_name: str,
    role: Role,
    school: School | None = None,
    team: Team | None = None,
    job_title: str = "",
    is_slt: bool = False,
    collar_number: str = "",
) -> Invitation:
    """Record an invitation. Its one-time token for the e-mail link is on `invitation.token`,
    only on the post that made it: a repeated post of the same form gets the first invitation
    back without one, so nothing is sent twice."""
    if (role in SCHOOL_ROLES) != (school is not None) or (role in POLICE_ROLES) != (
        team is not None
    ):
        raise ValidationError("School roles join a school; police roles join a team.")
    if by is not None and by.email.lower() == email.lower():
        raise PermissionDenied(OWN_RECORD_REFUSAL)
    # The school's (or team's) row is locked while the inviter's right is asked again, read
    # afresh: a head who left, or a sergeant moved on, since the form was shown invites no one.
    if school is not None:
        school = School.objects.select_for_update().get(pk=school.pk)
    if team is not None:
        team = Team.objects.select_for_update().get(pk=team.pk)
    if by is None:
        raise PermissionDenied
    fresh_scope(by)
    if not can_invite(by, role=role, school=school, team=team):
        raise PermissionDenied
    token = secrets.token_urlsafe(32)
    invitation = Invitation(
        token_hash=_token_hash(token),
        email=email.lower(),
        first_name=first_name,
        last_name=last_name,
        role=role,
        school=school,
        team=team,
        job_title=job_title,
        is_slt=is_slt or role == Role.HEAD,
        collar_number=collar_number,
        invited_by=by,
        expires_at=timezone.now() + timedelta(days=Invitation.VALID_FOR_DAYS),
    )
    invitation._history_user = by
    invitation.save()
    if by is not None and by.is_superuser:
        # Heads invite their staff and sergeants their officers; the administrator's
        # invitations are told to those who answer for the school or team.
        _tell_of_access_change(
            by=by,
            watchers=access_watchers(
                schools=[school] if school else [], forces=[team.force] if team else []
            ),
            object_type="invitation",
            code=invitation.code,
        )
    invitation.token = token
    return invitation


def invitation_for_token(token: str) -> Invitation | None:
    invitation = Invitation.objects.filter(token_hash=_token_hash(token)).first()
    if invitation is None or not invitation.is_usable:
        return None
    return invitation


def invitation_send(*, invitation: Invitation, token: str) -> None:
    link = settings.SITE_URL.rstrip("/") + reverse("invitation_accept", args=[token])
    send_mail(
        subject="You have been invited to the SSP Portal",
        message=render_to_string(
            "schools/email/invitation.txt", {"invitation": invitation, "link": link}
        ),
        from_email=None,
        recipient_list=[invitation.email],
    )


@transaction.atomic
def invitation_accept(*, token: str, password: str) -> User:
    """Turn an invitation into an account with its place at a school or in a team."""
    invitation = (
        Invitation.objects.select_for_update().filter(token_hash=_token_hash(token)).first()
    )
    if invitation is None or not invitation.is_usable:
        raise ValidationError("This invitation has expired or has already been used.")
    if User.objects.filter(email__iexact=invitation.email).exists():
        raise ValidationError("An account with this e-mail address already exists.")
    user = User.objects.create_user(
        email=invitation.email,
        password=password,
        first_name=invitation.first_name,
        last_name=invitation.last_name,
        is_staff=invitation.role == Role.ADMIN,
        is_superuser=invitation.role == Role.ADMIN,
    )
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    if invitation.school is not None:
        Membership.objects.create(
            user=user,
            school=invitation.school,
            job_title=invitation.job_title,
            is_slt=invitation.is_slt,
            position=Membership.Position.HEAD
            if invitation.role == Role.HEAD
            else Membership.Position.STAFF,
        )
    elif invitation.team is not None:
        Officer.objects.create(
            user=user,
            team=invitation.team,
            collar_number=invitation.collar_number,
            rank=Officer.Rank.SERGEANT
            if invitation.role == Role.SERGEANT
            else Officer.Rank.CONSTABLE,
        )
    invitation.accepted_at = timezone.now()
    invitation._history_user = user
    invitation.save(update_fields=["accepted_at"])
    return user


class MembershipAlreadyEnded(Exception):
    """Someone else ended this place at the school first."""


@transaction.atomic
def membership_end(*, membership: Membership, by) -> bool:
    """End a person's place at a school from today: from their next request they see nothing
    of it. If it was their only place (no other school, no officer record, not an
    administrator), the account is disabled and its sessions end: an account never outlives
    the job. Returns whether the account was closed."""
    from .access import can_end_membership

    # The school's row first, as every write there that re-checks the person's place locks
    # it (and before the place's row, the order the SPOC's designation takes them in).
    School.objects.select_for_update().get(pk=membership.school_id)
    membership = (
        Membership.objects.select_for_update()
        .select_related("user", "school")
        .get(pk=membership.pk)
    )
    if not membership.is_current:
        raise MembershipAlreadyEnded
    if not can_end_membership(by, membership):
        raise PermissionDenied
    membership.left_on = today()
    membership.designation = Membership.Designation.NONE  # a person who left is nobody's SPOC
    membership._history_user = by
    membership.save(update_fields=["left_on", "designation"])
    # A change of who can see the school is told to its leads, through the outbox.
    tell_the_school(membership.school, "A person's access to your school has ended")
    user = membership.user
    officer = getattr(user, "officer", None)
    still_holds = (
        user.is_superuser
        or (officer is not None and officer.is_current)
        or Membership.objects.current().filter(user=user).exclude(pk=membership.pk).exists()
    )
    if still_holds:
        return False
    user.is_active = False
    user._history_user = by
    user.save(update_fields=["is_active"])
    # Reading every session to find theirs happens after commit, not while the place's row
    # (and the school's) is locked. Until then the account is already inactive, so the
    # sign-in backend refuses their sessions on the very next request.
    transaction.on_commit(functools.partial(end_sessions, user=user), robust=True)
    return True


def end_sessions(*, user) -> int:
    """Delete every live session of this person on the server; returns how many."""
    from django.contrib.sessions.models import Session

    mine = [
        session.pk
        for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator()
        if session.get_decoded().get("_auth_user_id") == str(user.pk)
    ]
    Session.objects.filter(pk__in=mine).delete()
    return len(mine)

import hashlib
import secrets
from datetime import date, timedelta

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from ssp.models import User
from ssp.notifications import notify
from ssp.roles import POLICE_ROLES, SCHOOL_ROLES, Role
from ssp.submissions import once_per_form

from .models import Assignment, Invitation, Membership, Officer, School, Team, today


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
    return Assignment.objects.create(
        officer=officer, school=school, starts_on=starts_on, ends_on=ends_on, assigned_by=by
    )


def tell_the_school(school: School, subject: str) -> None:
    """Tell the head, SPOC and deputy of a change in who serves their school."""
    leads = (
        Membership.objects.current()
        .filter(school=school, user__is_active=True)
        .exclude(position=Membership.Position.STAFF, designation="")  # the head and leads
        .select_related("user")
    )
    notify(
        recipients=[m.user for m in leads],
        subject=subject,
        link=reverse("school_detail", args=[school.code]),
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
    assignment = Assignment.objects.select_for_update().get(pk=assignment.pk)
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
    notify(recipients=[officer.user], subject="One of your schools has an end date", link="/")
    return assignment


@transaction.atomic
def spoc_designate(
    *, school: School, membership: Membership | None, deputy: bool = False, by=None
) -> Membership | None:
    """The head names the school's SPOC (or deputy); they must be in the SLT.

    Naming someone new takes the designation from whoever held it; None just clears it.
    """
    designation = Membership.Designation.DEPUTY if deputy else Membership.Designation.SPOC
    holders = Membership.objects.select_for_update().filter(school=school, designation=designation)
    if membership is not None:
        membership = Membership.objects.select_for_update().get(pk=membership.pk, school=school)
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

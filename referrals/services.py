import uuid
from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from agreements.access import receives
from agreements.models import Disclosure
from agreements.services import disclosure_record, sharing_allowed
from incidents.models import Concern
from schools.models import Membership, Pupil
from ssp.notifications import notify
from ssp.roles import Role
from ssp.submissions import once_per_form

from .access import (
    can_add_action,
    can_edit_scheme,
    can_make_referral,
    can_manage_schemes,
    can_mark_action_done,
    can_move_referral,
    can_record_conference,
    police_pupils,
)
from .models import Conference, ConferenceAction, Referral, ReferralEvent, Scheme

SCHEME_FIELDS = ("name", "provider", "purpose", "criteria", "contact", "active")


class ReferralChanged(Exception):
    """Someone else moved the referral first; the caller shows the new state."""


def _school_lead(school):
    """Whom the school side of a disclosure goes to: the SPOC, else the head."""
    spoc = Membership.objects.of(school, Role.SPOC).select_related("user").first()
    member = spoc or Membership.objects.heads_of(school).select_related("user").first()
    return member.user if member is not None else None


def _tell_school(referral: Referral, by) -> None:
    """The summary the school sees is a disclosure from police to school: log it.

    Only while the agreement allows sharing; otherwise the police record still changes
    and nothing is logged as sent.
    """
    lead = _school_lead(referral.school)
    if lead is None or not sharing_allowed(referral.school).allowed:
        return
    disclosure_record(
        school=referral.school,
        direction=Disclosure.Direction.TO_SCHOOL,
        kind=Disclosure.Kind.REFERRAL_UPDATE,
        record_code=referral.code,
        by=by,
        to=lead,
    )


@once_per_form(Scheme)
@transaction.atomic
def scheme_save(*, by, scheme: Scheme | None = None, **fields) -> Scheme:
    """Create a scheme for the sergeant's force, or change one (history keeps the old).

    A repeated post of the same form (new or edit) lands on the scheme it saved first."""
    if scheme is None:
        if not can_manage_schemes(by):
            raise PermissionDenied
        scheme = Scheme(force_id=by.officer.team.force_id)
    else:
        scheme = Scheme.objects.select_for_update().get(pk=scheme.pk)
        # Asked again under the lock: a sergeant moved to another force since the page was
        # loaded no longer sees the scheme.
        if not Scheme.objects.visible_to(by).filter(pk=scheme.pk).exists():
            raise PermissionDenied
        if not can_edit_scheme(by, scheme):
            raise PermissionDenied
    force_id = scheme.force_id
    for name in SCHEME_FIELDS:
        setattr(scheme, name, fields[name])
    if Scheme.objects.filter(force_id=force_id, name=scheme.name).exclude(pk=scheme.pk).exists():
        raise ValidationError({"name": "Your force already has a scheme with this name."})
    scheme._history_user = by
    scheme.save()
    return scheme


@once_per_form(Referral)
@transaction.atomic
def referral_make(
    *,
    by,
    pupil: Pupil,
    scheme: Scheme,
    purpose: str,
    reason: str,
    young_person_consent: str,
    young_person_consent_note: str = "",
    parent_consent: str,
    parent_consent_note: str = "",
    follow_up_on: date | None = None,
    concern: Concern | None = None,
) -> Referral:
    if not can_make_referral(by):
        raise PermissionDenied
    if not police_pupils(by).filter(pk=pupil.pk).exists():
        raise ValidationError({"pupil": "Choose a pupil at one of your schools."})
    if not Scheme.objects.visible_to(by).filter(pk=scheme.pk, active=True).exists():
        raise ValidationError({"scheme": "Choose an open scheme of your force."})
    if not reason.strip():
        raise ValidationError({"reason": "Say why you are making this referral."})
    if follow_up_on is not None and follow_up_on < timezone.localdate():
        raise ValidationError({"follow_up_on": "The follow-up date must be today or later."})
    if concern is not None and not (
        Concern.objects.visible_to(by).filter(pk=concern.pk, involved__pupil=pupil).exists()
    ):
        raise ValidationError({"concern": "Choose a concern about this pupil shared with you."})
    referral = Referral(
        reference="R-" + uuid.uuid4().hex[:8].upper(),
        school_id=pupil.school_id,
        pupil=pupil,
        scheme=scheme,
        concern=concern,
        purpose=purpose,
        reason=reason.strip(),
        young_person_consent=young_person_consent,
        young_person_consent_note=young_person_consent_note.strip(),
        parent_consent=parent_consent,
        parent_consent_note=parent_consent_note.strip(),
        made_by=by,
        follow_up_on=follow_up_on,
    )
    referral._history_user = by
    referral.save()
    ReferralEvent.objects.create(
        referral=referral, kind=ReferralEvent.Kind.MADE, actor=by, to_status=referral.status
    )
    _tell_school(referral, by)
    return referral


@transaction.atomic
def referral_move(
    *,
    referral: Referral,
    by,
    status: str,
    note: str = "",
    outcome: str = "",
    follow_up_on: date | None = None,
    seen_version: int,
) -> Referral:
    """Move a referral on. One move wins; a stale or disallowed one is refused."""
    referral = Referral.objects.select_for_update().get(pk=referral.pk)
    if not can_move_referral(by, referral):
        raise PermissionDenied
    if referral.version != seen_version:
        raise ReferralChanged(referral)
    if not referral.can_move_to(status):
        raise ValidationError(
            {"status": f"That is not possible from “{referral.get_status_display()}”."}
        )
    if status in Referral.NEEDS_OUTCOME and not outcome.strip():
        raise ValidationError({"outcome": "Say what the outcome was."})
    if follow_up_on is not None and follow_up_on < timezone.localdate():
        raise ValidationError({"follow_up_on": "The follow-up date must be today or later."})
    before = referral.status
    referral.status = status
    referral.status_changed_at = timezone.now()
    referral.version += 1
    fields = ["status", "status_changed_at", "version"]
    if outcome.strip():
        referral.outcome = outcome.strip()
        fields.append("outcome")
    if follow_up_on is not None:
        referral.follow_up_on = follow_up_on
        fields.append("follow_up_on")
    referral._history_user = by
    referral.save(update_fields=fields)
    ReferralEvent.objects.create(
        referral=referral,
        kind=ReferralEvent.Kind.MOVED,
        actor=by,
        from_status=before,
        to_status=status,
        note=note.strip(),
    )
    _tell_school(referral, by)
    return referral


def send_follow_up_reminder(*, referral_pk: int) -> bool:
    """Tell the referring SSPO a follow-up is due: once for each follow-up date."""
    with transaction.atomic():
        referral = (
            Referral.objects.follow_up_due()
            .select_for_update(of=("self",))
            .select_related("made_by")
            .filter(pk=referral_pk)
            .first()
        )
        if referral is None or referral.follow_up_reminded_on == referral.follow_up_on:
            return False
        notify(
            recipients=[referral.made_by],
            subject="A referral's follow-up is due",
            link=reverse("referral_detail", args=[referral.code]),
            reference=referral.reference,
        )
        referral.follow_up_reminded_on = referral.follow_up_on
        referral.save(update_fields=["follow_up_reminded_on"])
        ReferralEvent.objects.create(referral=referral, kind=ReferralEvent.Kind.REMINDED)
        return True


@once_per_form(Conference)
@transaction.atomic
def conference_record(
    *,
    by,
    pupils: list[Pupil],
    held_on: date,
    agencies: str,
    attendees: str,
    decisions: str,
    rationale: str,
) -> Conference:
    if not can_record_conference(by):
        raise PermissionDenied
    if not pupils:
        raise ValidationError({"pupils": "Choose at least one pupil."})
    schools = {p.school_id for p in pupils}
    allowed = police_pupils(by).filter(pk__in=[p.pk for p in pupils]).count()
    if len(schools) != 1 or allowed != len(pupils):
        raise ValidationError({"pupils": "Choose pupils of one of your schools."})
    if held_on > timezone.localdate():
        raise ValidationError({"held_on": "The date must be today or in the past."})
    conference = Conference(
        school_id=schools.pop(),
        held_on=held_on,
        agencies=agencies.strip(),
        attendees=attendees.strip(),
        decisions=decisions.strip(),
        rationale=rationale.strip(),
        recorded_by=by,
    )
    conference._history_user = by
    conference.save()
    conference.pupils.set(pupils)
    return conference


@transaction.atomic
def conference_minutes_read(*, conference: Conference, by) -> Disclosure | None:
    """Case conference minutes are the police's record (an SSPO records them); the school
    reading them is a disclosure from police to school. The first read by the school's side
    records it, acknowledged by that read; later reads, and the police's own, record nothing.

    Only while the agreement allows sharing, as with a referral's updates.
    """
    if receives(by) != Disclosure.Direction.TO_SCHOOL:
        return None
    locked = Conference.objects.select_for_update().get(pk=conference.pk)
    kind = Disclosure.Kind.CONFERENCE_MINUTES
    if Disclosure.objects.filter(kind=kind, record_code=locked.code).exists():
        return None
    if not sharing_allowed(locked.school).allowed:
        return None
    return disclosure_record(
        school=locked.school,
        direction=Disclosure.Direction.TO_SCHOOL,
        kind=kind,
        record_code=locked.code,
        by=locked.recorded_by,
        to=by,
        acknowledged=True,
    )


@once_per_form(ConferenceAction)
@transaction.atomic
def conference_add_action(
    *, conference: Conference, by, description: str, owner: str, due_on: date
) -> ConferenceAction:
    # Locked, then asked again: an officer whose school or agreement went since the page was
    # loaded adds nothing.
    conference = Conference.objects.select_for_update().get(pk=conference.pk)
    if not Conference.objects.visible_to(by).filter(pk=conference.pk).exists():
        raise PermissionDenied
    if not can_add_action(by, conference):
        raise PermissionDenied
    action = ConferenceAction(
        conference=conference, description=description.strip(), owner=owner.strip(), due_on=due_on
    )
    action._history_user = by
    action.save()
    return action


@transaction.atomic
def conference_action_done(*, action: ConferenceAction, by) -> ConferenceAction:
    action = ConferenceAction.objects.select_for_update().get(pk=action.pk)
    if not can_mark_action_done(by, action.conference):
        raise PermissionDenied
    if action.is_done:
        raise ValidationError("This action was already marked done.")
    action.done_at = timezone.now()
    action.done_by = by
    action._history_user = by
    action.save(update_fields=["done_at", "done_by"])
    return action


def police_purpose(user, record: str) -> str:
    """DPA 2018 s.62: why a police user read this record."""
    if user.role == Role.SSPO:
        return f"Safeguarding and diversion: {record} for a pupil of the officer's school"
    return "Supervision of the Safer Schools team"

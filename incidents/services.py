import uuid
from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from agreements.models import Disclosure
from agreements.services import agreement_label, disclosure_record, sharing_allowed
from schools.models import Membership, Pupil
from ssp.notifications import notify
from ssp.roles import Role

from .access import can_add_note, can_triage
from .models import (
    IMAGE_CATEGORIES,
    Attachment,
    Concern,
    ConcernEvent,
    ConcernPupil,
    CorrectionNote,
    Share,
)


class ConcernChanged(Exception):
    """Someone else decided on the concern first; the caller shows the new state."""


@dataclass(frozen=True)
class Involvement:
    pupil: Pupil
    role: str


def _school_leads(school):
    return [
        m.user
        for m in Membership.objects.current()
        .filter(school=school, designation__in=["spoc", "deputy"])
        .select_related("user")
    ]


def _new_reference() -> str:
    return "C-" + uuid.uuid4().hex[:8].upper()


@transaction.atomic
def concern_log(
    *,
    by,
    school,
    kind: str,
    category: str,
    narrative: str,
    happened_at: datetime,
    location: str,
    immediate_risk: bool,
    involved: list[Involvement],
    image_description: str = "",
    device_location: str = "",
    who_has_been_told: str = "",
    files=(),
) -> Concern:
    """Record a concern exactly as the reporter gave it, and tell the SPOC."""
    if not involved:
        raise ValidationError({"pupils": "Add at least one pupil."})
    if any(i.pupil.school_id != school.pk for i in involved):
        raise ValidationError({"pupils": "Pupils must be at your school."})
    if happened_at > timezone.now():
        raise ValidationError({"happened_at": "The date must be today or in the past."})
    if category in IMAGE_CATEGORIES and files:
        raise ValidationError({"attachments": "No file may be attached for this category."})
    concern = Concern(
        reference=_new_reference(),
        school=school,
        kind=kind,
        reported_by=by,
        category=category,
        narrative=narrative,
        happened_at=happened_at,
        location=location,
        immediate_risk=immediate_risk,
        image_description=image_description,
        device_location=device_location,
        who_has_been_told=who_has_been_told,
    )
    concern._history_user = by
    concern.save()
    for item in involved:
        ConcernPupil.objects.create(concern=concern, pupil=item.pupil, role=item.role)
    for upload in files:
        Attachment.objects.create(
            concern=concern,
            file=upload.file,
            original_name=upload.name,
            content_type=upload.content_type,
            size=upload.size,
            uploaded_by=by,
        )
    ConcernEvent.objects.create(
        concern=concern, kind=ConcernEvent.Kind.LOGGED, actor=by, to_status=concern.status
    )
    subject = (
        "A concern marked as immediate risk needs triage now"
        if immediate_risk
        else "A new concern is waiting for triage"
    )
    notify(
        recipients=_school_leads(school),
        subject=subject,
        link=reverse("concern_detail", args=[concern.code]),
    )
    return concern


@transaction.atomic
def concern_triage(
    *, concern: Concern, by, decision: str, rationale: str, seen_version: int
) -> Concern:
    """Decide what happens to a concern. One decision wins; a stale one is refused."""
    concern = Concern.objects.select_for_update().get(pk=concern.pk)
    if not can_triage(by, concern):
        raise PermissionDenied
    if concern.version != seen_version:
        raise ConcernChanged(concern)
    if not rationale.strip():
        raise ValidationError({"rationale": "Explain why you made this decision."})
    if not concern.can_move_to(decision):
        raise ValidationError(
            {"decision": f"That decision is not possible from “{concern.get_status_display()}”."}
        )
    share = None
    if decision == Concern.Status.SHARED:
        check = sharing_allowed(concern.school)
        if not check.allowed:
            raise ValidationError({"decision": f"This concern cannot be shared: {check.reason}"})
        share = Share(
            concern=concern,
            shared_by=by,
            shared_with=check.sspo,
            partnership=check.partnership,
            agreement=agreement_label(check.partnership),
        )
    before = concern.status
    concern.status = decision
    concern.version += 1
    concern.triaged_at = timezone.now()
    concern.triaged_by = by
    concern._history_user = by
    concern.save(update_fields=["status", "version", "triaged_at", "triaged_by"])
    ConcernEvent.objects.create(
        concern=concern,
        kind=ConcernEvent.Kind.TRIAGED,
        actor=by,
        from_status=before,
        to_status=decision,
        rationale=rationale.strip(),
    )
    link = reverse("concern_detail", args=[concern.code])
    if share is not None:
        share._history_user = by
        share.save()
        disclosure_record(
            school=concern.school,
            direction=Disclosure.Direction.TO_POLICE,
            kind=Disclosure.Kind.CONCERN_SHARED,
            record_code=concern.code,
            by=by,
            to=share.shared_with,
        )
        ConcernEvent.objects.create(
            concern=concern,
            kind=ConcernEvent.Kind.SHARED,
            actor=by,
            rationale=f"Shared with {share.shared_with}",
        )
        notify(
            recipients=[share.shared_with], subject="A concern has been shared with you", link=link
        )
    if concern.reported_by_id != by.pk:
        notify(
            recipients=[concern.reported_by],
            subject="A concern you logged has been triaged",
            link=link,
        )
    return concern


@transaction.atomic
def concern_add_note(*, concern: Concern, by, text: str) -> CorrectionNote:
    if not can_add_note(by, concern):
        raise PermissionDenied
    if not text.strip():
        raise ValidationError({"text": "Enter the correction or addition."})
    note = CorrectionNote(concern=concern, author=by, text=text.strip())
    note._history_user = by
    note.save()
    ConcernEvent.objects.create(concern=concern, kind=ConcernEvent.Kind.NOTE, actor=by)
    return note


def police_purpose(user, concern: Concern) -> str:
    """DPA 2018 s.62: why a police user read this record."""
    if user.role == Role.SSPO:
        return "Safeguarding: concern shared by the school's SPOC"
    return "Supervision of the Safer Schools team"

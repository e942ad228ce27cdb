import logging
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from agreements.models import Disclosure
from agreements.services import agreement_label, disclosure_record, sharing_allowed
from schools.access import police_pupils
from schools.models import Membership, Pupil, School
from ssp.access import lock_visible_or_404
from ssp.notifications import Kind, notify
from ssp.roles import Role
from ssp.scope import fresh_scope
from ssp.submissions import once_per_form

from .access import (
    can_acknowledge,
    can_add_note,
    can_log_concern,
    can_open_enquiry_at,
    can_record_incident,
    can_record_police_outcome,
    can_reply,
    can_triage,
    can_update_incident,
)
from .models import (
    IMAGE_CATEGORIES,
    POLICE_RELEVANT,
    WEAPON_CATEGORIES,
    Attachment,
    Category,
    Concern,
    ConcernEvent,
    ConcernPupil,
    CorrectionNote,
    Enquiry,
    EnquiryMessage,
    Incident,
    IncidentEvent,
    IncidentPupil,
    IncidentSummary,
    PoliceOutcome,
    Share,
    Side,
)

logger = logging.getLogger(__name__)

POLICE_RELEVANT_CODES = frozenset(c.value for c in POLICE_RELEVANT)


class ConcernChanged(Exception):
    """Someone else decided on the concern first; the caller shows the new state."""


@dataclass(frozen=True)
class Involvement:
    pupil: Pupil
    role: str


def _school_leads(school):
    return [
        m.user
        for m in Membership.objects.spocs_of(school)
        .select_related("user")
        .order_by("-designation")  # the SPOC, then the deputy
    ]


def _new_reference(prefix: str = "C") -> str:
    return f"{prefix}-" + uuid.uuid4().hex[:8].upper()


@once_per_form(Concern)
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
    """Record a concern exactly as the reporter gave it, and tell the SPOC.

    A file that storage refuses does not stop the concern: it is saved without that file,
    its LOGGED event says which file is missing, and `concern.files_not_stored` names them so
    the reporter is told. Files written for a concern whose transaction then fails are removed.
    """
    with _files_removed_unless_saved() as written, transaction.atomic():
        # The school row is locked while the reporter's place there is asked about again: a
        # membership ended after the form was shown (and before this POST) logs nothing.
        school = _locked_school(school, by)
        if not can_log_concern(by, school):
            raise PermissionDenied
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
        concern.files_not_stored = [
            upload.name
            for upload in files
            if not _attachment_store(concern=concern, upload=upload, by=by, written=written)
        ]
        ConcernEvent.objects.create(
            concern=concern,
            kind=ConcernEvent.Kind.LOGGED,
            actor=by,
            to_status=concern.status,
            rationale=_missing_files_note(concern.files_not_stored),
        )
        _tell_leads_of_new(concern)
        return concern


def _tell_leads_of_new(concern: Concern) -> None:
    subject = (
        "A concern marked as immediate risk needs triage now"
        if concern.immediate_risk
        else "A new concern is waiting for triage"
    )
    notify(
        recipients=_school_leads(concern.school),
        subject=subject,
        link=reverse("concern_detail", args=[concern.code]),
        reference=concern.reference,
        kind=Kind.IMMEDIATE_RISK if concern.immediate_risk else Kind.ROUTINE,
    )


def _missing_files_note(names: list[str]) -> str:
    if not names:
        return ""
    listed = ", ".join(f"“{name}”" for name in names)
    return (
        f"The reporter attached {listed}, but the portal could not store it. "
        "Ask the reporter for it."
    )


@contextmanager
def _files_removed_unless_saved() -> Iterator[list[str]]:
    """Collects the names of files written; removes them if the block fails.

    Used outside the transaction, so a rollback of the rows also removes their files. (A
    rollback of an outer transaction after this one succeeded is left to the daily sweep,
    attachment_orphans_remove.)
    """
    written: list[str] = []
    try:
        yield written
    except BaseException:
        for name in written:
            _storage_delete(name)
        raise


def _storage_delete(name: str) -> None:
    storage = Attachment._meta.get_field("file").storage
    try:
        if storage.exists(name):
            storage.delete(name)
    except OSError:
        logger.exception("Could not remove %s; the orphan sweep will retry", name)


def attachment_orphans_remove(*, older_than: timedelta = timedelta(days=1)) -> list[str]:
    """Remove stored attachment files that no row names, once older than `older_than`.

    concern_log removes the files of a concern it fails to save; what it cannot see (an
    outer transaction rolled back after it returned, a process killed between writing a file
    and committing) leaves a file with no row, found here. A file that any attachment row or
    history row names is kept; so is a recent one, whose transaction may still commit.
    """
    storage = Attachment._meta.get_field("file").storage
    cutoff = timezone.now() - older_than
    try:
        folders, _ = storage.listdir("attachments")
    except FileNotFoundError:
        return []
    removed = []
    for folder in sorted(folders):
        prefix = f"attachments/{folder}/"
        named = set(
            Attachment.objects.filter(file__startswith=prefix).values_list("file", flat=True)
        ) | set(Attachment.history.filter(file__startswith=prefix).values_list("file", flat=True))
        for name in sorted(storage.listdir(prefix)[1]):
            path = prefix + name
            if path in named or storage.get_modified_time(path) >= cutoff:
                continue
            storage.delete(path)
            logger.warning("Removed orphan attachment file %s (no row names it)", path)
            removed.append(path)
    return removed


def _attachment_store(*, concern: Concern, upload, by, written: list[str]) -> bool:
    """Write the file, then its row. False, with nothing kept, when storage refuses it."""
    attachment = Attachment(
        concern=concern,
        original_name=upload.name,
        content_type=upload.content_type,
        size=upload.size,
        uploaded_by=by,
    )
    field = Attachment._meta.get_field("file")
    name = field.generate_filename(attachment, upload.name)
    written.append(name)  # before writing: a half-written file is removed as well
    try:
        attachment.file.name = field.storage.save(name, upload.file, max_length=field.max_length)
    except OSError:
        logger.exception("Attachment for concern %s could not be stored", concern.code)
        _storage_delete(name)
        return False
    written.append(attachment.file.name)
    attachment._history_user = by
    attachment.save()
    return True


# Sharing, and referring for early intervention (which the SSPO's referrals take up), send
# the concern to the SSPO. A share is refused without a live agreement; a referral for early
# intervention is still recorded then, and stays in school.
SENDS_TO_POLICE = (Concern.Status.SHARED, Concern.Status.EARLY_INTERVENTION)


def decision_shares(concern: Concern, decision: str, check) -> bool:
    """Whether this decision would disclose the concern to the SSPO now (it cannot be undone).

    `check` is `sharing_allowed(concern.school)`, or None when the decision sends nothing.
    A concern is shared once: a second decision that sends it adds no share.
    """
    return (
        decision in SENDS_TO_POLICE
        and check is not None
        and check.allowed
        and not concern.shares.exists()
    )


@transaction.atomic
def concern_triage(
    *,
    concern: Concern,
    by,
    decision: str,
    rationale: str,
    seen_version: int,
    may_share: bool = True,
    gateway: str = "",
    purpose: str = "",
) -> Concern:
    """Decide what happens to a concern. One decision wins; a stale one is refused.

    With `may_share=False` (the person has not confirmed what goes to whom) a decision that
    would share the concern with the SSPO is refused rather than made. A share goes through
    the legal `gateway` for the `purpose` the SPOC confirmed (the DSA's defaults if none).
    """
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
    check = None
    if decision in SENDS_TO_POLICE:
        check = sharing_allowed(concern.school)
        if decision == Concern.Status.SHARED and not check.allowed:
            raise ValidationError({"decision": f"This concern cannot be shared: {check.reason}"})
    if decision_shares(concern, decision, check):
        if not may_share:
            raise ValidationError(
                {"decision": "Confirm what will be shared with the officer before it is shared."}
            )
        share = Share(
            concern=concern,
            shared_by=by,
            shared_with=check.sspo,
            partnership=check.partnership,
            agreement=agreement_label(check),
            document=check.document,
        )
    before = concern.status
    concern.status = decision
    concern.version += 1
    concern.triaged_at = timezone.now()
    concern.triaged_by = by
    concern._history_user = by
    changed = ["status", "version", "triaged_at", "triaged_by"]
    if share is not None:
        concern.shared_at = share.at
        changed.append("shared_at")
    concern.save(update_fields=changed)
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
            gateway=gateway,
            purpose=purpose,
        )
        ConcernEvent.objects.create(
            concern=concern,
            kind=ConcernEvent.Kind.SHARED,
            actor=by,
            rationale=f"Shared with {share.shared_with}",
        )
        notify(
            recipients=[share.shared_with],
            subject="A concern has been shared with you",
            link=link,
            reference=concern.reference,
            kind=Kind.IMMEDIATE_RISK if concern.immediate_risk else Kind.ROUTINE,
        )
    if concern.reported_by_id != by.pk:
        notify(
            recipients=[concern.reported_by],
            subject="A concern you logged has been triaged",
            link=link,
            reference=concern.reference,
        )
    return concern


@once_per_form(CorrectionNote)
@transaction.atomic
def concern_add_note(*, concern: Concern, by, text: str) -> CorrectionNote:
    # Locked, then asked again: an SSPO whose DSA was revoked since the page was loaded adds
    # nothing to the concern.
    concern = lock_visible_or_404(by, concern)
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


def incident_purpose(user) -> str:
    if user.role == Role.SSPO:
        return "Recording and investigating an incident at an assigned school"
    return "Supervision of the Safer Schools team"


def enquiry_purpose(user) -> str:
    if user.role == Role.SSPO:
        return "Enquiry with an assigned school through its SPOC"
    return "Supervision of the Safer Schools team"


# --- The police side of a shared concern ---------------------------------------------


def _locked_school(school: School, by) -> School:
    """Lock the school's row, then forget what this request knew of `by`'s reach (the page
    asked before the lock was held): the caller's predicate reads it again."""
    locked = School.objects.select_for_update().get(pk=school.pk)
    fresh_scope(by)
    return locked


@transaction.atomic
def concern_acknowledge(*, concern: Concern, by) -> Concern:
    """The SSPO has seen the share. Once only: of two at the same moment, one wins."""
    concern = lock_visible_or_404(by, concern)
    if not can_acknowledge(by, concern):
        raise PermissionDenied
    if concern.acknowledged_at is not None:
        raise ConcernChanged(concern)
    concern.acknowledged_at = timezone.now()
    concern.acknowledged_by = by
    concern.version += 1
    concern._history_user = by
    concern.save(update_fields=["acknowledged_at", "acknowledged_by", "version"])
    ConcernEvent.objects.create(concern=concern, kind=ConcernEvent.Kind.ACKNOWLEDGED, actor=by)
    notify(
        recipients=_school_leads(concern.school),
        subject="A shared concern has been acknowledged by the police",
        link=reverse("concern_detail", args=[concern.code]),
        reference=concern.reference,
    )
    return concern


@transaction.atomic
def concern_record_police_outcome(
    *, concern: Concern, by, outcome: str, rationale: str
) -> Concern:
    """What the police did with a shared concern. Recorded once, after acknowledgement."""
    concern = lock_visible_or_404(by, concern)
    if not can_record_police_outcome(by, concern):
        raise PermissionDenied
    _record_outcome(concern=concern, by=by, outcome=outcome, rationale=rationale)
    return concern


def _record_outcome(*, concern: Concern, by, outcome: str, rationale: str) -> None:
    # The caller holds the row lock.
    if concern.acknowledged_at is None:
        raise ValidationError({"outcome": "Acknowledge the concern before recording an outcome."})
    if concern.police_outcome:
        raise ValidationError({"outcome": "The police outcome has already been recorded."})
    if outcome not in PoliceOutcome.values:
        raise ValidationError({"outcome": "Choose what the police did."})
    if outcome == PoliceOutcome.NO_ACTION and not rationale.strip():
        raise ValidationError({"rationale": "Explain why there is no police action."})
    if outcome == PoliceOutcome.INCIDENT and not concern.incidents.exists():
        raise ValidationError(
            {"outcome": "Create the incident from this concern; the outcome follows."}
        )
    concern.police_outcome = outcome
    concern.police_outcome_at = timezone.now()
    concern.version += 1
    concern._history_user = by
    concern.save(update_fields=["police_outcome", "police_outcome_at", "version"])
    label = PoliceOutcome(outcome).label
    ConcernEvent.objects.create(
        concern=concern,
        kind=ConcernEvent.Kind.POLICE_OUTCOME,
        actor=by,
        rationale=f"{label}. {rationale.strip()}".strip(),
    )
    notify(
        recipients=_school_leads(concern.school),
        subject="The police have recorded what they did with a shared concern",
        link=reverse("concern_detail", args=[concern.code]),
        reference=concern.reference,
    )


# --- Recordable incidents ------------------------------------------------------------


@dataclass(frozen=True)
class IncidentFacts:
    """The facts that belong to the incident's category; the others are dropped."""

    item_kind: str = ""
    item_seized: bool | None = None
    item_handed_to: str = ""
    drugs_description: str = ""
    drugs_quantity: str = ""
    injury_nature: str = ""
    device_status: str = ""
    device_reference: str = ""

    def for_category(self, category: str) -> dict:
        if category in WEAPON_CATEGORIES:
            names = ("item_kind", "item_seized", "item_handed_to")
        elif category == Category.DRUGS:
            names = ("drugs_description", "drugs_quantity")
        elif category == Category.SERIOUS_INJURY:
            names = ("injury_nature",)
        elif category in IMAGE_CATEGORIES:
            names = ("device_status", "device_reference")
        else:
            names = ()
        return {name: getattr(self, name) for name in names}


@once_per_form(Incident)
@transaction.atomic
def incident_record(
    *,
    by,
    school,
    category: str,
    narrative: str,
    location: str,
    place: str,
    happened_at: datetime,
    involved: list[Involvement],
    facts: IncidentFacts,
    police_reference: str = "",
    concern: Concern | None = None,
) -> Incident:
    """Record an incident for one of the officer's schools, from a shared concern or not."""
    # The school row is locked while the officer's reach is asked about again, read afresh:
    # an assignment ended or a DSA revoked since the form was shown records nothing.
    school = _locked_school(school, by)
    if not can_record_incident(by, school):
        raise PermissionDenied
    if concern is not None:
        concern = lock_visible_or_404(by, concern)
        if concern.school_id != school.pk:
            raise ValidationError({"concern": "The concern is at another school."})
        if concern.acknowledged_at is None:
            raise ValidationError({"concern": "Acknowledge the concern first."})
    if any(i.pupil.school_id != school.pk for i in involved):
        raise ValidationError({"pupils": "Pupils must be at the incident's school."})
    named = {i.pupil.pk for i in involved}
    if named and police_pupils(by).filter(pk__in=named).count() != len(named):
        # A pupil's name comes from the school's records: only while its DSA is in force.
        raise ValidationError({"pupils": "The school's data sharing agreement is not in force."})
    if happened_at > timezone.now():
        raise ValidationError({"happened_at": "The date must be today or in the past."})
    incident = Incident(
        reference=_new_reference("I"),
        school=school,
        concern=concern,
        recorded_by=by,
        category=category,
        narrative=narrative,
        location=location,
        place=place,
        happened_at=happened_at,
        police_reference=police_reference,
        **facts.for_category(category),
    )
    incident.full_clean(exclude=["reference", "code", "recorded_by", "school", "concern"])
    incident._history_user = by
    incident.save()
    for item in involved:
        link = IncidentPupil(incident=incident, pupil=item.pupil, role=item.role)
        link._history_user = by
        link.save()
    IncidentEvent.objects.create(incident=incident, kind=IncidentEvent.Kind.RECORDED, actor=by)
    if concern is not None and not concern.police_outcome:
        _record_outcome(
            concern=concern, by=by, outcome=PoliceOutcome.INCIDENT, rationale=incident.reference
        )
    return incident


@transaction.atomic
def incident_update(
    *, incident: Incident, by, police_reference: str, outcome: str, close: bool, seen_version: int
) -> Incident:
    """Record the force's reference and the outcome; closing is final."""
    incident = lock_visible_or_404(by, incident)
    if not can_update_incident(by, incident):
        raise PermissionDenied
    if incident.version != seen_version:
        raise IncidentChanged(incident)
    if not incident.can_move_to(Incident.Status.CLOSED):
        raise ValidationError({"close": "This incident is closed and cannot be changed."})
    if close and not outcome.strip():
        raise ValidationError({"outcome": "Record the outcome before closing the incident."})
    incident.police_reference = police_reference.strip()
    incident.outcome = outcome.strip()
    incident.full_clean(exclude=["reference", "code", "recorded_by", "school", "concern"])
    fields = ["police_reference", "outcome", "version"]
    if close:
        incident.status = Incident.Status.CLOSED
        fields.append("status")
    incident.version += 1
    incident._history_user = by
    incident.save(update_fields=fields)
    IncidentEvent.objects.create(incident=incident, kind=IncidentEvent.Kind.UPDATED, actor=by)
    if close:
        IncidentEvent.objects.create(incident=incident, kind=IncidentEvent.Kind.CLOSED, actor=by)
    return incident


class IncidentChanged(Exception):
    """Someone else changed the incident first; the caller shows the new state."""


@once_per_form(IncidentSummary)
@transaction.atomic
def incident_send_summary(*, incident: Incident, by, text: str) -> IncidentSummary:
    """Send the school's SPOC what they need to know: a police to school disclosure."""
    incident = lock_visible_or_404(by, incident)
    if not can_update_incident(by, incident):
        raise PermissionDenied
    if not text.strip():
        raise ValidationError({"text": "Write the summary for the school."})
    leads = _school_leads(incident.school)
    if not leads:
        raise ValidationError({"text": "The school has no SPOC to send the summary to."})
    summary = IncidentSummary(incident=incident, text=text.strip(), sent_by=by)
    summary._history_user = by
    summary.save()
    disclosure_record(
        school=incident.school,
        direction=Disclosure.Direction.TO_SCHOOL,
        kind=Disclosure.Kind.INCIDENT_SUMMARY,
        record_code=summary.code,
        by=by,
        to=leads[0],
    )
    IncidentEvent.objects.create(incident=incident, kind=IncidentEvent.Kind.SUMMARY_SENT, actor=by)
    notify(
        recipients=leads,
        subject="The police have sent you an incident summary",
        link=reverse("incident_summary_detail", args=[summary.code]),
        reference=incident.reference,
    )
    return summary


# Field names the force's records system maps. Changing one is a breaking change: bump it.
EXPORT_SCHEMA = "ssp-portal/incident/v1"


def incident_export(incident: Incident) -> dict:
    """The structured record for the force's records system. Never a UPN, never imagery."""
    return incident_exports(Incident.objects.filter(pk=incident.pk))[incident.pk]


_EXPORT_COLUMNS = (
    "pk",
    "code",
    "reference",
    "police_reference",
    "status",
    "category",
    "happened_at",
    "recorded_at",
    "location",
    "place",
    "school__name",
    "school__urn",
    "narrative",
    "item_kind",
    "item_seized",
    "item_handed_to",
    "drugs_description",
    "drugs_quantity",
    "injury_nature",
    "device_status",
    "device_reference",
    "outcome",
    "recorded_by__first_name",
    "recorded_by__last_name",
    "recorded_by__officer__collar_number",
    "concern__code",
)


def incident_exports(incidents) -> dict[int, dict]:
    """incident_export for every incident of a queryset, by primary key, in three queries.

    Plain values, not model instances: a page of the API's feed builds a hundred of these,
    and instances (with their school, author, officer, concern and pupils) cost more than
    the query. The caller has scoped the queryset; this reads only what it is given.
    """
    # As get_category_display and get_location_display read them.
    categories = {k: str(v) for k, v in Incident._meta.get_field("category").flatchoices}
    locations = {k: str(v) for k, v in Incident._meta.get_field("location").flatchoices}
    rows = list(incidents.order_by().values(*_EXPORT_COLUMNS))
    persons = {row["pk"]: [] for row in rows}
    links = list(
        IncidentPupil.objects.filter(incident_id__in=persons).values_list(
            "pk", "incident_id", "role", "pupil_id"
        )
    )
    # The pupils on their own, by primary key: joined to the links, PostgreSQL would rather
    # hash the whole roll than look up a page's hundred or two children.
    pupils = (
        Pupil.objects.filter(pk__in={pupil_id for *_, pupil_id in links})
        .order_by("last_name")
        .values_list("pk", "code", "first_name", "last_name", "date_of_birth", "year_group")
    )
    # Children by last name as the database collates it, then in the order they were linked:
    # the same order as ORDER BY pupil__last_name, pk.
    place, first_of_name, person = {}, {}, {}
    for position, (pk, code, first_name, last_name, born, year_group) in enumerate(pupils):
        place[pk] = first_of_name.setdefault(last_name, position)
        person[pk] = (str(code), first_name, last_name, born.isoformat(), year_group)
    links.sort(key=lambda link: (place[link[3]], link[0]))
    for _, incident_id, role, pupil_id in links:
        code, first_name, last_name, born, year_group = person[pupil_id]
        persons[incident_id].append(
            {
                "person_id": code,
                "role": role,
                "first_name": first_name,
                "last_name": last_name,
                "date_of_birth": born,
                "year_group": year_group,
            }
        )
    exports = {}
    for row in rows:
        # As User.get_full_name has it, and "" for an author who is no officer.
        author = f"{row['recorded_by__first_name']} {row['recorded_by__last_name']}".strip()
        exports[row["pk"]] = {
            "schema": EXPORT_SCHEMA,
            "incident_id": str(row["code"]),
            "portal_reference": row["reference"],
            "police_reference": row["police_reference"] or None,
            "status": row["status"],
            "category": {
                "code": row["category"],
                "label": categories.get(row["category"], row["category"]),
            },
            "recordable": row["category"] in POLICE_RELEVANT_CODES,
            "occurred_at": row["happened_at"].isoformat(),
            "recorded_at": row["recorded_at"].isoformat(),
            "location": {
                "type": row["location"],
                "label": locations.get(row["location"], row["location"]),
                "detail": row["place"],
                "school_name": row["school__name"],
                "school_urn": row["school__urn"],
            },
            "narrative": row["narrative"],
            "facts": {
                "item_kind": row["item_kind"] or None,
                "item_seized": row["item_seized"],
                "item_handed_to": row["item_handed_to"] or None,
                "drugs_description": row["drugs_description"] or None,
                "drugs_quantity": row["drugs_quantity"] or None,
                "injury_nature": row["injury_nature"] or None,
                "device_status": row["device_status"] or None,
                "device_reference": row["device_reference"] or None,
            },
            "persons": persons[row["pk"]],
            "outcome": row["outcome"] or None,
            "recorded_by": {
                "name": author,
                "collar_number": row["recorded_by__officer__collar_number"] or "",
            },
            "source_concern_id": str(row["concern__code"]) if row["concern__code"] else None,
        }
    return exports


# --- Enquiries through the SPOC --------------------------------------------------------


def _side_of(user) -> str:
    return Side.POLICE if user.role == Role.SSPO else Side.SCHOOL


def _school_enquirers(school):
    return _school_leads(school)


@once_per_form(Enquiry)
@transaction.atomic
def enquiry_open(
    *, by, school, about: str, subject: str, text: str, concern=None, pupil=None
) -> Enquiry:
    """Open a thread: the SSPO with one of their schools, or the SPOC with their SSPO."""
    # Asked again under the school's lock, afresh: an SSPO whose assignment ended, or a SPOC
    # whose place did, since the form was shown opens nothing.
    school = _locked_school(school, by)
    if not can_open_enquiry_at(by, school):
        raise PermissionDenied
    police = _side_of(by) == Side.POLICE
    check = sharing_allowed(school)
    if not check.allowed:
        raise ValidationError({"school": f"No enquiry can be sent: {check.reason}"})
    sspo = by if police else check.sspo
    if about not in Enquiry.About.values:
        raise ValidationError({"about": "Choose what the enquiry is about."})
    if about == Enquiry.About.CONCERN and (concern is None or concern.school_id != school.pk):
        raise ValidationError({"concern": "Choose a concern at this school."})
    if about == Enquiry.About.PUPIL and (pupil is None or pupil.school_id != school.pk):
        raise ValidationError({"pupil": "Choose a pupil at this school."})
    if not subject.strip():
        raise ValidationError({"subject": "Enter a subject."})
    side = _side_of(by)
    enquiry = Enquiry(
        school=school,
        sspo=sspo,
        about=about,
        concern=concern if about == Enquiry.About.CONCERN else None,
        pupil=pupil if about == Enquiry.About.PUPIL else None,
        subject=subject.strip(),
        opened_by=by,
        awaiting=Side.SCHOOL if side == Side.POLICE else Side.POLICE,
    )
    enquiry._history_user = by
    enquiry.save()
    _append(enquiry=enquiry, by=by, side=side, text=text)
    return enquiry


@once_per_form(EnquiryMessage)
@transaction.atomic
def enquiry_reply(*, enquiry: Enquiry, by, text: str) -> EnquiryMessage:
    """Append a message. A message from the side that was asked answers the thread."""
    enquiry = lock_visible_or_404(by, enquiry)
    if not can_reply(by, enquiry):
        raise PermissionDenied
    side = _side_of(by)
    answering = enquiry.status == Enquiry.Status.OPEN and enquiry.awaiting == side
    new_status = Enquiry.Status.ANSWERED if answering else Enquiry.Status.OPEN
    if new_status not in Enquiry.MOVES[Enquiry.Status(enquiry.status)]:
        raise ValidationError({"text": "This enquiry is closed."})
    message = _append(enquiry=enquiry, by=by, side=side, text=text)
    enquiry.status = new_status
    enquiry.awaiting = Side.SCHOOL if side == Side.POLICE else Side.POLICE
    enquiry.last_message_at = message.at
    enquiry.version += 1
    enquiry._history_user = by
    enquiry.save(update_fields=["status", "awaiting", "last_message_at", "version"])
    return message


def _enquiry_reference(enquiry: Enquiry) -> str:
    # Never the enquiry's subject: whoever wrote it may have named a child.
    if enquiry.concern_id:
        return enquiry.concern.reference
    return f"Enquiry: {enquiry.school.name}"


def _append(*, enquiry: Enquiry, by, side: str, text: str) -> EnquiryMessage:
    if not text.strip():
        raise ValidationError({"text": "Write your message."})
    message = EnquiryMessage(enquiry=enquiry, author=by, side=side, text=text.strip())
    message._history_user = by
    message.save()
    link = reverse("enquiry_detail", args=[enquiry.code])
    if side == Side.SCHOOL:
        # Anything the school tells the police through a thread is a disclosure.
        disclosure_record(
            school=enquiry.school,
            direction=Disclosure.Direction.TO_POLICE,
            kind=Disclosure.Kind.ENQUIRY_ANSWER,
            record_code=message.code,
            by=by,
            to=enquiry.sspo,
        )
        notify(
            recipients=[enquiry.sspo],
            subject="A school has sent you a message",
            link=link,
            reference=_enquiry_reference(enquiry),
        )
    else:
        # What the police tell the school is a disclosure too, to the SPOC (or deputy).
        recipients = _school_enquirers(enquiry.school)
        heads = Membership.objects.current().filter(school=enquiry.school, position="head")
        to = recipients[0] if recipients else getattr(heads.first(), "user", None)
        if to is not None:
            disclosure_record(
                school=enquiry.school,
                direction=Disclosure.Direction.TO_SCHOOL,
                kind=Disclosure.Kind.ENQUIRY_MESSAGE,
                record_code=message.code,
                by=by,
                to=to,
            )
        notify(
            recipients=recipients,
            subject="Your Safer Schools Police Officer has sent you a message",
            link=link,
            reference=_enquiry_reference(enquiry),
        )
    return message


@transaction.atomic
def enquiry_close(*, enquiry: Enquiry, by) -> Enquiry:
    enquiry = lock_visible_or_404(by, enquiry)
    if not can_reply(by, enquiry):
        raise PermissionDenied
    if Enquiry.Status.CLOSED not in Enquiry.MOVES[Enquiry.Status(enquiry.status)]:
        raise ValidationError({"text": "This enquiry is already closed."})
    enquiry.status = Enquiry.Status.CLOSED
    enquiry.version += 1
    enquiry._history_user = by
    enquiry.save(update_fields=["status", "version"])
    return enquiry

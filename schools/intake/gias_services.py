"""The force's schools from GIAS: upload, preview (writes only the Intake), apply (all or
nothing, with history), abandon. One service per verb, keyword-only.

The preview keeps the rows it read (schools are not personal data) and the plan it showed;
apply re-reads the schools under lock, works the plan out again and refuses if it is not
the plan the administrator saw, so nothing they did not see is written.
"""

import datetime
import hashlib
import json
import logging
import uuid

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from ssp.notifications import Kind, notify

from ..models import Force, Intake, LocalAuthority, Officer, School
from .gias import GiasSchool, read_gias
from .rows import IntakeRefused, intake_abandon, intake_forget_file, intake_lock

logger = logging.getLogger(__name__)

# The fields GIAS owns, in the order the preview lists them, with their labels.
FIELDS = {
    "name": "Name",
    "laestab": "LAESTAB",
    "local_authority": "Local authority",
    "school_type": "Type",
    "phase": "Phase",
    "status": "Status",
    "opened_on": "Opened",
    "closed_on": "Closed",
    "statutory_low_age": "Lowest age",
    "statutory_high_age": "Highest age",
    "number_of_pupils": "Number of pupils",
    "percentage_fsm": "Free school meals (%)",
    "address": "Address",
    "postcode": "Postcode",
}
CHOICE_LABELS = {
    "phase": dict(School.Phase.choices),
    "status": dict(School.Status.choices),
}
CLOSED = School.Status.CLOSED
# The reason on the history rows an import writes (the SSPO criteria decisions are others).
GIAS_CHANGE_REASON = "GIAS extract of"


class StalePreview(Exception):
    """The register changed since the preview was made: preview again."""


def gias_max_bytes() -> int:
    return settings.GIAS_MAX_UPLOAD_BYTES


def _shown(field: str, value) -> str:
    if value is None or value == "":
        return "–"
    if field in CHOICE_LABELS:
        return CHOICE_LABELS[field].get(value, value)
    if isinstance(value, datetime.date):
        return f"{value:%-d %B %Y}"
    return str(value)


# ---------------------------------------------------------------------------------------
# Upload


def gias_upload(
    *, force: Force, upload, la_codes: list[str], phases: list[str], extract_date, by
) -> Intake:
    """Keep the uploaded file under the private storage, server-named, and record the
    Intake. Nothing else is written until the administrator applies the preview."""
    name = default_storage.save(f"intake/gias/{uuid.uuid4().hex}.csv", upload)
    intake = Intake(
        kind=Intake.Kind.GIAS,
        force=force,
        file_name=name,
        original_name=(upload.name or "")[-200:],
        file_size=upload.size or 0,
        options={
            "la_codes": la_codes,
            "phases": phases,
            "extract_date": extract_date.isoformat(),
        },
        progress_total=upload.size or 0,
        created_by=by,
    )
    intake._history_user = by
    intake.save()
    return intake


# ---------------------------------------------------------------------------------------
# The plan: what applying the rows would change


def _held_schools(urns, *, lock=False) -> dict[str, School]:
    queryset = School.objects.filter(urn__in=urns)
    if lock:
        queryset = queryset.select_for_update(of=("self",))
    return {school.urn: school for school in queryset}


def _plan(rows: list[GiasSchool], held: dict[str, School], force: Force, extract_date) -> dict:
    """Compare the rows with the schools held: new, changed (field by field), closed,
    unchanged, and schools another force holds (left alone)."""
    new, changed, closed, other_force, refreshed = [], [], [], [], []
    unchanged = 0
    partnered = set(
        School.objects.filter(pk__in=[s.pk for s in held.values()], partnership__isnull=False)
        .exclude(partnership__status="ended")
        .values_list("urn", flat=True)
    )
    for row in rows:
        school = held.get(row.urn)
        if school is None:
            if row.status != CLOSED:  # a school closed before we knew it: nothing to hold
                new.append({"urn": row.urn, "name": row.name, "phase": _shown("phase", row.phase),
                            "local_authority": row.local_authority})  # fmt: skip
            continue
        if school.force_id != force.pk:
            other_force.append({"urn": row.urn, "name": school.name})
            continue
        changes = [
            [label, _shown(field, getattr(school, field)), _shown(field, getattr(row, field))]
            for field, label in FIELDS.items()
            if getattr(school, field) != getattr(row, field)
        ]
        if changes:
            entry = {"urn": row.urn, "name": school.name, "changes": changes}
            if row.status == CLOSED and school.status != CLOSED:
                entry["partnership"] = row.urn in partnered
                entry["closed_on"] = _shown("closed_on", row.closed_on)
                closed.append(entry)
            else:
                changed.append(entry)
        elif school.gias_extract_date != extract_date:
            refreshed.append(row.urn)
        else:
            unchanged += 1
    return {
        "new": new,
        "changed": changed,
        "closed": closed,
        "other_force": other_force,
        "refreshed": refreshed,
        "unchanged": unchanged,
    }


def _fingerprint(plan: dict) -> str:
    return hashlib.sha256(json.dumps(plan, sort_keys=True).encode()).hexdigest()


def _force_options_changed(force: Force, options: dict) -> bool:
    return force.gias_la_codes != options["la_codes"] or force.gias_phases != options["phases"]


# ---------------------------------------------------------------------------------------
# Preview


def _set_status(intake: Intake, status, **fields) -> None:
    intake.status = status
    for name, value in fields.items():
        setattr(intake, name, value)
    intake.save(update_fields=["status", *fields])


def gias_preview(*, intake: Intake) -> Intake:
    """Read the uploaded file and work out the plan. Writes only the Intake: its progress
    (without history rows: a progress bar is not a change of record), then its preview or
    the reason the file is refused."""
    with transaction.atomic():
        intake = Intake.objects.select_for_update().get(pk=intake.pk, kind=Intake.Kind.GIAS)
        if intake.status not in (Intake.Status.UPLOADED, Intake.Status.PREVIEWING):
            return intake  # done already (a task delivered twice)
        _set_status(intake, Intake.Status.PREVIEWING, progress_done=0)
    options = intake.options
    extract_date = datetime.date.fromisoformat(options["extract_date"])
    last_report = [0]

    def progress(rows: int, done: int) -> None:
        # Every 2% or so of the file: enough for the bar, few writes.
        if done - last_report[0] >= max(intake.progress_total // 50, 1):
            last_report[0] = done
            intake.progress_done = done
            intake.save_without_historical_record(update_fields=["progress_done"])

    try:
        newer = (
            School.objects.filter(force=intake.force, gias_extract_date__gt=extract_date)
            .order_by("-gias_extract_date")
            .values_list("gias_extract_date", flat=True)
            .first()
        )
        if newer is not None:
            raise IntakeRefused(
                f"This extract is of {extract_date:%-d %B %Y}, older than the one already "
                f"applied ({newer:%-d %B %Y}): importing it would put older figures back. "
                "Download the latest extract from GIAS."
            )
        with default_storage.open(intake.file_name, "rb") as stream:
            read = read_gias(
                stream,
                la_codes=options["la_codes"],
                phases=options["phases"],
                max_bytes=gias_max_bytes(),
                on_progress=progress,
            )
        held = _held_schools([row.urn for row in read.schools])
        plan = _plan(read.schools, held, intake.force, extract_date)
    except IntakeRefused as refusal:
        with transaction.atomic():
            intake_forget_file(intake)
            _set_status(intake, Intake.Status.REFUSED, error=str(refusal), file_name="")
        return intake
    except Exception:
        with transaction.atomic():
            _set_status(
                intake,
                Intake.Status.FAILED,
                error="The file could not be read because of an error in the portal. "
                "It has been logged; try again later.",
            )
        raise
    intake.preview = {
        "extract_date": extract_date.isoformat(),
        "rows_read": read.rows_read,
        "kept": len(read.schools),
        "rows": [row.as_json() for row in read.schools],
        "local_authorities": read.local_authorities,
        "plan": plan,
        "fingerprint": _fingerprint(plan),
    }
    intake.summary = _counts(plan) | {"rows_read": read.rows_read, "kept": len(read.schools)}
    intake.progress_done = intake.progress_total
    with transaction.atomic():
        _set_status(
            intake,
            Intake.Status.PREVIEWED,
            preview=intake.preview,
            summary=intake.summary,
            progress_done=intake.progress_done,
        )
    return intake


def _counts(plan: dict) -> dict:
    return {
        "new": len(plan["new"]),
        "changed": len(plan["changed"]),
        "closed": len(plan["closed"]),
        "closed_with_partnership": sum(1 for c in plan["closed"] if c.get("partnership")),
        "other_force": len(plan["other_force"]),
        "refreshed": len(plan["refreshed"]),
        "unchanged": plan["unchanged"],
    }


def gias_preview_now(
    *, force: Force, stream, la_codes: list[str], phases: list[str], extract_date
) -> dict:
    """The same plan for the command line, read straight from a file: writes nothing."""
    read = read_gias(stream, la_codes=la_codes, phases=phases, max_bytes=gias_max_bytes())
    held = _held_schools([row.urn for row in read.schools])
    plan = _plan(read.schools, held, force, extract_date)
    return {
        "extract_date": extract_date.isoformat(),
        "rows_read": read.rows_read,
        "kept": len(read.schools),
        "rows": [row.as_json() for row in read.schools],
        "local_authorities": read.local_authorities,
        "plan": plan,
        "fingerprint": _fingerprint(plan),
    }


# ---------------------------------------------------------------------------------------
# Apply and abandon


def _sergeants(force: Force):
    today = timezone.localdate()
    return [
        officer.user
        for officer in Officer.objects.filter(
            team__force=force, rank=Officer.Rank.SERGEANT, user__is_active=True
        )
        .filter(Q(left_on__isnull=True) | Q(left_on__gt=today))
        .select_related("user")
    ]


def _apply_preview(*, force: Force, preview: dict, options: dict, by) -> dict:
    """Write what the preview showed, inside the caller's transaction. Returns the counts."""
    extract_date = datetime.date.fromisoformat(preview["extract_date"])
    rows = [GiasSchool.from_json(data) for data in preview["rows"]]
    force = Force.objects.select_for_update().get(pk=force.pk)
    held = _held_schools([row.urn for row in rows], lock=True)
    plan = _plan(rows, held, force, extract_date)
    if _fingerprint(plan) != preview["fingerprint"]:
        raise StalePreview
    reason = f"{GIAS_CHANGE_REASON} {extract_date:%-d %B %Y}"
    by_urn = {row.urn: row for row in rows}

    to_create = [
        School(
            urn=entry["urn"],
            force=force,
            gias_extract_date=extract_date,
            **{field: getattr(by_urn[entry["urn"]], field) for field in FIELDS},
        )
        for entry in plan["new"]
    ]
    if to_create:
        bulk_create_with_history(to_create, School, default_user=by, default_change_reason=reason)

    to_update = []
    for urn in [e["urn"] for e in plan["changed"] + plan["closed"]] + plan["refreshed"]:
        school, row = held[urn], by_urn[urn]
        for field in FIELDS:
            setattr(school, field, getattr(row, field))
        school.gias_extract_date = extract_date
        to_update.append(school)
    if to_update:
        bulk_update_with_history(
            to_update,
            School,
            [*FIELDS, "gias_extract_date"],
            default_user=by,
            default_change_reason=reason,
        )

    _local_authorities_seen(preview["local_authorities"], extract_date, by)
    if _force_options_changed(force, options):
        force.gias_la_codes = options["la_codes"]
        force.gias_phases = options["phases"]
        force._history_user = by
        force.save(update_fields=["gias_la_codes", "gias_phases"])

    partnered = [entry for entry in plan["closed"] if entry.get("partnership")]
    if partnered:
        sergeants = _sergeants(force)
        for entry in partnered:
            notify(
                recipients=sergeants,
                subject="A school with a Safer Schools Partnership has closed, says GIAS",
                link=reverse("allocation_school", args=[held[entry["urn"]].code]),
                reference=f"School: {held[entry['urn']].name}",
                kind=Kind.PARTNERED_SCHOOL_CLOSED,
            )
    return _counts(plan)


def _local_authorities_seen(names: dict[str, str], extract_date, by) -> None:
    """Every LA in the file becomes known (the UPN check reads them); unchanged ones are
    not written again."""
    held = {la.code: la for la in LocalAuthority.objects.select_for_update()}
    for code, name in sorted(names.items()):
        if not (len(code) == 3 and code.isdigit()):
            continue
        la = held.get(code)
        if la is None:
            la = LocalAuthority(code=code)
        elif la.name == name and la.seen_in_gias_on and la.seen_in_gias_on >= extract_date:
            continue
        la.name = name or la.name
        if la.seen_in_gias_on is None or la.seen_in_gias_on < extract_date:
            la.seen_in_gias_on = extract_date
        la._history_user = by
        la.save()


@transaction.atomic
def gias_apply(*, intake: Intake, by) -> Intake:
    """Apply the preview: all or nothing. A second apply of the same intake does nothing."""
    intake = intake_lock(intake, Intake.Kind.GIAS)
    if intake.status != Intake.Status.PREVIEWED:
        raise IntakeRefused(
            f"This import is {intake.get_status_display().lower()}: only a preview ready to "
            "check can be applied."
        )
    counts = _apply_preview(force=intake.force, preview=intake.preview, options=intake.options,
                            by=by)  # fmt: skip
    intake_forget_file(intake)
    intake.status = Intake.Status.APPLIED
    intake.summary = intake.summary | counts
    intake.preview = {k: v for k, v in intake.preview.items() if k != "rows"}
    intake.applied_by = by
    intake.applied_at = timezone.now()
    intake._history_user = by
    intake.save(
        update_fields=["status", "summary", "preview", "applied_by", "applied_at", "file_name"]
    )
    return intake


@transaction.atomic
def gias_abandon(*, intake: Intake, by) -> Intake:
    intake = intake_lock(intake, Intake.Kind.GIAS)
    if intake.status in (Intake.Status.APPLIED, Intake.Status.ABANDONED):
        raise IntakeRefused(f"This import is already {intake.get_status_display().lower()}.")
    return intake_abandon(intake, by=by)


@transaction.atomic
def gias_apply_now(*, force: Force, preview: dict, options: dict, by) -> dict:
    """The command line's apply, from a preview it has just made."""
    return _apply_preview(force=force, preview=preview, options=options, by=by)

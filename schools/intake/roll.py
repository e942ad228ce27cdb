"""A school's roll, brought in from its MIS (CSV) or a CTF: upload, preview, decide, apply.

Matching a row of the file with a pupil already held: by UPN, then by former UPN, then by
legal surname, forename and date of birth (without case or accents). A row with more than one
candidate, two rows claiming one pupil, or a name match whose UPN differs goes to a list for
a person to decide (this pupil, or a new one); nothing is guessed, and apply refuses while a
decision is open. Pupils held as current whom the file no longer lists are marked as left on
the day of the apply, never deleted, unless some row was refused: a refused row may be one
of them, so that import records no leavers.

Each step re-reads the file and the school's pupils, so what is applied is what the person
saw: apply re-plans under lock and refuses (StalePreview) when the plan moved since.
"""

import hashlib
import io
import json
import secrets
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from schools.models import Intake, Pupil, School, today

from . import roll_csv
from .ctf import parse_ctf
from .rows import (
    IntakeRefused,
    ParsedRoll,
    Refusal,
    RollRow,
    intake_abandon,
    intake_forget_file,
    intake_lock,
)

ROLL_KINDS = (Intake.Kind.ROLL_CSV, Intake.Kind.ROLL_CTF)
NEW = "new"

# RollRow field → Pupil field, in the order changes are shown.
PUPIL_FIELDS = {
    "legal_surname": "last_name",
    "legal_forename": "first_name",
    "preferred_surname": "preferred_surname",
    "preferred_forename": "preferred_forename",
    "date_of_birth": "date_of_birth",
    "year_group": "year_group",
    "upn": "upn",
    "former_upn": "former_upn",
}
LABELS = {
    "last_name": "Legal surname",
    "first_name": "Legal forename",
    "preferred_surname": "Preferred surname",
    "preferred_forename": "Preferred forename",
    "date_of_birth": "Date of birth",
    "year_group": "Year group",
    "upn": "UPN",
    "former_upn": "Former UPN",
    "left_on": "On the roll",
}
# Identifiers a file leaves blank are kept: a blank is not a reason to forget a UPN.
KEEP_WHEN_BLANK = ("upn", "former_upn")


class StalePreview(Exception):
    """The pupils or the file changed since the preview; it has to be checked again."""


def detect_kind(data: bytes) -> str:
    """CTF when the content is XML, the MIS's CSV otherwise (the name is not trusted)."""
    head = data[:512].lstrip(b"\xef\xbb\xbf \t\r\n")
    return Intake.Kind.ROLL_CTF if head.startswith(b"<") else Intake.Kind.ROLL_CSV


# A CTF carries far more than the roll (contacts, attendance, assessments): it may be larger.
CTF_MAX_BYTES = 50 * 1024 * 1024


def max_bytes(kind: str) -> int:
    return CTF_MAX_BYTES if kind == Intake.Kind.ROLL_CTF else roll_csv.MAX_BYTES


def parse(kind: str, data: bytes, *, school: School, mapping: dict | None = None) -> ParsedRoll:
    """A roll file's rows and refusals, by its kind. Reads; never writes."""
    if len(data) > max_bytes(kind):
        raise IntakeRefused(f"The file is larger than {roll_csv.size_label(max_bytes(kind))}.")
    if kind == Intake.Kind.ROLL_CTF:
        return parse_ctf(io.BytesIO(data), school=school)
    return roll_csv.parse_roll_csv(data, school=school, mapping=mapping or {})


def fields_given(kind: str, mapping: dict | None) -> set[str]:
    """The fields a file speaks for: a CSV those mapped to a column, a CTF all of them."""
    if kind == Intake.Kind.ROLL_CTF:
        return set(PUPIL_FIELDS)
    return {f for f, heading in (mapping or {}).items() if heading}


# ---------------------------------------------------------------------------------------
# The plan: what applying this file would do to the school's pupils.


@dataclass
class Change:
    pupil: Pupil
    row: RollRow
    fields: dict  # pupil field → (old, new)


@dataclass
class Question:
    row: RollRow
    candidates: list[Pupil]
    why: str

    @property
    def key(self) -> str:
        return str(self.row.line)


@dataclass
class Plan:
    new: list[RollRow] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)
    leaving: list[Pupil] = field(default_factory=list)
    questions: list[Question] = field(default_factory=list)  # still open
    decided: int = 0
    unchanged: int = 0
    refused: list[Refusal] = field(default_factory=list)
    rows: int = 0

    @property
    def returning(self) -> int:
        return sum(1 for c in self.changes if "left_on" in c.fields)

    @property
    def writes(self) -> int:
        return len(self.new) + len(self.changes) + len(self.leaving)

    def fingerprint(self) -> str:
        """What the apply would write, so a preview can be checked against it."""
        shape = [
            sorted(_row_values(r) for r in self.new),
            sorted(
                [c.pupil.pk, sorted((k, str(v[1])) for k, v in c.fields.items())]
                for c in self.changes
            ),
            sorted(p.pk for p in self.leaving),
            sorted(q.key for q in self.questions),
        ]
        return hashlib.sha256(json.dumps(shape, default=str).encode()).hexdigest()


def _row_values(row: RollRow) -> list:
    return [str(getattr(row, f)) for f in ("line", *PUPIL_FIELDS)]


def _identity(surname: str, forename: str, born) -> tuple:
    return (roll_csv.fold(surname), roll_csv.fold(forename), born)


def _index(pupils):
    by_upn, by_former, by_name = {}, {}, {}
    for pupil in pupils:
        if pupil.upn:
            by_upn.setdefault(pupil.upn, []).append(pupil)
        if pupil.former_upn:
            by_former.setdefault(pupil.former_upn, []).append(pupil)
        key = _identity(pupil.last_name, pupil.first_name, pupil.date_of_birth)
        by_name.setdefault(key, []).append(pupil)
    return by_upn, by_former, by_name


def _candidates(row: RollRow, by_upn, by_former, by_name) -> tuple[list[Pupil], str]:
    if row.upn and row.upn in by_upn:
        return by_upn[row.upn], "upn"
    former = []
    if row.upn:
        former += by_former.get(row.upn, [])
    if row.former_upn:
        former += by_upn.get(row.former_upn, [])
    if former:
        return list({p.pk: p for p in former}.values()), "former_upn"
    return by_name.get(_identity(row.legal_surname, row.legal_forename, row.date_of_birth), []), (
        "name"
    )


def _changes(pupil: Pupil, row: RollRow, given: set[str]) -> dict:
    changed = {}
    for source, target in PUPIL_FIELDS.items():
        if source not in given:
            continue
        new = getattr(row, source)
        if target in KEEP_WHEN_BLANK and not new:
            continue
        old = getattr(pupil, target)
        if old != new:
            changed[target] = (old, new)
    old_upn = changed.get("upn", (None, None))[0]
    # A new UPN (a temporary one made permanent, say): the old one is kept as former.
    if (
        old_upn
        and "former_upn" not in changed
        and not row.former_upn
        and (pupil.former_upn != old_upn)
    ):
        changed["former_upn"] = (pupil.former_upn, old_upn)
    if pupil.left_on is not None:
        changed["left_on"] = (pupil.left_on, None)
    return changed


def _refuse_upns_held_elsewhere(school: School, parsed: ParsedRoll, mapping) -> list[RollRow]:
    upns = {r.upn for r in parsed.rows if r.upn}
    held = set(
        Pupil.objects.filter(upn__in=upns, left_on__isnull=True)
        .exclude(school=school)
        .values_list("upn", flat=True)
    )
    kept = []
    for row in parsed.rows:
        if row.upn in held:
            parsed.refused.append(
                Refusal(
                    line=row.line,
                    field=(mapping or {}).get("upn") or "UPN",
                    why="This UPN belongs to a pupil on the roll of another school. That "
                    "school must record them as left first.",
                )
            )
        else:
            kept.append(row)
    parsed.refused.sort(key=lambda r: r.line)
    return kept


def plan_roll(
    *,
    school: School,
    parsed: ParsedRoll,
    given: set[str],
    decisions=None,
    mapping=None,
    lock=False,
) -> Plan:
    """Compare a parsed roll with the school's pupils. Reads; never writes."""
    decisions = decisions or {}
    rows = _refuse_upns_held_elsewhere(school, parsed, mapping)
    pupils_qs = Pupil.objects.filter(school=school).order_by("pk")
    if lock:
        pupils_qs = pupils_qs.select_for_update()
    pupils = list(pupils_qs)
    by_upn, by_former, by_name = _index(pupils)
    plan = Plan(refused=list(parsed.refused), rows=len(rows) + len(parsed.refused))

    found = [(row, *_candidates(row, by_upn, by_former, by_name)) for row in rows]
    claims: dict[int, list[int]] = {}
    for row, candidates, _how in found:
        if len(candidates) == 1:
            claims.setdefault(candidates[0].pk, []).append(row.line)

    matched: dict[int, tuple[Pupil, RollRow]] = {}
    asked: list[Question] = []
    for row, candidates, how in found:
        if not candidates:
            plan.new.append(row)
            continue
        why = ""
        if len(candidates) > 1:
            why = {
                "upn": "Several pupils have held this UPN.",
                "former_upn": "Several pupils match by former UPN.",
                "name": "Several pupils have this name and date of birth.",
            }[how]
        elif len(claims[candidates[0].pk]) > 1:
            lines = " and ".join(str(n) for n in claims[candidates[0].pk])
            why = f"Lines {lines} of the file both match this pupil."
        elif how == "name" and row.upn and candidates[0].upn and row.upn != candidates[0].upn:
            why = "Same name and date of birth, but a different UPN."
        if why:
            asked.append(Question(row=row, candidates=candidates, why=why))
        else:
            matched[candidates[0].pk] = (candidates[0], row)

    for question in asked:
        answer = decisions.get(question.key)
        chosen = next((p for p in question.candidates if str(p.code) == answer), None)
        if answer == NEW:
            plan.new.append(question.row)
            plan.decided += 1
        elif chosen is not None and chosen.pk not in matched:
            matched[chosen.pk] = (chosen, question.row)
            plan.decided += 1
        else:
            plan.questions.append(question)

    for pupil, row in matched.values():
        changed = _changes(pupil, row, given)
        if changed:
            plan.changes.append(Change(pupil=pupil, row=row, fields=changed))
        else:
            plan.unchanged += 1
    plan.changes.sort(key=lambda c: c.row.line)
    plan.new.sort(key=lambda r: r.line)

    if not plan.refused:
        undecided = {p.pk for q in plan.questions for p in q.candidates}
        plan.leaving = [
            p
            for p in pupils
            if p.left_on is None and p.pk not in matched and p.pk not in undecided
        ]
    return plan


# ---------------------------------------------------------------------------------------
# The preview as stored on the Intake (JSON), and the counts that stay.


def _show(target: str, value) -> str:
    if value is None or value == "":
        return "" if target != "left_on" else "On the roll"
    if target == "year_group":
        return roll_csv.year_label(value)
    if target == "left_on":
        return f"Left on {value:%-d %B %Y}"
    if hasattr(value, "strftime"):
        return f"{value:%-d %B %Y}"
    return str(value)


def _pupil_json(pupil: Pupil) -> dict:
    return {
        "code": str(pupil.code),
        "name": f"{pupil.first_name} {pupil.last_name}",
        "date_of_birth": _show("date_of_birth", pupil.date_of_birth),
        "year_group": _show("year_group", pupil.year_group),
        "left_on": _show("left_on", pupil.left_on) if pupil.left_on else "",
    }


def _row_json(row: RollRow) -> dict:
    return {
        "line": row.line,
        "name": f"{row.legal_forename} {row.legal_surname}",
        "date_of_birth": _show("date_of_birth", row.date_of_birth),
        "year_group": _show("year_group", row.year_group),
    }


def preview_json(plan: Plan) -> dict:
    return {
        "new": [_row_json(r) for r in plan.new],
        "changed": [
            {
                **_row_json(c.row),
                "pupil": str(c.pupil.code),
                "fields": [
                    [LABELS[k], _show(k, old), _show(k, new)] for k, (old, new) in c.fields.items()
                ],
            }
            for c in plan.changes
        ],
        "leaving": [_pupil_json(p) for p in plan.leaving],
        "questions": [
            {
                **_row_json(q.row),
                "key": q.key,
                "why": q.why,
                "candidates": [_pupil_json(p) for p in q.candidates],
            }
            for q in plan.questions
        ],
        "refused": [{"line": r.line, "field": r.field, "why": r.why} for r in plan.refused],
        "counts": counts(plan),
        "fingerprint": plan.fingerprint(),
    }


def counts(plan: Plan) -> dict:
    return {
        "rows": plan.rows,
        "new": len(plan.new),
        "changed": len(plan.changes),
        "returning": plan.returning,
        "leaving": len(plan.leaving),
        "unchanged": plan.unchanged,
        "refused": len(plan.refused),
        "open_questions": len(plan.questions),
        "decided": plan.decided,
    }


# ---------------------------------------------------------------------------------------
# The services: one per step. Each takes the Intake it works on, locked.


def _store(data: bytes) -> str:
    # Server-named, under the private storage (outside the web root); never the user's name.
    return default_storage.save(f"intake/roll/{secrets.token_hex(16)}", ContentFile(data))


def _read(intake: Intake) -> bytes:
    with default_storage.open(intake.file_name, "rb") as handle:
        return handle.read()


def _original_name(name: str) -> str:
    return name.replace("\\", "/").rsplit("/", 1)[-1][:200]


def roll_upload(*, school: School, by, name: str, data: bytes) -> Intake:
    """Keep an uploaded roll for its preview. Refuses (IntakeRefused) a file it cannot read.

    Nothing is recorded for a refused file: the person is told why beside the upload field.
    """
    kind = detect_kind(data)
    if len(data) > max_bytes(kind):
        raise IntakeRefused(f"The file is larger than {roll_csv.size_label(max_bytes(kind))}.")
    if kind == Intake.Kind.ROLL_CSV:
        header = roll_csv.check_file(data)
        options = {"header": header}
    else:
        parse(kind, data, school=school)  # a CTF for another school is refused here
        options = {}
    with transaction.atomic():
        # One open import per school: an earlier one left unfinished is abandoned, so its
        # file does not wait on the disk for ever.
        for earlier in Intake.objects.filter(
            school=school,
            kind__in=ROLL_KINDS,
            status__in=(Intake.Status.UPLOADED, Intake.Status.PREVIEWED),
        ):
            roll_abandon(intake=earlier, by=by)
        intake = Intake(
            kind=kind,
            school=school,
            status=Intake.Status.UPLOADED,
            file_name=_store(data),
            original_name=_original_name(name),
            file_size=len(data),
            options=options,
            created_by=by,
        )
        intake._history_user = by
        intake.save()
    return intake


def _locked(intake: Intake, *statuses) -> Intake:
    intake = intake_lock(intake, *ROLL_KINDS)
    if intake.status not in statuses:
        raise ValidationError(
            f"This import is {intake.get_status_display().lower()}: start a new one."
        )
    return intake


def _plan_for(intake: Intake, data: bytes | None = None, *, lock=False) -> Plan:
    mapping = intake.options.get("mapping")
    parsed = parse(
        intake.kind, _read(intake) if data is None else data, school=intake.school, mapping=mapping
    )
    return plan_roll(
        school=intake.school,
        parsed=parsed,
        given=fields_given(intake.kind, mapping),
        decisions=intake.decisions,
        mapping=mapping,
        lock=lock,
    )


@transaction.atomic
def roll_preview(*, intake: Intake, by, mapping: dict | None = None) -> Intake:
    """Read the file (with this column mapping for a CSV) and store what applying would do.

    A mapping that does not fit the file raises IntakeRefused and changes nothing; a mapping
    that fits is remembered for the school's next import.
    """
    intake = _locked(intake, Intake.Status.UPLOADED, Intake.Status.PREVIEWED)
    if mapping is not None:
        mapping = {k: v for k, v in mapping.items() if v}
        intake.options = {**intake.options, "mapping": mapping}
    plan = _plan_for(intake)
    if mapping is not None and intake.school.roll_csv_mapping != mapping:
        school = School.objects.select_for_update().get(pk=intake.school_id)
        school.roll_csv_mapping = mapping
        school._history_user = by
        school.save(update_fields=["roll_csv_mapping"])
    intake.preview = preview_json(plan)
    intake.status = Intake.Status.PREVIEWED
    intake._history_user = by
    intake.save(update_fields=["options", "preview", "status"])
    return intake


@transaction.atomic
def roll_decide(*, intake: Intake, by, decisions: dict[str, str]) -> Intake:
    """Record a person's answers to the open questions, then preview again."""
    intake = _locked(intake, Intake.Status.PREVIEWED)
    open_questions = {q["key"]: q for q in intake.preview.get("questions", [])}
    kept = dict(intake.decisions)
    for key, answer in decisions.items():
        question = open_questions.get(key)
        if question is None or not answer:
            continue
        allowed = {NEW} | {c["code"] for c in question["candidates"]}
        if answer not in allowed:
            raise ValidationError(f"Line {key}: choose one of the pupils listed, or a new pupil.")
        kept[key] = answer
    intake.decisions = kept
    plan = _plan_for(intake)
    intake.preview = preview_json(plan)
    intake._history_user = by
    intake.save(update_fields=["decisions", "preview"])
    return intake


def roll_apply(*, intake: Intake, by) -> Intake:
    """Write the previewed roll, all or nothing. Raises ValidationError (nothing written),
    or StalePreview after storing a fresh preview when the pupils changed since."""
    try:
        return _apply(intake=intake, by=by)
    except StalePreview:
        roll_preview(intake=intake, by=by)
        raise
    except IntegrityError:
        raise ValidationError(
            "The roll could not be applied: a UPN in it is held by another current pupil (two "
            "pupils' UPNs swapped in the file, or one given to another pupil meanwhile). "
            "Nothing was changed. Check the UPNs in your MIS, then import again."
        ) from None


@transaction.atomic
def _apply(*, intake: Intake, by) -> Intake:
    intake = _locked(intake, Intake.Status.PREVIEWED)
    # One roll change at a time per school: the pupils are locked while the plan is made.
    School.objects.select_for_update().only("pk").get(pk=intake.school_id)
    plan = _plan_for(intake, lock=True)
    if plan.questions:
        raise ValidationError(
            f"{len(plan.questions)} row(s) still need your decision before the roll is applied."
        )
    if plan.fingerprint() != intake.preview.get("fingerprint"):
        raise StalePreview
    on = today()
    reason = f"Roll import {intake.code}"
    updated, fields = [], set()
    for change in plan.changes:
        for target, (_old, new) in change.fields.items():
            setattr(change.pupil, target, new)
            fields.add(target)
        updated.append(change.pupil)
    for pupil in plan.leaving:
        pupil.left_on = on
        fields.add("left_on")
        updated.append(pupil)
    if updated:
        bulk_update_with_history(
            updated, Pupil, sorted(fields), default_user=by, default_change_reason=reason
        )
    if plan.new:
        bulk_create_with_history(
            [
                Pupil(
                    school_id=intake.school_id,
                    **{PUPIL_FIELDS[k]: getattr(r, k) for k in PUPIL_FIELDS},
                )
                for r in plan.new
            ],
            Pupil,
            default_user=by,
            default_change_reason=reason,
        )
    intake.summary = counts(plan)
    intake.status = Intake.Status.APPLIED
    intake.applied_by = by
    intake.applied_at = timezone.now()
    intake.preview = {}
    intake.decisions = {}
    intake_forget_file(intake)
    intake._history_user = by
    intake.save()
    return intake


@transaction.atomic
def roll_abandon(*, intake: Intake, by) -> Intake:
    """Give up an import: the file and the preview go, the record of the attempt stays."""
    intake = _locked(intake, Intake.Status.UPLOADED, Intake.Status.PREVIEWED)
    return intake_abandon(intake, by=by, summary=dict(intake.preview.get("counts", {})))


@transaction.atomic
def roll_refuse(*, intake: Intake, by, why: str) -> Intake:
    """A file that cannot be read after all (a mapping that does not fit is not this)."""
    intake = _locked(intake, Intake.Status.UPLOADED, Intake.Status.PREVIEWED)
    intake.status = Intake.Status.REFUSED
    intake.error = why
    intake.preview = {}
    intake.decisions = {}
    intake_forget_file(intake)
    intake._history_user = by
    intake.save()
    return intake

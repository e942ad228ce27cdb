"""Subject access (UK GDPR Art. 15): everything the portal holds about one pupil that the
school controls, for the school's head or data-protection lead to answer a request with.

What is held comes from every app through `ssp.held.held_about_pupils`, the one way this app
learns about another's records. Of those holdings, the school's are rendered record by record
by the renderer its kind names in `records.sar_kinds.RENDERERS`; the force's are named, never
opened (the force answers for them). A school kind with no renderer stops the export rather
than leaving its records out of an answer the law says must be complete.

Third parties (other pupils named in the same records, staff and officers) are marked for
the school to review before release: each gets a reference ("T1") listed in an annex, and
free text that names another pupil or a person of the records has those words marked. The
subject's own name is never marked. The export is one `Export`, turned into a JSON document
of a stable shape (`SCHEMA_ID`, `SCHEMA_VERSION`; records/subject_access.schema.json says
it) and a tagged PDF from the same data.
"""

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cached_property

from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

from schools.models import Officer, Pupil
from ssp.held import Controller, held_about_pupils

SCHEMA_ID = "urn:ssp-portal:subject-access-export"
SCHEMA_VERSION = "1.0"
MARKER = "third party: review before release"


@dataclass(frozen=True)
class Person:
    """Someone named in a record: the subject (ref ""), or a third party (ref "T1", ...)."""

    name: str
    role: str
    ref: str = ""


@dataclass(frozen=True)
class Span:
    text: str
    ref: str = ""  # the third party these words name, "" for plain words


@dataclass
class Text:
    """Free text; its third parties' names are marked once the whole export is known."""

    raw: str
    spans: tuple[Span, ...] = ()


@dataclass(frozen=True)
class Field:
    key: str
    label: str
    # str, int, bool, None, date, datetime, Person, Text, or a list of Person.
    value: object


@dataclass
class Record:
    kind: str
    code: str
    title: str
    dated: datetime | date | None
    fields: list[Field]
    parts: list["Part"] = field(default_factory=list)
    reference: str = ""

    @property
    def printed(self):
        return printed(self.fields)


@dataclass
class Part:
    """Rows that belong to a record (its events, notes, attachments, disclosures)."""

    key: str
    label: str
    records: list[Record]


@dataclass
class Section:
    kind: str
    label: str
    records: list[Record]


@dataclass(frozen=True)
class Bundled:
    """A file held with a record (an attachment), carried in the export's bundle."""

    record_code: str
    path: str  # its name inside the bundle
    name: str  # the name it was uploaded with
    content_type: str
    size: int
    file: object  # the FieldFile to read it from


@dataclass
class ThirdParty:
    ref: str
    name: str
    role: str
    appears_in: list[str] = field(default_factory=list)


class Parties:
    """Gives each person named in the export one reference, the subject none."""

    def __init__(self, subject: Pupil):
        self.subject = subject
        self.found: dict[tuple, ThirdParty] = {}
        # Words that name a third party in free text: pupils by any of their names, people
        # of the records by their full name only (a first name alone is too common a word).
        self.words: dict[str, str] = {}

    def _third(self, key, name: str, role: str) -> Person:
        if key not in self.found:
            self.found[key] = ThirdParty(ref=f"T{len(self.found) + 1}", name=name, role=role)
        party = self.found[key]
        return Person(name=name, role=role, ref=party.ref)

    def pupil(self, pupil: Pupil) -> Person:
        name = f"{pupil.first_name} {pupil.last_name}"
        if pupil.pk == self.subject.pk:
            return Person(name=name, role="the subject")
        person = self._third(("pupil", pupil.pk), name, "pupil")
        for words in pupil_names(pupil):
            self.words.setdefault(words.casefold(), person.ref)
        return person

    @cached_property
    def officers(self) -> set[int]:
        # Whether a person is police or school staff, for every person of the export in one
        # query (asking each user their role costs a query a person).
        return set(Officer.objects.values_list("user_id", flat=True))

    def user(self, user) -> Person | None:
        if user is None:
            return None
        name = user.get_full_name() or user.email
        role = "police officer" if user.pk in self.officers else "school staff"
        person = self._third(("user", user.pk), name, role)
        self.words.setdefault(name.casefold(), person.ref)
        return person

    def mark(self, text: Text) -> None:
        own = {part.casefold() for part in pupil_names(self.subject)}
        words = {w: ref for w, ref in self.words.items() if w not in own and len(w) > 1}
        if not words or not text.raw:
            text.spans = (Span(text.raw),) if text.raw else ()
            return
        pattern = re.compile(
            r"(?<!\w)("
            + "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
            + r")(?!\w)",
            re.IGNORECASE,
        )
        spans, at = [], 0
        for found in pattern.finditer(text.raw):
            if found.start() > at:
                spans.append(Span(text.raw[at : found.start()]))
            spans.append(Span(found.group(0), words[found.group(0).casefold()]))
            at = found.end()
        if at < len(text.raw):
            spans.append(Span(text.raw[at:]))
        text.spans = tuple(spans)


def pupil_names(pupil: Pupil) -> list[str]:
    """Every way a pupil's name may be written: full names first, then each name alone."""
    firsts = {pupil.first_name, pupil.preferred_forename} - {""}
    lasts = {pupil.last_name, pupil.preferred_surname} - {""}
    full = [f"{f} {s}" for f in firsts for s in lasts]
    return full + sorted(firsts | lasts)


@dataclass
class Export:
    subject: Pupil
    produced_by: object
    produced_at: datetime
    reason: str
    sections: list[Section]
    # Kinds the force holds about the pupil: named, never opened (the force answers for them).
    police_kinds: list[str]
    third_parties: list[ThirdParty]
    files: list[Bundled]


def renderers() -> dict:
    from .sar_kinds import RENDERERS  # renderers read every app's models

    return RENDERERS


def received() -> dict:
    from .sar_kinds import RECEIVED

    return RECEIVED


def _holdings(pupil: Pupil) -> list:
    """Every app's holdings about the pupil; a school kind without a renderer is an error."""
    holdings = held_about_pupils(Pupil.objects.filter(pk=pupil.pk))
    school = {h.kind for h in holdings if h.controller == Controller.SCHOOL}
    missing = sorted(school - set(renderers()))
    if missing:
        raise ImproperlyConfigured(
            f"No subject access renderer for the school's records of kind {', '.join(missing)}:"
            " add one to records/sar_kinds.py"
        )
    return holdings


def _rendered(holding):
    """(kind, label, renderer) for what the export writes of a holding, or None."""
    if holding.controller == Controller.SCHOOL:
        return holding.kind, holding.label, renderers()[holding.kind]
    return received().get(holding.kind)


DISCLOSURES = "Information-sharing log entries about these records"


def covered(pupil: Pupil) -> list[str]:
    """What an export about the pupil covers, kind by kind (for the page)."""
    labels = [found[1] for h in _holdings(pupil) if (found := _rendered(h))]
    return [*labels, DISCLOSURES]


def police_kinds(holdings) -> list[str]:
    """The labels of the kinds the force holds about the pupil (one EXISTS query each)."""
    return [h.label for h in holdings if h.controller == Controller.POLICE and h.rows.exists()]


def police_kinds_about(pupil: Pupil) -> list[str]:
    return police_kinds(held_about_pupils(Pupil.objects.filter(pk=pupil.pk)))


def build(*, pupil: Pupil, by, reason: str) -> Export:
    holdings = _holdings(pupil)
    parties = Parties(pupil)
    sections, files = [], []
    for holding in holdings:
        if (found := _rendered(holding)) is None:
            continue
        kind, label, render = found
        records, bundled = render(holding.rows, parties)
        files.extend(bundled)
        sections.append(Section(kind=kind, label=label, records=records))
    codes = {record.code for record, _ in _walk(sections) if record.code}
    for holding in holdings:
        if holding.controller == Controller.POLICE:
            codes |= {str(code) for code in holding.rows.values_list("code", flat=True)}
    records, _ = _disclosures(codes, parties)
    sections.append(Section(kind="disclosure_log", label=DISCLOSURES, records=records))
    # Free text is marked once every third party of the export is known: a narrative may name
    # a pupil who is linked to another record of the subject's.
    for record, top in _walk(sections):
        for item in record.fields:
            if isinstance(item.value, Text):
                parties.mark(item.value)
        _note_appearances(record, top, parties)
    return Export(
        subject=pupil,
        produced_by=by,
        produced_at=timezone.now(),
        reason=reason,
        sections=sections,
        police_kinds=police_kinds(holdings),
        third_parties=sorted(parties.found.values(), key=lambda p: int(p.ref[1:])),
        files=files,
    )


def _disclosures(codes, parties):
    from .sar_kinds import disclosures

    return disclosures(codes, parties)


def _walk(sections):
    """Every record and the top-level record it belongs to."""

    def inner(record, top):
        yield record, top
        for part in record.parts:
            for child in part.records:
                yield from inner(child, top)

    for section in sections:
        for record in section.records:
            yield from inner(record, record)


def _note_appearances(record: Record, top: Record, parties: Parties) -> None:
    where = top.reference or top.title
    refs = set()
    for item in record.fields:
        values = item.value if isinstance(item.value, list) else [item.value]
        for value in values:
            if isinstance(value, Person) and value.ref:
                refs.add(value.ref)
            if isinstance(value, Text):
                refs |= {span.ref for span in value.spans if span.ref}
    by_ref = {p.ref: p for p in parties.found.values()}
    for ref in refs:
        if where not in by_ref[ref].appears_in:
            by_ref[ref].appears_in.append(where)


# The JSON document ---------------------------------------------------------------------


def _value(value):
    if isinstance(value, Person):
        return {"name": value.name, "role": value.role, "third_party": value.ref or None}
    if isinstance(value, Text):
        mentions, at = [], 0
        for span in value.spans:
            if span.ref:
                mentions.append({"start": at, "end": at + len(span.text), "third_party": span.ref})
            at += len(span.text)
        return {"text": value.raw, "third_party_mentions": mentions}
    if isinstance(value, list):
        return [_value(v) for v in value]
    if isinstance(value, datetime):
        return timezone.localtime(value).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return value


def _record(record: Record) -> dict:
    return {
        "kind": record.kind,
        "code": record.code,
        "reference": record.reference,
        "title": record.title,
        "dated": _value(record.dated),
        "fields": {item.key: _value(item.value) for item in record.fields},
        "parts": {part.key: [_record(child) for child in part.records] for part in record.parts},
    }


def subject_fields(pupil: Pupil) -> list[Field]:
    return [
        Field("legal_forename", "Legal forename", pupil.first_name),
        Field("legal_surname", "Legal surname", pupil.last_name),
        Field("preferred_forename", "Preferred forename", pupil.preferred_forename),
        Field("preferred_surname", "Preferred surname", pupil.preferred_surname),
        Field("date_of_birth", "Date of birth", pupil.date_of_birth),
        Field("year_group", "Year group", pupil.get_year_group_display()),
        Field("upn", "UPN", pupil.upn),
        Field("former_upn", "Former UPN", pupil.former_upn),
        Field("left_on", "Left the school's roll on", pupil.left_on),
    ]


def as_json(export: Export) -> dict:
    school = export.subject.school
    return {
        "schema": SCHEMA_ID,
        "schema_version": SCHEMA_VERSION,
        "produced_at": _value(export.produced_at),
        "produced_by": export.produced_by.get_full_name(),
        "controller": {"school": school.name, "urn": school.urn},
        "request": {"reason": export.reason},
        "subject": {
            "code": str(export.subject.code),
            **{item.key: _value(item.value) for item in subject_fields(export.subject)},
        },
        "third_party_marker": MARKER,
        "records": [
            {
                "kind": section.kind,
                "label": section.label,
                "items": [_record(record) for record in section.records],
            }
            for section in export.sections
        ],
        "not_included": [
            {"label": label, "controller": "police", "answered_by": "the police force"}
            for label in export.police_kinds
        ],
        "third_parties": [
            {"ref": p.ref, "name": p.name, "role": p.role, "appears_in": p.appears_in}
            for p in export.third_parties
        ],
        "files": [
            {
                "record": f.record_code,
                "path": f.path,
                "name": f.name,
                "content_type": f.content_type,
                "size": f.size,
            }
            for f in export.files
        ],
    }


# The PDF's view of a record: each field as words to print, third parties' names marked ------


def _words(value) -> tuple[Span, ...]:
    if value is None or value == "" or value == []:
        return ()
    if isinstance(value, Person):
        return (Span(value.name, value.ref),)
    if isinstance(value, Text):
        return value.spans
    if isinstance(value, list):
        spans = []
        for n, item in enumerate(value):
            spans.extend(([Span("; ")] if n else []) + list(_words(item)))
        return tuple(spans)
    if isinstance(value, bool):
        return (Span("Yes" if value else "No"),)
    if isinstance(value, datetime):
        return (Span(f"{timezone.localtime(value):%-d %B %Y %H:%M}"),)
    if isinstance(value, date):
        return (Span(f"{value:%-d %B %Y}"),)
    return (Span(str(value)),)


def printed(fields: list[Field]) -> list[tuple[str, tuple[Span, ...]]]:
    """(label, words) of each field that holds something: an empty field prints nothing."""
    return [(item.label, words) for item in fields if (words := _words(item.value))]

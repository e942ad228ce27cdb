"""How each kind of the school's records is written into a subject access export.

One renderer per kind that `<app>/holdings.py` names with the school as controller:
`render(rows, parties) -> (records, files)`. `rows` is the holding's queryset (the records of
that kind about the subject); `parties` names the people in them (records.sar.Parties), so
third parties are marked. A renderer reads its rows with what they carry in a fixed number
of queries, however many there are. A school kind missing here stops every export (and a
test) rather than going missing from an answer.
"""

from django.db.models import Prefetch

from incidents.models import (
    Attachment,
    Category,
    Concern,
    ConcernEvent,
    ConcernPupil,
    CorrectionNote,
    Share,
)

from .sar import Bundled, Field, Part, Record, Text


def _person(parties, user):
    return parties.user(user)


def concerns(rows, parties):
    rows = (
        rows.select_related("reported_by", "triaged_by", "acknowledged_by")
        .prefetch_related(
            Prefetch(
                "involved",
                queryset=ConcernPupil.objects.select_related("pupil").order_by("pk"),
            ),
            Prefetch("events", queryset=ConcernEvent.objects.select_related("actor")),
            Prefetch("notes", queryset=CorrectionNote.objects.select_related("author")),
            Prefetch(
                "attachments",
                queryset=Attachment.objects.select_related("uploaded_by").order_by("pk"),
            ),
            Prefetch(
                "shares",
                queryset=Share.objects.select_related(
                    "shared_by", "shared_with", "document"
                ).order_by("at", "pk"),
            ),
        )
        .order_by("recorded_at", "pk")
    )
    records, files = [], []
    for concern in rows:
        fields = [
            Field("kind", "Kind", Concern.Kind(concern.kind).label),
            Field("category", "Category", Category(concern.category).label),
            Field("happened_at", "When it happened", concern.happened_at),
            Field("recorded_at", "Recorded", concern.recorded_at),
            Field("location", "Where", concern.get_location_display()),
            Field("immediate_risk", "A child at immediate risk", concern.immediate_risk),
            Field("reported_by", "Logged by", _person(parties, concern.reported_by)),
            Field("narrative", "What happened", Text(concern.narrative)),
            Field(
                "image_description", "Description of the images", Text(concern.image_description)
            ),
            Field("device_location", "Where the device is now", Text(concern.device_location)),
            Field("who_has_been_told", "Who has been told", Text(concern.who_has_been_told)),
            Field("status", "Triage status", concern.get_status_display()),
            Field("triaged_at", "Triaged", concern.triaged_at),
            Field("triaged_by", "Triaged by", _person(parties, concern.triaged_by)),
            Field("acknowledged_at", "Acknowledged by the police", concern.acknowledged_at),
            Field("acknowledged_by", "Acknowledged by", _person(parties, concern.acknowledged_by)),
            Field("police_outcome", "Police outcome", concern.get_police_outcome_display()),
            Field("police_outcome_at", "Police outcome recorded", concern.police_outcome_at),
        ]
        parts = [
            Part(
                "pupils",
                "Pupils involved",
                [_involved(link, parties) for link in concern.involved.all()],
            ),
            Part(
                "events", "What happened to it", [_event(e, parties) for e in concern.events.all()]
            ),
            Part(
                "correction_notes",
                "Correction notes",
                [_note(n, parties) for n in concern.notes.all()],
            ),
            Part(
                "attachments",
                "Attached files",
                [_attachment(a, parties) for a in concern.attachments.all()],
            ),
            Part(
                "disclosures",
                "Disclosures to the police",
                [_share(s, parties) for s in concern.shares.all()],
            ),
        ]
        files.extend(_bundled(a) for a in concern.attachments.all())
        records.append(
            Record(
                kind="concern",
                code=str(concern.code),
                reference=concern.reference,
                title=f"{concern.reference}: {Category(concern.category).label}",
                dated=concern.recorded_at,
                fields=fields,
                parts=parts,
            )
        )
    return records, files


def _involved(link, parties) -> Record:
    person = parties.pupil(link.pupil)
    return Record(
        kind="pupil_involved",
        code="",
        title="Pupil involved",
        dated=None,
        fields=[Field("pupil", "Pupil", person), Field("role", "Part", link.get_role_display())],
    )


def _event(event, parties) -> Record:
    return Record(
        kind="concern_event",
        code="",
        title=event.get_kind_display(),
        dated=event.at,
        fields=[
            Field("kind", "What", event.get_kind_display()),
            Field("at", "When", event.at),
            Field("by", "By", _person(parties, event.actor)),
            Field("from_status", "From", event.from_label),
            Field("to_status", "To", event.to_label),
            Field("rationale", "Why", Text(event.rationale)),
        ],
    )


def _note(note, parties) -> Record:
    return Record(
        kind="correction_note",
        code=str(note.code),
        title="Correction note",
        dated=note.at,
        fields=[
            Field("at", "When", note.at),
            Field("by", "By", _person(parties, note.author)),
            Field("text", "Note", Text(note.text)),
        ],
    )


def _attachment(item, parties) -> Record:
    return Record(
        kind="attachment",
        code=str(item.code),
        title=item.original_name,
        dated=item.uploaded_at,
        fields=[
            Field("name", "File name", item.original_name),
            Field("content_type", "Type", item.content_type),
            Field("size", "Size in bytes", item.size),
            Field("uploaded_at", "Uploaded", item.uploaded_at),
            Field("uploaded_by", "Uploaded by", _person(parties, item.uploaded_by)),
            Field("in_bundle", "In this export as", _bundle_path(item)),
        ],
    )


def _bundle_path(item) -> str:
    # The bundle names each file by its code: the uploaded name is the uploader's text.
    return f"attachments/{item.code}"


def _bundled(item) -> Bundled:
    return Bundled(
        record_code=str(item.code),
        path=_bundle_path(item),
        name=item.original_name,
        content_type=item.content_type,
        size=item.size,
        file=item.file,
    )


def _share(share, parties) -> Record:
    return Record(
        kind="disclosure",
        code=str(share.code),
        title="Shared with the police",
        dated=share.at,
        fields=[
            Field("at", "When", share.at),
            Field("by", "Shared by", _person(parties, share.shared_by)),
            Field("to", "Shared with", _person(parties, share.shared_with)),
            Field("agreement", "Data sharing agreement", share.agreement),
            Field("lawful_basis", "Lawful basis", share.lawful_basis),
        ],
    )


RENDERERS = {
    "concern": concerns,
}

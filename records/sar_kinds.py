"""How each kind of the school's records is written into a subject access export.

One renderer per kind that `<app>/holdings.py` names with the school as controller:
`render(rows, parties) -> (records, files)`. `rows` is the holding's queryset (the records of
that kind about the subject); `parties` names the people in them (records.sar.Parties), so
third parties are marked. A renderer reads its rows with what they carry in a fixed number
of queries, however many there are. A school kind missing here stops every export (and a
test) rather than going missing from an answer.
"""

from django.db.models import Prefetch

from agreements.models import Disclosure
from incidents.models import (
    Attachment,
    Category,
    Concern,
    ConcernEvent,
    ConcernPupil,
    CorrectionNote,
    EnquiryMessage,
    IncidentSummary,
    Share,
)

from .sar import Bundled, Field, Part, Record, Text, subject_fields


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


def pupils(rows, parties):
    """The pupil's own record on the school's roll."""
    records = []
    for pupil in rows.select_related("school").order_by("pk"):
        records.append(
            Record(
                kind="pupil",
                code=str(pupil.code),
                title=f"{pupil.first_name} {pupil.last_name}, {pupil.school.name}",
                dated=pupil.date_of_birth,
                fields=[Field("school", "School", pupil.school.name), *subject_fields(pupil)],
            )
        )
    return records, []


def enquiries(rows, parties):
    """Enquiries between the school and its SSPO about the pupil or one of their concerns."""
    rows = (
        rows.select_related("sspo", "opened_by", "concern")
        .prefetch_related(
            Prefetch(
                "messages",
                queryset=EnquiryMessage.objects.select_related("author").order_by("at", "pk"),
            )
        )
        .order_by("opened_at", "pk")
    )
    records = []
    for enquiry in rows:
        messages = [
            Record(
                kind="enquiry_message",
                code=str(message.code),
                title=f"Message from the {message.get_side_display().lower()}",
                dated=message.at,
                fields=[
                    Field("at", "When", message.at),
                    Field("by", "By", _person(parties, message.author)),
                    Field("side", "Side", message.get_side_display()),
                    Field("text", "Message", Text(message.text)),
                ],
            )
            for message in enquiry.messages.all()
        ]
        records.append(
            Record(
                kind="enquiry",
                code=str(enquiry.code),
                reference=f"Enquiry of {enquiry.opened_at:%Y-%m-%d}",
                title=f"Enquiry: {enquiry.subject}",
                dated=enquiry.opened_at,
                fields=[
                    Field("subject", "Subject", Text(enquiry.subject)),
                    Field("about", "About", enquiry.get_about_display()),
                    Field(
                        "concern", "Concern", enquiry.concern.reference if enquiry.concern else ""
                    ),
                    Field("opened_at", "Opened", enquiry.opened_at),
                    Field("opened_by", "Opened by", _person(parties, enquiry.opened_by)),
                    Field("sspo", "The school's SSPO", _person(parties, enquiry.sspo)),
                    Field("status", "Status", enquiry.get_status_display()),
                ],
                parts=[Part("messages", "Messages", messages)],
            )
        )
    return records, []


def encompass_notifications(rows, parties):
    """Operation Encompass notifications the school received about the pupil, and its plan."""
    rows = rows.select_related("sent_by", "matched_by", "acknowledged_by").order_by(
        "received_at", "pk"
    )
    records = []
    for notice in rows:
        records.append(
            Record(
                kind="encompass_notification",
                code=str(notice.code),
                reference=f"Encompass {notice.police_reference}",
                title=f"Operation Encompass notification {notice.police_reference}",
                dated=notice.received_at,
                fields=[
                    Field("police_reference", "Police reference", notice.police_reference),
                    Field("received_at", "Received", notice.received_at),
                    Field("sent_by", "Sent by", _person(parties, notice.sent_by)),
                    Field("child_first_name", "Child's forename as sent", notice.child_first_name),
                    Field("child_last_name", "Child's surname as sent", notice.child_last_name),
                    Field(
                        "child_date_of_birth",
                        "Child's date of birth as sent",
                        notice.child_date_of_birth,
                    ),
                    Field("incident_at", "Incident date and time", notice.incident_at),
                    Field(
                        "incident_location", "Incident location", Text(notice.incident_location)
                    ),
                    Field("child_presence", "Child present", notice.get_child_presence_display()),
                    Field(
                        "child_whereabouts", "Where the child was", Text(notice.child_whereabouts)
                    ),
                    Field("voice_of_child", "Voice of the child", Text(notice.voice_of_child)),
                    Field("circumstances", "Circumstances", Text(notice.circumstances)),
                    Field(
                        "other_information",
                        "Other safeguarding information",
                        Text(notice.other_information),
                    ),
                    Field(
                        "matched_by",
                        "Matched to the pupil by",
                        _person(parties, notice.matched_by),
                    ),
                    Field("acknowledged_at", "Acknowledged", notice.acknowledged_at),
                    Field(
                        "acknowledged_by",
                        "Acknowledged by",
                        _person(parties, notice.acknowledged_by),
                    ),
                    Field(
                        "support_plan", "Support planned by the school", Text(notice.support_plan)
                    ),
                    Field("escalated_at", "Escalated", notice.escalated_at),
                ],
            )
        )
    return records, []


def incident_summaries(rows, parties):
    """What the police sent the school about their incidents: the school's copy, never the
    incident itself (the force's record)."""
    summaries = (
        IncidentSummary.objects.filter(incident__in=rows.order_by().values("pk"))
        .select_related("sent_by")
        .order_by("sent_at", "pk")
    )
    records = [
        Record(
            kind="incident_summary",
            code=str(summary.code),
            reference=f"Summary of {summary.sent_at:%Y-%m-%d}",
            title="Summary of police action sent to the school",
            dated=summary.sent_at,
            fields=[
                Field("sent_at", "Sent", summary.sent_at),
                Field("sent_by", "Sent by", _person(parties, summary.sent_by)),
                Field("text", "Summary", Text(summary.text)),
            ],
        )
        for summary in summaries
    ]
    return records, []


def disclosures(codes, parties):
    """The information-sharing log's entries for any record of the export or any of the
    force's records about the pupil: what went between school and police, when, to whom and
    under what (never the record's content)."""
    rows = (
        Disclosure.objects.filter(record_code__in=sorted(codes))
        .select_related("disclosed_by", "disclosed_to", "acknowledged_by", "document")
        .order_by("at", "pk")
    )
    records = [
        Record(
            kind="disclosure_log",
            code=str(row.code),
            reference=f"Sharing log {row.at:%Y-%m-%d %H:%M}",
            title=row.get_kind_display(),
            dated=row.at,
            fields=[
                Field("at", "When", row.at),
                Field("direction", "Direction", row.get_direction_display()),
                Field("kind", "What", row.get_kind_display()),
                Field("record_code", "Record", str(row.record_code)),
                Field("disclosed_by", "Disclosed by", _person(parties, row.disclosed_by)),
                Field("disclosed_to", "Disclosed to", _person(parties, row.disclosed_to)),
                Field("agreement", "Agreement", row.agreement),
                Field("clause", "Clause", row.clause),
                Field("gateway", "Legal gateway", row.get_gateway_display()),
                Field("purpose", "Purpose", row.purpose),
                Field("lawful_basis", "Lawful basis", row.lawful_basis),
                Field("acknowledged_at", "Opened by the recipient", row.acknowledged_at),
            ],
        )
        for row in rows
    ]
    return records, []


# Every kind the school controls, by the key its holding gives.
RENDERERS = {
    "pupil": pupils,
    "concern": concerns,
    "enquiry": enquiries,
    "encompass_notification": encompass_notifications,
}

# What the school received out of the force's records: its own copy, rendered under its own
# kind and label; the force's records themselves are only named.
RECEIVED = {
    "incident": (
        "incident_summary",
        "Summaries of police action sent to the school",
        incident_summaries,
    ),
}

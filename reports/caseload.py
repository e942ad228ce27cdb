"""The SSPO's caseload: everything they are doing for their schools, on one page.

Each section starts from its record's `visible_to(user)` and takes the first few open items
with the count and overdue count of them all (window aggregates). The six sections are read
in one statement, a UNION ALL of their rows, each row carrying what the page shows of its
record as one JSON object: the page answers in one query however many records there are,
and renders the same few rows however many are open. (Building and planning a query costs
more here than running it, so six queries cost noticeably more than one.)
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import timedelta

from django.db.models import Count, Model, Q, QuerySet, Value, Window
from django.db.models.functions import JSONObject, RowNumber
from django.utils import timezone

from incidents.models import Concern, Enquiry, Incident, Side
from referrals.models import Conference, ConferenceAction, Referral
from schools.models import SessionRequest

SHOWN = 5  # items listed per section; each section links to its full list
ACKNOWLEDGE_WITHIN = timedelta(days=2)
ANSWER_WITHIN = timedelta(days=3)


@dataclass
class Section:
    title: str
    items: list
    count: int = 0
    overdue: int = 0


@dataclass
class _Part:
    """One section's read: its records, in its order, and the fields the page shows of them
    ("school__name" follows the foreign key, as in a queryset)."""

    title: str
    queryset: QuerySet
    order: tuple[str, ...]
    shows: tuple[str, ...]
    overdue: Q | None = None

    @property
    def model(self) -> type[Model]:
        return self.queryset.model

    def rows(self, key: str) -> QuerySet:
        """The first SHOWN rows, with the total and the overdue count of them all.

        Window aggregates over the whole filtered set ride along with the few rows fetched,
        so the page's cost does not grow with what is open beyond what it shows; the row
        number keeps the section's order through the UNION.
        """
        shows = {path: path for path in self.shows}
        # Each foreign key followed, so the related record can be built with its key.
        followed = {path.split("__")[0] for path in self.shows if "__" in path}
        shows.update({name: name for name in followed})
        overdue = Window(Count("pk", filter=self.overdue)) if self.overdue else Value(0)
        return (
            self.queryset.order_by(*self.order)
            .annotate(
                section=Value(key),
                position=Window(RowNumber(), order_by=list(self.order)),
                total=Window(Count("pk")),
                overdue_total=overdue,
                shown=JSONObject(**shows),
            )
            .values("section", "position", "total", "overdue_total", "shown")[:SHOWN]
        )


def caseload(user, school=None) -> dict[str, Section]:
    now = timezone.now()
    today = timezone.localdate()
    here = Q(school=school) if school is not None else Q()
    late_acknowledgement = Q(acknowledged_at__isnull=True, triaged_at__lt=now - ACKNOWLEDGE_WITHIN)
    late_answer = Q(last_message_at__lt=now - ANSWER_WITHIN)

    parts = {
        "concerns": _Part(
            "Shared concerns to acknowledge or act on",
            Concern.objects.visible_to(user)
            .filter(here)
            .filter(police_outcome=""),  # an outcome comes only after acknowledgement
            ("acknowledged_at", "-immediate_risk", "triaged_at"),
            (
                "code",
                "reference",
                "category",
                "immediate_risk",
                "acknowledged_at",
                "triaged_at",
                "school__name",
            ),
            late_acknowledgement,
        ),
        "incidents": _Part(
            "Open incidents",
            Incident.objects.visible_to(user).filter(here, status=Incident.Status.OPEN),
            ("-happened_at",),
            ("code", "reference", "category", "happened_at", "school__name"),
        ),
        "referrals": _Part(
            "Open referrals",
            Referral.objects.visible_to(user).filter(here).open(),
            ("follow_up_on", "-made_at"),
            (
                "code",
                "reference",
                "status",
                "follow_up_on",
                "pupil__code",
                "pupil__first_name",
                "pupil__last_name",
                "scheme__name",
            ),
            Q(follow_up_on__lte=today),
        ),
        "actions": _Part(
            "Case conference actions",
            ConferenceAction.objects.filter(
                conference__in=Conference.objects.visible_to(user).filter(here),
                done_at__isnull=True,
            ),
            ("due_on",),
            ("description", "owner", "due_on", "conference__code"),
            Q(due_on__lt=today),
        ),
        "enquiries": _Part(
            "Enquiries waiting for your answer",
            Enquiry.objects.visible_to(user).filter(here).waiting_for(Side.POLICE),
            ("last_message_at",),
            ("code", "subject", "last_message_at", "school__name"),
            late_answer,
        ),
        "session_requests": _Part(
            "Session requests waiting",
            SessionRequest.objects.visible_to(user).filter(here).waiting(),
            ("requested_at",),
            ("code", "topic", "requested_at", "school__name"),
        ),
    }
    sections = {key: Section(part.title, []) for key, part in parts.items()}
    first, *others = (part.rows(key) for key, part in parts.items())
    rows = first.union(*others, all=True)
    for row in sorted(rows, key=lambda row: row["position"]):
        section = sections[row["section"]]
        section.items.append(_record(parts[row["section"]].model, row["shown"], rows.db))
        section.count, section.overdue = row["total"], row["overdue_total"]
    # The flags on the rows shown, from the same rules.
    for concern in sections["concerns"].items:
        concern.overdue = (
            concern.acknowledged_at is None
            and concern.triaged_at is not None
            and now - concern.triaged_at > ACKNOWLEDGE_WITHIN
        )
    for enquiry in sections["enquiries"].items:
        enquiry.overdue = now - enquiry.last_message_at > ANSWER_WITHIN
    return sections


def _record(model: type[Model], shown: dict, db: str) -> Model:
    """A model instance from a row's JSON, with the related records it names, as the
    database would have built it with only() and select_related()."""
    own, related = {}, defaultdict(dict)
    for path, value in shown.items():
        name, _, rest = path.partition("__")
        if rest:
            related[name][rest] = value
        else:
            own[name] = value
    record = _instance(model, own, db)
    for name, values in related.items():
        key = model._meta.get_field(name)
        values[key.target_field.name] = own[name]
        setattr(record, name, _instance(key.related_model, values, db))
    return record


def _instance(model: type[Model], values: dict, db: str) -> Model:
    # JSON carries dates, times and UUIDs as text: each field reads its own back. Fields not
    # read stay deferred, as with only().
    fields = [f for f in model._meta.concrete_fields if f.name in values]
    return model.from_db(
        db, [f.attname for f in fields], [f.to_python(values[f.name]) for f in fields]
    )

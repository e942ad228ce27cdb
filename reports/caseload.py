"""The SSPO's caseload: everything they are doing for their schools, on one page.

Each section starts from its record's `visible_to(user)` and takes the first few open items,
with how many there are and how many are overdue. Where open work piles up (shared concerns,
incidents, referrals, enquiries waiting for the police) each count is a read that stops at
COUNTED rows, and the page says "100+" past it: the count costs the same however much is
open. The others are counted whole, by window aggregates over the rows read. The six
sections are read in one statement, a UNION ALL of their rows, each row carrying what the
page shows of its record as one JSON object: the page answers in one query however many
records there are, and renders the same few rows however many are open. (Building and
planning a query costs more here than running it, so six queries cost noticeably more than
one.)
"""

import functools
from contextlib import suppress
from dataclasses import dataclass
from datetime import timedelta

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import (
    Count,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    Window,
)
from django.db.models.functions import JSONObject, RowNumber
from django.utils import timezone

from incidents.models import Concern, Enquiry, Incident, Side
from referrals.models import ConferenceAction, Referral
from schools.models import SessionRequest, person_values, stand_in_person
from ssp.scope import scope_of, stand_in_scope
from ssp.statements import Prepared, StandIns, prepare, record

SHOWN = 5  # items listed per section; each section links to its full list
COUNTED = 100  # a busy section's records are counted up to this many: the page shows "100+"
ACKNOWLEDGE_WITHIN = timedelta(days=2)
ANSWER_WITHIN = timedelta(days=3)
# Each section's title and the model of its records, in the page's order.
SECTIONS = {
    "concerns": ("Shared concerns to acknowledge or act on", Concern),
    "incidents": ("Open incidents", Incident),
    "referrals": ("Open referrals", Referral),
    "actions": ("Case conference actions", ConferenceAction),
    "enquiries": ("Enquiries waiting for your answer", Enquiry),
    "session_requests": ("Session requests waiting", SessionRequest),
}
# The sections where open work piles up, counted up to COUNTED. (Counting the others so too
# costs more to plan than their window counts take to run.)
CAPPED = {"concerns", "incidents", "referrals", "enquiries"}


@dataclass
class Section:
    title: str
    items: list
    count: int = 0
    overdue: int = 0
    capped: bool = False  # counts stop at COUNTED

    @property
    def count_shown(self) -> str:
        return self._shown(self.count)

    @property
    def overdue_shown(self) -> str:
        return self._shown(self.overdue)

    def _shown(self, count: int) -> str:
        return f"{COUNTED}+" if self.capped and count >= COUNTED else str(count)


class _CountedTo(Subquery):
    """How many rows a sliced queryset finds: no more than its slice's end."""

    template = "(SELECT COUNT(*) FROM (%(subquery)s) counted)"
    output_field = IntegerField()


@dataclass
class _Part:
    """One section's read: its records, in its order, and the fields the page shows of them
    ("school__name" follows the foreign key, as in a queryset)."""

    queryset: QuerySet
    order: tuple[str, ...]
    shows: tuple[str, ...]
    overdue: Q | None = None

    def rows(self, key: str) -> QuerySet:
        """The first SHOWN rows, with the total and the overdue count.

        The counts ride along with the few rows fetched: reads that stop at COUNTED rows
        when capped, so the page's cost does not grow with what is open, else window
        aggregates over every row read. The row number keeps the section's order through
        the UNION.
        """
        shows = {path: _shown(self.queryset.model, path) for path in self.shows}
        # Each foreign key followed, so the related record can be built with its key.
        followed = {path.split("__")[0] for path in self.shows if "__" in path}
        shows.update({name: name for name in followed})
        if key in CAPPED:
            overdue = _count(self.queryset.filter(self.overdue)) if self.overdue else Value(0)
            total = _count(self.queryset)
        else:
            overdue = Window(Count("pk", filter=self.overdue)) if self.overdue else Value(0)
            total = Window(Count("pk"))
        return (
            self.queryset.order_by(*self.order)
            .annotate(
                section=Value(key),
                position=Window(RowNumber(), order_by=list(self.order)),
                total=total,
                overdue_total=overdue,
                shown=JSONObject(**shows),
            )
            .values("section", "position", "total", "overdue_total", "shown")[:SHOWN]
        )


def _shown(model, path: str):
    """A field the page shows: the record's own, or a related record's read for the rows
    shown alone (a lookup by key for each of the few rows, where a join would read the
    related table for every row the counts go through)."""
    name, _, rest = path.partition("__")
    if not rest:
        return F(name)
    key = model._meta.get_field(name)
    related = key.related_model._base_manager.filter(pk=OuterRef(key.attname))
    return Subquery(related.order_by().values(rest))


def _count(queryset: QuerySet) -> _CountedTo:
    return _CountedTo(queryset.order_by().values("pk")[:COUNTED])


def caseload(user, school=None) -> dict[str, Section]:
    """The SSPO's sections, of both their schools or of `school` alone.

    The statement is built and compiled once per process for each shape (ssp.statements),
    from the same records' rules; each request runs it with its own person, schools and time.
    """
    values = request_values(user, school, timezone.now())
    alias = Concern.objects.db
    sections = {
        key: Section(title, [], capped=key in CAPPED) for key, (title, _) in SECTIONS.items()
    }
    rows = [
        row
        for statement in statements_for(alias, user.role, values)
        for row in statement.rows(values)
    ]
    # Rows come as (section, position in it, count, overdue count, what is shown as JSON).
    for key, _, total, overdue, shown in sorted(rows, key=lambda row: row[1]):
        section = sections[key]
        section.items.append(record(SECTIONS[key][1], shown, alias))
        section.count, section.overdue = total, overdue
    # The flags on the rows shown, from the same rules.
    for concern in sections["concerns"].items:
        concern.overdue = (
            concern.acknowledged_at is None
            and concern.triaged_at is not None
            and concern.triaged_at < values["acknowledge_by"]
        )
    for enquiry in sections["enquiries"].items:
        enquiry.overdue = enquiry.last_message_at < values["answer_by"]
    return sections


def request_values(user, school, now) -> dict:
    """What one request puts in the statement: the person, the schools they see and those
    whose DSA is in force (from the request's scope), the school chosen, the moment."""
    scope = scope_of(user)
    return {
        **person_values(user),
        "visible": scope.visible_school_ids,
        "in_force": scope.in_force_school_ids,
        "school": getattr(school, "pk", None),
        "acknowledge_by": now - ACKNOWLEDGE_WITHIN,
        "answer_by": now - ANSWER_WITHIN,
        "today": timezone.localtime(now).date(),
    }


def statements_for(alias, role, values) -> list[Prepared]:
    here = values["school"] is not None
    return _statements(alias, role, len(values["visible"]), len(values["in_force"]), here)


@functools.cache
def _statements(alias, role, visible: int, in_force: int, here: bool) -> list[Prepared]:
    """The six sections' statement for one shape: the person's role, how many schools they
    see and how many of those have a DSA in force, and whether one school was chosen.

    One statement where the database takes a UNION of sliced parts (PostgreSQL); one per
    section where it does not (SQLite, the demo's). A section whose rule can find nothing
    in this shape (no school with a DSA in force, say) is left out."""

    def build(stand_in: StandIns, only=None):
        user = stand_in_person(stand_in, role)
        facts = {
            "visible_school_ids": stand_in.ids("visible", visible),
            "in_force_school_ids": stand_in.ids("in_force", in_force),
        }
        with stand_in_scope(user, **facts):
            parts = _parts(
                user,
                stand_in.id("school") if here else None,
                acknowledge_by=stand_in.moment("acknowledge_by"),
                answer_by=stand_in.moment("answer_by"),
                today=stand_in.day("today"),
            )
            first, *others = (part.rows(key) for key, part in parts.items() if only in (None, key))
            return first.union(*others, all=True) if others else first

    if connections[alias].features.supports_slicing_ordering_in_compound:
        each = [None]
    else:
        each = list(SECTIONS)
    statements = []
    for only in each:
        with suppress(EmptyResultSet):
            statements.append(prepare(functools.partial(build, only=only), alias))
    return statements


def _parts(user, school_id, *, acknowledge_by, answer_by, today) -> dict[str, _Part]:
    here = Q(school_id=school_id) if school_id is not None else Q()
    late_acknowledgement = Q(acknowledged_at__isnull=True, triaged_at__lt=acknowledge_by)
    late_answer = Q(last_message_at__lt=answer_by)
    return {
        "concerns": _Part(
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
            Incident.objects.visible_to(user).filter(here, status=Incident.Status.OPEN),
            ("-happened_at",),
            ("code", "reference", "category", "happened_at", "school__name"),
        ),
        "referrals": _Part(
            Referral.objects.visible_to(user).filter(here).open(),
            # The earliest follow-up first (none last), then the newest: for open referrals
            # the list's stored ranks give that order, and their index walks it.
            ("-open_rank", "-follow_up_rank", "-made_at"),
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
            ConferenceAction.objects.visible_to(user).filter(here, done_at__isnull=True),
            ("due_on",),
            ("description", "owner", "due_on", "conference__code"),
            Q(due_on__lt=today),
        ),
        "enquiries": _Part(
            Enquiry.objects.visible_to(user).filter(here).waiting_for(Side.POLICE),
            ("last_message_at",),
            ("code", "subject", "last_message_at", "school__name"),
            late_answer,
        ),
        "session_requests": _Part(
            SessionRequest.objects.visible_to(user).filter(here).waiting(),
            ("requested_at",),
            ("code", "topic", "requested_at", "school__name"),
        ),
    }

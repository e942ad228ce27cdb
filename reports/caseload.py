"""The SSPO's caseload: everything they are doing for their schools, on one page.

Each section is one query that starts from its record's `visible_to(user)` and fetches the
first few open items with the count and overdue count of them all (window aggregates), so
the page answers in a fixed number of queries however many records there are, and renders
the same few rows however many are open.
"""

from dataclasses import dataclass
from datetime import timedelta

from django.db.models import Count, Q, QuerySet, Window
from django.utils import timezone

from incidents.models import Concern, Enquiry, Incident, Side
from referrals.models import Conference, ConferenceAction, Referral

SHOWN = 5  # items listed per section; each section links to its full list
ACKNOWLEDGE_WITHIN = timedelta(days=2)
ANSWER_WITHIN = timedelta(days=3)


@dataclass
class Section:
    title: str
    items: list
    count: int = 0
    overdue: int = 0


def _section(title: str, queryset: QuerySet, overdue: Q | None = None) -> Section:
    """The first SHOWN rows, with the total and the overdue count of them all, in one query.

    Window aggregates over the whole filtered set ride along with the few rows fetched, so
    the page's cost does not grow with what is open beyond what it shows.
    """
    counts = {"total": Window(Count("pk"))}
    if overdue is not None:
        counts["overdue_total"] = Window(Count("pk", filter=overdue))
    items = list(queryset.annotate(**counts)[:SHOWN])
    if not items:
        return Section(title, [])
    return Section(title, items, items[0].total, getattr(items[0], "overdue_total", 0))


def caseload(user, school=None) -> dict[str, Section]:
    now = timezone.now()
    today = timezone.localdate()
    here = Q(school=school) if school is not None else Q()
    late_acknowledgement = Q(acknowledged_at__isnull=True, triaged_at__lt=now - ACKNOWLEDGE_WITHIN)
    late_answer = Q(last_message_at__lt=now - ANSWER_WITHIN)

    sections = {
        "concerns": _section(
            "Shared concerns to acknowledge or act on",
            Concern.objects.visible_to(user)
            .filter(here)
            .filter(police_outcome="")  # an outcome comes only after acknowledgement
            .select_related("school")
            .order_by("acknowledged_at", "-immediate_risk", "triaged_at"),
            late_acknowledgement,
        ),
        "incidents": _section(
            "Open incidents",
            Incident.objects.visible_to(user)
            .filter(here, status=Incident.Status.OPEN)
            .select_related("school")
            .order_by("-happened_at"),
        ),
        "referrals": _section(
            "Open referrals",
            Referral.objects.visible_to(user)
            .filter(here)
            .open()
            .select_related("pupil", "scheme")
            .order_by("follow_up_on", "-made_at"),
            Q(follow_up_on__lte=today),
        ),
        "actions": _section(
            "Case conference actions",
            ConferenceAction.objects.filter(
                conference__in=Conference.objects.visible_to(user).filter(here),
                done_at__isnull=True,
            )
            .select_related("conference")
            .order_by("due_on"),
            Q(due_on__lt=today),
        ),
        "enquiries": _section(
            "Enquiries waiting for your answer",
            Enquiry.objects.visible_to(user)
            .filter(here)
            .waiting_for(Side.POLICE)
            .select_related("school")
            .order_by("last_message_at"),
            late_answer,
        ),
    }
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

"""The SSPO's caseload: everything they are doing for their schools, on one page.

Each section is one query that starts from its record's `visible_to(user)` and fetches the
open items (up to a cap), so the page answers in a fixed number of queries however many
records there are; counts come from those rows, overdue flags from their dates.
"""

from dataclasses import dataclass, field
from datetime import timedelta

from django.db.models import Q
from django.utils import timezone

from incidents.models import Concern, Enquiry, Incident, Side
from referrals.models import Conference, ConferenceAction, Referral
from schools.models import SessionRequest

CAP = 200  # rows fetched per section; the page says "200 or more" beyond it
SHOWN = 10
ACKNOWLEDGE_WITHIN = timedelta(days=2)
ANSWER_WITHIN = timedelta(days=3)


@dataclass
class Section:
    title: str
    rows: list
    overdue: int = 0
    items: list = field(init=False)

    def __post_init__(self):
        self.items = self.rows[:SHOWN]

    @property
    def count(self) -> str:
        return f"{CAP} or more" if len(self.rows) >= CAP else str(len(self.rows))


def caseload(user, school=None) -> dict[str, Section]:
    now = timezone.now()
    today = timezone.localdate()
    here = Q(school=school) if school is not None else Q()

    concerns = list(
        Concern.objects.visible_to(user)
        .filter(here)
        .filter(police_outcome="")  # an outcome comes only after acknowledgement
        .select_related("school")
        .order_by("acknowledged_at", "-immediate_risk", "triaged_at")[:CAP]
    )
    for concern in concerns:
        concern.overdue = (
            concern.acknowledged_at is None
            and concern.triaged_at is not None
            and now - concern.triaged_at > ACKNOWLEDGE_WITHIN
        )
    incidents = list(
        Incident.objects.visible_to(user)
        .filter(here, status=Incident.Status.OPEN)
        .select_related("school")
        .order_by("-happened_at")[:CAP]
    )
    referrals = list(
        Referral.objects.visible_to(user)
        .filter(here)
        .open()
        .select_related("pupil", "scheme")
        .order_by("follow_up_on", "-made_at")[:CAP]
    )
    actions = list(
        ConferenceAction.objects.filter(
            conference__in=Conference.objects.visible_to(user).filter(here), done_at__isnull=True
        )
        .select_related("conference")
        .order_by("due_on")[:CAP]
    )
    enquiries = list(
        Enquiry.objects.visible_to(user)
        .filter(here)
        .waiting_for(Side.POLICE)
        .select_related("school")
        .order_by("last_message_at")[:CAP]
    )
    for enquiry in enquiries:
        enquiry.overdue = now - enquiry.last_message_at > ANSWER_WITHIN
    session_requests = list(
        SessionRequest.objects.visible_to(user)
        .filter(here)
        .waiting()
        .select_related("school")
        .order_by("requested_at")[:CAP]
    )
    return {
        "concerns": Section(
            "Shared concerns to acknowledge or act on", concerns, sum(c.overdue for c in concerns)
        ),
        "incidents": Section("Open incidents", incidents),
        "referrals": Section("Open referrals", referrals, sum(r.follow_up_due for r in referrals)),
        "actions": Section(
            "Case conference actions", actions, sum(a.due_on < today for a in actions)
        ),
        "enquiries": Section(
            "Enquiries waiting for your answer", enquiries, sum(e.overdue for e in enquiries)
        ),
        "session_requests": Section("Session requests waiting", session_requests),
    }

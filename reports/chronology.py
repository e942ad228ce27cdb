"""One chronology per pupil: everything the viewer may see about them, in order of when it
happened (with when it was recorded beside it).

Each source starts from its own `visible_to(user)`, so an entry appears only if the viewer
could open the record itself: staff see what they logged, the school's leads the school's
record, the SSPO what was shared with them, the sergeant their team's.
"""

from dataclasses import dataclass
from datetime import datetime, time

from django.db.models import Exists, OuterRef
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from encompass.models import Notification
from incidents.models import (
    Category,
    Concern,
    ConcernEvent,
    ConcernPupil,
    Enquiry,
    Incident,
    IncidentPupil,
    IncidentSummary,
)
from referrals.models import Conference, Referral
from schools.access import get_pupil_for
from schools.models import Pupil
from ssp.roles import POLICE_ROLES, SCHOOL_LEADS, Role


@dataclass(frozen=True)
class Entry:
    happened_at: datetime
    recorded_at: datetime
    kind: str
    title: str
    detail: str
    target: tuple[str, object]  # the record's page: URL name and code, reversed when shown
    date_only: bool = False
    # The record's own words, as its page shows them to this viewer (empty where it shows none).
    text: str = ""

    @property
    def link(self) -> str:
        # A long history has hundreds of entries and a page shows 25: reverse only those.
        name, code = self.target
        return reverse(name, args=[code])

    # The dates as the page shows them, in London time. Formatted here rather than by the
    # template's date filter, which cost five times as much for the 25 entries of a page.

    @property
    def happened_iso(self) -> str:
        return timezone.localtime(self.happened_at).isoformat()

    @property
    def happened_label(self) -> str:
        when = timezone.localtime(self.happened_at)
        return f"{when:%-d %B %Y}" if self.date_only else f"{when:%-d %B %Y %H:%M}"

    @property
    def recorded_label(self) -> str:
        return f"{timezone.localtime(self.recorded_at):%-d %B %Y %H:%M}"


def pupil_and_chronology(user, code) -> tuple[Pupil, list[Entry]]:
    """The pupil and what the viewer may see of them, or 404.

    School people reach their school's pupils. Police reach a pupil only through a record
    they may see: a pupil with no entry for them does not exist for them. (Deciding that
    from the entries themselves spares a query that took PostgreSQL ~10 ms to plan.)
    """
    annotate = None
    if user.role in SCHOOL_LEADS:
        # Whether any Encompass notification is there to show, asked with the pupil: most
        # pupils have none, and their chronology then costs no query more.
        annotate = {
            "has_encompass": Exists(
                Notification.objects.visible_to(user).filter(pupil=OuterRef("pk"))
            )
        }
    # For police, narrowed below by what the entries show.
    pupil = get_pupil_for(user, code, annotate=annotate)
    entries = chronology(user, pupil)
    if user.role in POLICE_ROLES and not entries:
        raise Http404
    return pupil, entries


def _concern_entries(user, pupil) -> list[Entry]:
    # Plain values rather than model instances: a long history has hundreds of these rows,
    # and building a model (and its reporter) for each cost more than the query.
    links = ConcernPupil.objects.filter(
        pupil=pupil, concern__in=Concern.objects.visible_to(user)
    ).values_list(
        "concern_id",
        "role",
        "concern__code",
        "concern__reference",
        "concern__kind",
        "concern__category",
        "concern__narrative",
        "concern__happened_at",
        "concern__recorded_at",
        "concern__reported_by__first_name",
        "concern__reported_by__last_name",
    )
    entries, concerns = [], {}
    for (
        pk,
        role,
        code,
        reference,
        kind,
        category,
        narrative,
        happened,
        recorded,
        first,
        last,
    ) in links:
        concerns[pk] = (code, reference)
        entries.append(
            Entry(
                happened_at=happened,
                recorded_at=recorded,
                kind="concern",
                title=f"{Concern.Kind(kind).label}: {Category(category).label}",
                detail=f"{ConcernPupil.Role(role).label}. Logged by "
                f"{f'{first} {last}'.strip()} ({reference}).",
                target=("concern_detail", code),
                text=narrative,
            )
        )
    # The triage decision says it was shared; the share's own event would repeat it. The
    # police side (acknowledgement, outcome) is for the school's leads and the police.
    kinds = [ConcernEvent.Kind.TRIAGED]
    if user.role != Role.STAFF:
        kinds += [ConcernEvent.Kind.ACKNOWLEDGED, ConcernEvent.Kind.POLICE_OUTCOME]
    events = ConcernEvent.objects.filter(concern_id__in=concerns, kind__in=kinds).values_list(
        "concern_id",
        "kind",
        "at",
        "to_status",
        "rationale",
        "actor__first_name",
        "actor__last_name",
    )
    for pk, kind, at, to_status, rationale, first, last in events:
        code, reference = concerns[pk]
        title = (
            f"Triage: {Concern.Status(to_status).label if to_status else ''}"
            if kind == ConcernEvent.Kind.TRIAGED
            else ConcernEvent.Kind(kind).label
        )
        entries.append(
            Entry(
                happened_at=at,
                recorded_at=at,
                kind=kind,
                title=title,
                detail=f"By {f'{first} {last}'.strip()} ({reference}).",
                target=("concern_detail", code),
                # The school's reasons for its decision; the police side's notes carry their
                # own references (an incident's), which the school's chronology never shows.
                text=rationale if kind == ConcernEvent.Kind.TRIAGED else "",
            )
        )
    return entries


def _referral_entries(user, pupil) -> list[Entry]:
    # School leads see a summary of police referrals: scheme and status, not purpose or reason.
    police = user.role in POLICE_ROLES
    referrals = (
        Referral.objects.visible_to(user)
        .filter(pupil=pupil)
        .select_related("scheme")
        .only("code", "reference", "purpose", "reason", "status", "made_at", "scheme__name")
    )
    entries = []
    for referral in referrals:
        status = referral.get_status_display().lower()
        purpose = f"{referral.get_purpose_display()}. " if police else ""
        entries.append(
            Entry(
                happened_at=referral.made_at,
                recorded_at=referral.made_at,
                kind="referral",
                title=f"Referral to {referral.scheme.name}",
                detail=f"{purpose}Status: {status} ({referral.reference}).",
                target=("referral_detail", referral.code),
                # The reason is the police's; the school's page shows the summary only.
                text=referral.reason if police else "",
            )
        )
    return entries


def _conference_entries(user, pupil) -> list[Entry]:
    conferences = Conference.objects.visible_to(user).filter(pupils=pupil)
    return [
        Entry(
            happened_at=timezone.make_aware(datetime.combine(c.held_on, time(0, 0))),
            recorded_at=c.recorded_at,
            kind="conference",
            title="Multi-agency case conference",
            detail=f"Agencies: {c.agencies}",
            target=("conference_detail", c.code),
            date_only=True,
            text=c.decisions,
        )
        for c in conferences
    ]


def _incident_entries(user, pupil) -> list[Entry]:
    """Police see their incident records; school leads only the summaries sent to them."""
    if user.role in POLICE_ROLES:
        links = IncidentPupil.objects.filter(
            pupil=pupil, incident__in=Incident.objects.visible_to(user)
        ).select_related("incident")
        return [
            Entry(
                happened_at=link.incident.happened_at,
                recorded_at=link.incident.recorded_at,
                kind="incident",
                title=f"Incident: {link.incident.get_category_display()}",
                detail=f"{link.get_role_display()}. {link.incident.get_status_display()} "
                f"({link.incident.reference}).",
                target=("incident_detail", link.incident.code),
                text=link.incident.narrative,
            )
            for link in links
        ]
    # The pupil's incidents as a subquery rather than a join: no DISTINCT over the rows.
    summaries = (
        IncidentSummary.objects.visible_to(user)
        .filter(incident__in=IncidentPupil.objects.filter(pupil=pupil).values("incident"))
        .select_related("incident", "sent_by")
        .only(
            "code",
            "text",
            "sent_at",
            "incident__happened_at",
            "sent_by__first_name",
            "sent_by__last_name",
        )
    )
    return [
        Entry(
            happened_at=summary.incident.happened_at,
            recorded_at=summary.sent_at,
            kind="incident_summary",
            title="Incident summary from the police",
            detail=f"Sent by {summary.sent_by.get_full_name()}.",
            target=("incident_summary_detail", summary.code),
            text=summary.text,
        )
        for summary in summaries
    ]


def _enquiry_entries(user, pupil) -> list[Entry]:
    enquiries = Enquiry.objects.visible_to(user).filter(pupil=pupil)
    return [
        Entry(
            happened_at=e.opened_at,
            recorded_at=e.opened_at,
            kind="enquiry",
            title=f"Enquiry: {e.subject}",
            detail=f"{e.get_status_display()}.",
            target=("enquiry_detail", e.code),
        )
        for e in enquiries
    ]


def _encompass_entries(user, pupil) -> list[Entry]:
    """The school side only: its leads, who handle the notification. The police read
    receipts of what they sent, not a school's record of the child (encompass/access.py)."""
    if user.role not in SCHOOL_LEADS or not getattr(pupil, "has_encompass", True):
        return []
    notifications = Notification.objects.visible_to(user).filter(pupil=pupil)
    return [
        Entry(
            happened_at=n.incident_at,
            recorded_at=n.received_at,
            kind="encompass",
            title="Operation Encompass notification",
            detail=(
                f"Acknowledged {timezone.localtime(n.acknowledged_at):%-d %B %Y %H:%M}."
                if n.acknowledged_at
                else "Not yet acknowledged."
            )
            + f" ({n.police_reference}).",
            target=("encompass:detail", n.code),
            text=n.circumstances,  # the leads read the notice in full on its page
        )
        for n in notifications
    ]


SOURCES = [
    _concern_entries,
    _incident_entries,
    _referral_entries,
    _conference_entries,
    _enquiry_entries,
    _encompass_entries,
]


def chronology(user, pupil) -> list[Entry]:
    entries = [entry for source in SOURCES for entry in source(user, pupil)]
    return sorted(entries, key=lambda e: (e.happened_at, e.recorded_at), reverse=True)

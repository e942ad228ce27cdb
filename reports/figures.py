"""The figures a partnership's appraisal is computed from, read from the portal itself.

Everything is counted in PostgreSQL (four queries, whatever the number of records) and
returned as plain JSON-ready data, so a review can keep it as a snapshot. A period is whole
days in Europe/London: from midnight at the start of `start` to midnight at the end of
`end`, so a concern logged at 00:30 on 1 September (BST) belongs to the autumn term even
though it is 23:30 on 31 August in UTC.

Records count by the moment they were made in the portal: concerns when logged, shares
when made, incidents when recorded, referrals when made, activities on the day delivered.
"""

import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import (
    Avg,
    Count,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    Subquery,
    Sum,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from agreements.models import Partnership
from incidents.models import Category, Concern, ConcernEvent, Incident, Share
from referrals.models import Referral
from schools.models import Activity

from .aggregates import Hours, Median


def _hours(later, earlier):
    return Hours(ExpressionWrapper(F(later) - F(earlier), output_field=DurationField()))


def _round(value):
    return None if value is None else round(float(value), 1)


def period_bounds(start: datetime.date, end: datetime.date):
    """[start of `start`, start of the day after `end`) as aware datetimes, London time."""
    london = ZoneInfo(settings.TIME_ZONE)
    since = datetime.datetime.combine(start, datetime.time.min, tzinfo=london)
    until = datetime.datetime.combine(
        end + datetime.timedelta(days=1), datetime.time.min, tzinfo=london
    )
    return since, until


def _concern_figures(school_id, since, until) -> dict:
    """Logged, shared, and the times to triage and to acknowledgement: one query.

    Triage is the first triage decision (a later escalation moves triaged_at on); the share
    is the first share of the concern.
    """
    shares = Share.objects.filter(concern=OuterRef("pk")).order_by("at", "pk").values("at")[:1]
    first_triage = (
        ConcernEvent.objects.filter(concern=OuterRef("pk"), kind=ConcernEvent.Kind.TRIAGED)
        .order_by("at", "pk")
        .values("at")[:1]
    )
    logged = Q(recorded_at__gte=since, recorded_at__lt=until)
    shared = Q(first_shared_at__gte=since, first_shared_at__lt=until)
    concerns = (
        Concern.objects.filter(school_id=school_id)
        .filter(
            logged
            | Exists(Share.objects.filter(concern=OuterRef("pk"), at__gte=since, at__lt=until))
        )
        .annotate(
            first_shared_at=Subquery(shares),
            first_triaged_at=Coalesce(Subquery(first_triage), F("triaged_at")),
        )
        .annotate(
            triage_hours=_hours("first_triaged_at", "recorded_at"),
            acknowledgement_hours=_hours("acknowledged_at", "first_shared_at"),
        )
    )
    triaged = logged & Q(first_triaged_at__isnull=False)
    acknowledged = shared & Q(acknowledged_at__isnull=False)
    row = concerns.aggregate(
        logged=Count("pk", filter=logged),
        early_intervention=Count("pk", filter=logged & Q(kind=Concern.Kind.EARLY_INTERVENTION)),
        triaged=Count("pk", filter=triaged),
        shared=Count("pk", filter=shared),
        acknowledged=Count("pk", filter=acknowledged),
        triage_median=Median("triage_hours", filter=triaged),
        triage_mean=Avg("triage_hours", filter=triaged),
        acknowledgement_median=Median("acknowledgement_hours", filter=acknowledged),
    )
    return {
        "logged": row["logged"],
        "early_intervention": row["early_intervention"],
        "triaged": row["triaged"],
        "triage_hours_median": _round(row["triage_median"]),
        "triage_hours_mean": _round(row["triage_mean"]),
        "shared": row["shared"],
        "acknowledged": row["acknowledged"],
        "acknowledgement_hours_median": _round(row["acknowledgement_median"]),
    }


def _incident_figures(school_id, since, until) -> dict:
    rows = (
        Incident.objects.filter(school_id=school_id, recorded_at__gte=since, recorded_at__lt=until)
        .values("category")
        .annotate(count=Count("pk"))
        .order_by("-count", "category")
    )
    by_category = [
        {"category": r["category"], "label": Category(r["category"]).label, "count": r["count"]}
        for r in rows
    ]
    return {"recorded": sum(r["count"] for r in by_category), "by_category": by_category}


def _referral_figures(school_id, since, until) -> dict:
    """Referrals made in the period, by where they stand now (their outcome once ended)."""
    rows = dict(
        Referral.objects.filter(school_id=school_id, made_at__gte=since, made_at__lt=until)
        .values("status")
        .annotate(count=Count("pk"))
        .order_by()
        .values_list("status", "count")
    )
    by_status = [
        {"status": status.value, "label": status.label, "count": rows[status.value]}
        for status in Referral.Status
        if rows.get(status.value)
    ]
    return {"made": sum(rows.values()), "by_status": by_status}


def _activity_figures(school_id, start, end) -> dict:
    rows = dict(
        (r["kind"], r)
        for r in Activity.objects.filter(
            school_id=school_id, status=Activity.Status.DELIVERED, on__gte=start, on__lte=end
        )
        .values("kind")
        .annotate(count=Count("pk"), pupils=Sum("pupils_count"))
        .order_by()
    )
    by_kind = [
        {
            "kind": kind.value,
            "label": kind.label,
            "count": rows[kind.value]["count"],
            "pupils": rows[kind.value]["pupils"] or 0,
        }
        for kind in Activity.Kind
        if kind.value in rows
    ]
    sessions = [k for k in by_kind if k["kind"] in Activity.SESSION_KINDS]
    return {
        "patrols": rows.get(Activity.Kind.PATROL, {}).get("count", 0),
        "sessions": sum(k["count"] for k in sessions),
        "pupils_reached": sum(k["pupils"] for k in sessions),
        "by_kind": by_kind,
    }


def partnership_figures(
    partnership: Partnership, start: datetime.date, end: datetime.date
) -> dict:
    """The appraisal figures of one partnership's school for the days start to end."""
    since, until = period_bounds(start, end)
    school_id = partnership.school_id
    return {
        "period": {"start": start.isoformat(), "end": end.isoformat()},
        "computed_at": timezone.now().isoformat(),
        "concerns": _concern_figures(school_id, since, until),
        "incidents": _incident_figures(school_id, since, until),
        "referrals": _referral_figures(school_id, since, until),
        "activities": _activity_figures(school_id, start, end),
    }

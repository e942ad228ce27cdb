"""Writes for the activity log and session requests: one service per verb.

Each opens a transaction, locks the row it changes, checks the predicate and the allowed
move, saves with the acting user in its history, and tells the other side.
"""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from ssp.notifications import notify
from ssp.scope import fresh_scope
from ssp.submissions import once_per_form

from .access import (
    can_answer_session_request,
    can_close_activity,
    can_correct_activity,
    can_record_activity,
    can_request_session,
    can_withdraw_session_request,
)
from .models import Activity, Assignment, Membership, Officer, School, SessionRequest, Team

# The fields a recorder may set; everything else (school, officer, who, when) the service sets.
DETAIL_FIELDS = (
    "starts_at",
    "ends_at",
    "area",
    "partners",
    "addressed",
    "theme",
    "year_groups",
    "pupils_count",
    "initiative",
    "notes",
)


class RecordChanged(Exception):
    """Someone else changed the record first; the caller shows it as it is now."""


def latest_change(record) -> int:
    """The id of a history-tracked record's latest historical row: its version, in effect.

    A form carries it; a save compares it under the row lock, so a change made since the
    form was shown is never silently overwritten.
    """
    return record.history.order_by("-history_id").values_list("history_id", flat=True)[0]


def school_leads(school: School) -> list:
    return [m.user for m in Membership.objects.spocs_of(school).select_related("user")]


def school_recorders(school: School) -> list:
    """Who answers a school's requests: its SSPO, or the YET where it has none."""
    today = timezone.localdate()
    current = Q(left_on__isnull=True) | Q(left_on__gt=today)
    sspos = Officer.objects.filter(
        current, pk__in=Assignment.objects.current().filter(school=school).values("officer")
    )
    officers = list(sspos.select_related("user"))
    if not school.meets_sspo_criteria:
        officers += Officer.objects.filter(
            current,
            team__force=school.force_id,
            team__kind=Team.Kind.YOUTH_ENGAGEMENT,
            rank=Officer.Rank.CONSTABLE,
        ).select_related("user")
    return [officer.user for officer in officers]


def _check_details(status: str, on: datetime.date, details: dict) -> None:
    if status == Activity.Status.DELIVERED and on > timezone.localdate():
        raise ValidationError({"on": "The date must be today or in the past."})
    starts_at, ends_at = details.get("starts_at"), details.get("ends_at")
    if starts_at and ends_at and ends_at <= starts_at:
        raise ValidationError({"ends_at": "The end time must be after the start time."})


@once_per_form(Activity)
@transaction.atomic
def activity_record(*, by, school: School, kind: str, on: datetime.date, **details) -> Activity:
    """Record something delivered at a school, as the SSPO or the YET officer did it."""
    school = School.objects.select_for_update().get(pk=school.pk)
    fresh_scope(by)
    if not can_record_activity(by, school):
        raise PermissionDenied
    _check_details(Activity.Status.DELIVERED, on, details)
    activity = Activity(
        school=school,
        officer=by.officer,
        kind=kind,
        status=Activity.Status.DELIVERED,
        on=on,
        recorded_by=by,
        **{name: details[name] for name in DETAIL_FIELDS if name in details},
    )
    activity._history_user = by
    activity.save()
    return activity


@transaction.atomic
def activity_correct(*, activity: Activity, by, seen: int, on: datetime.date, **details):
    """The recorder corrects their entry; the history keeps what it said before."""
    activity = Activity.objects.select_for_update().get(pk=activity.pk)
    fresh_scope(by)
    if not can_correct_activity(by, activity):
        raise PermissionDenied
    if latest_change(activity) != seen:
        raise RecordChanged(activity)
    _check_details(activity.status, on, details)
    changed = ["on"]
    activity.on = on
    for name in DETAIL_FIELDS:
        if name in details:
            setattr(activity, name, details[name])
            changed.append(name)
    activity._history_user = by
    activity.save(update_fields=changed)
    return activity


@transaction.atomic
def activity_close(
    *, activity: Activity, by, status: str, pupils_count: int | None = None, reason: str = ""
) -> Activity:
    """A scheduled session was delivered (with how many pupils) or cancelled (and why)."""
    activity = Activity.objects.select_for_update().get(pk=activity.pk)
    fresh_scope(by)
    if not can_close_activity(by, activity):
        raise PermissionDenied
    if not activity.can_move_to(status):
        raise RecordChanged(activity)
    changed = ["status"]
    if status == Activity.Status.DELIVERED:
        if activity.on > timezone.localdate():
            raise ValidationError(
                {"status": "A session can be marked delivered on or after its date."}
            )
        if not pupils_count:
            raise ValidationError({"pupils_count": "Enter the number of pupils."})
        activity.pupils_count = pupils_count
        changed.append("pupils_count")
    else:
        if not reason.strip():
            raise ValidationError({"reason": "Say why the session was cancelled."})
        activity.notes = f"{activity.notes}\n\nCancelled: {reason.strip()}".strip()
        changed.append("notes")
    activity.status = status
    activity._history_user = by
    activity.save(update_fields=changed)
    if status == Activity.Status.CANCELLED and activity.session_request_id:
        notify(
            recipients=school_leads(activity.school),
            subject="A session your school asked for has been cancelled",
            link=reverse("session_request_detail", args=[activity.session_request.code]),
            reference=f"Session request: {activity.school.name}",
        )
    return activity


# Session requests -----------------------------------------------------------------------


@once_per_form(SessionRequest)
@transaction.atomic
def session_request_make(
    *, by, school: School, topic: str, year_groups: list[str], preferred_dates: str, notes=""
) -> SessionRequest:
    school = School.objects.select_for_update().get(pk=school.pk)
    fresh_scope(by)
    if not can_request_session(by, school):
        raise PermissionDenied
    session_request = SessionRequest(
        school=school,
        requested_by=by,
        topic=topic.strip(),
        year_groups=sorted(year_groups, key=int),
        preferred_dates=preferred_dates.strip(),
        notes=notes.strip(),
    )
    session_request._history_user = by
    session_request.save()
    notify(
        recipients=school_recorders(school),
        subject="A school has asked for a session",
        link=reverse("session_request_detail", args=[session_request.code]),
        reference=f"Session request: {session_request.school.name}",
    )
    return session_request


def _locked_request(session_request: SessionRequest, by, allowed, seen_version: int):
    locked = SessionRequest.objects.select_for_update().get(pk=session_request.pk)
    fresh_scope(by)
    if not allowed(by, locked):
        raise PermissionDenied
    if locked.version != seen_version:
        raise RecordChanged(locked)
    return locked


def _answer(session_request: SessionRequest, by, status: str, fields: list[str]) -> None:
    if not session_request.can_move_to(status):
        raise RecordChanged(session_request)
    session_request.status = status
    session_request.version += 1
    session_request._history_user = by
    session_request.save(update_fields=["status", "version", *fields])


@transaction.atomic
def session_request_schedule(
    *,
    session_request: SessionRequest,
    by,
    kind: str,
    on: datetime.date,
    starts_at: datetime.time,
    ends_at: datetime.time | None = None,
    seen_version: int,
) -> Activity:
    """Accept a request: it becomes a scheduled session in the school's activity log."""
    session_request = _locked_request(
        session_request, by, can_answer_session_request, seen_version
    )
    if kind not in Activity.SESSION_KINDS:
        raise ValidationError({"kind": "Choose the kind of session."})
    if on < timezone.localdate():
        raise ValidationError({"on": "The date must be today or later."})
    if ends_at and ends_at <= starts_at:
        raise ValidationError({"ends_at": "The end time must be after the start time."})
    session_request.answered_by = by
    session_request.answered_at = timezone.now()
    _answer(session_request, by, SessionRequest.Status.SCHEDULED, ["answered_by", "answered_at"])
    activity = Activity(
        school=session_request.school,
        officer=by.officer,
        kind=kind,
        status=Activity.Status.SCHEDULED,
        on=on,
        starts_at=starts_at,
        ends_at=ends_at,
        theme=session_request.topic,
        year_groups=session_request.year_groups,
        session_request=session_request,
        recorded_by=by,
    )
    activity._history_user = by
    activity.save()
    notify(
        recipients=[session_request.requested_by, *school_leads(session_request.school)],
        subject="A session your school asked for has been scheduled",
        link=reverse("session_request_detail", args=[session_request.code]),
        reference=f"Session request: {session_request.school.name}",
    )
    return activity


@transaction.atomic
def session_request_decline(
    *, session_request: SessionRequest, by, reason: str, seen_version: int
) -> SessionRequest:
    session_request = _locked_request(
        session_request, by, can_answer_session_request, seen_version
    )
    if not reason.strip():
        raise ValidationError({"reason": "Say why you are declining the request."})
    session_request.answered_by = by
    session_request.answered_at = timezone.now()
    session_request.decline_reason = reason.strip()
    _answer(
        session_request,
        by,
        SessionRequest.Status.DECLINED,
        ["answered_by", "answered_at", "decline_reason"],
    )
    notify(
        recipients=[session_request.requested_by, *school_leads(session_request.school)],
        subject="A session your school asked for has been declined",
        link=reverse("session_request_detail", args=[session_request.code]),
        reference=f"Session request: {session_request.school.name}",
    )
    return session_request


@transaction.atomic
def session_request_withdraw(
    *, session_request: SessionRequest, by, seen_version: int
) -> SessionRequest:
    session_request = _locked_request(
        session_request, by, can_withdraw_session_request, seen_version
    )
    _answer(session_request, by, SessionRequest.Status.WITHDRAWN, [])
    notify(
        recipients=school_recorders(session_request.school),
        subject="A school has withdrawn a session request",
        link=reverse("session_request_detail", args=[session_request.code]),
        reference=f"Session request: {session_request.school.name}",
    )
    return session_request

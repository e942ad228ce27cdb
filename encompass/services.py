"""Writes to Operation Encompass notifications. Keyword-only; each re-checks under a row
lock, so a role or place lost a moment ago (the notification is out of reach: 404), a
predicate that no longer holds (403), or a second acknowledgement, is refused at the last
moment."""

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from agreements.models import Disclosure, Gateway
from agreements.services import disclosure_record, disclosures_acknowledge
from schools.models import Membership, Pupil, School
from ssp.access import lock_visible_or_404
from ssp.notifications import Kind, notify
from ssp.submissions import once_per_form

from . import access
from .models import Notification, TermDate
from .schooldays import next_school_day_start

# What a sender supplies; the rest (school, deadline, match) the portal works out.
FIELDS = (
    "child_first_name",
    "child_last_name",
    "child_date_of_birth",
    "police_reference",
    "incident_at",
    "incident_location",
    "child_presence",
    "child_whereabouts",
    "voice_of_child",
    "circumstances",
    "other_information",
)


class AlreadyAcknowledged(Exception):
    """Someone else acknowledged the notification first."""


def candidates(notification: Notification):
    """The school's current pupils with the child's name and date of birth."""
    return Pupil.objects.filter(
        school=notification.school_id,
        left_on__isnull=True,
        first_name__iexact=notification.child_first_name.strip(),
        last_name__iexact=notification.child_last_name.strip(),
        date_of_birth=notification.child_date_of_birth,
    )


def receive(
    *,
    school: School,
    details: dict,
    sender=None,
    client_code=None,
    client_force=None,
    idempotency_key: str = "",
) -> tuple[Notification, bool]:
    """Take in one notification from a person of the force's Encompass team (`sender`) or
    from the force's machine client (`client_code`, `client_force`). Returns (notification,
    created): a client's replay of an Idempotency-Key returns the first, nothing saved twice.
    """
    if (sender is None) == (client_code is None):
        raise ValueError("A notification has one sender: a person or a client.")
    if client_code is not None and idempotency_key:
        first = Notification.objects.filter(
            sent_by_client=client_code, idempotency_key=idempotency_key
        ).first()
        if first is not None:
            return first, False
    unknown = set(details) - set(FIELDS)
    if unknown:
        raise ValueError(f"Unknown fields: {', '.join(sorted(unknown))}")
    try:
        with transaction.atomic():
            school = School.objects.select_for_update().get(pk=school.pk)
            if sender is not None:
                allowed = access.can_send_for(sender, school)
            else:
                allowed = access.schools_sendable_by_force(client_force).filter(pk=school.pk)
                allowed = allowed.exists()
            if not allowed:
                raise PermissionDenied
            now = timezone.now()
            notification = Notification(
                school=school,
                sent_by=sender,
                sent_by_client=client_code,
                idempotency_key=idempotency_key,
                received_at=now,
                deadline=next_school_day_start(school, now),
                **details,
            )
            notification.save()
            found = list(candidates(notification)[:2])
            if len(found) == 1:
                notification.pupil = found[0]
                notification.save(update_fields=["pupil"])
            key_adults = _tell_key_adults(notification)
            # A police to school disclosure under Operation Encompass, not the SSP's DSA.
            disclosure_record(
                school=school,
                direction=Disclosure.Direction.TO_SCHOOL,
                kind=Disclosure.Kind.ENCOMPASS,
                record_code=notification.code,
                by=sender,
                client=client_code,
                to=key_adults[0] if key_adults else None,
                gateway=Gateway.OPERATION_ENCOMPASS,
            )
    except IntegrityError:
        # Two replays of one key at once: the other one won; return its notification.
        if client_code is not None and idempotency_key:
            first = Notification.objects.get(
                sent_by_client=client_code, idempotency_key=idempotency_key
            )
            return first, False
        raise
    return notification, True


def _reference(notification: Notification) -> str:
    return f"Encompass: {notification.police_reference}"


def _link(notification: Notification) -> str:
    return reverse("encompass:detail", args=[notification.code])


def _tell_key_adults(notification: Notification) -> list:
    # Nothing of the child or the incident leaves the portal: the e-mail says only that
    # there is a notification to read before the school day starts.
    recipients = [
        m.user for m in Membership.objects.spocs_of(notification.school_id).select_related("user")
    ]
    if not recipients:  # no SPOC or deputy: the head is the key adult
        recipients = [
            m.user
            for m in Membership.objects.heads_of(notification.school_id).select_related("user")
        ]
    notify(
        recipients=recipients,
        subject="Operation Encompass notification: read before the school day starts",
        link=_link(notification),
        reference=_reference(notification),
        kind=Kind.ENCOMPASS,
    )
    return recipients


def match_pupil(*, user, notification: Notification, pupil: Pupil) -> Notification:
    """The key adult picks the pupil the notification is about, from their school's roll."""
    with transaction.atomic():
        locked = lock_visible_or_404(user, notification)
        if not access.can_handle(user, locked):
            raise PermissionDenied
        if pupil.school_id != locked.school_id or pupil.left_on is not None:
            raise PermissionDenied
        locked.pupil = pupil
        locked.matched_by = user
        locked.save(update_fields=["pupil", "matched_by"])
    return locked


def acknowledge(*, user, notification: Notification, support_plan: str) -> Notification:
    """The key adult has read it and says what support is planned. Once: a second
    acknowledgement (another key adult at the same moment) is told it came too late."""
    with transaction.atomic():
        locked = lock_visible_or_404(user, notification)
        if not access.can_handle(user, locked):
            raise PermissionDenied
        if locked.acknowledged_at is not None:
            raise AlreadyAcknowledged
        locked.acknowledged_at = timezone.now()
        locked.acknowledged_by = user
        locked.support_plan = support_plan
        locked.save(update_fields=["acknowledged_at", "acknowledged_by", "support_plan"])
        # The key adult's acknowledgement is the recipient's, in the sharing log.
        disclosures_acknowledge(
            by=user,
            record_codes=[locked.code],
            kinds=[Disclosure.Kind.ENCOMPASS],
            at=locked.acknowledged_at,
        )
    return locked


def escalate_overdue(*, now: dt.datetime | None = None) -> int:
    """Tell the head of each notification unacknowledged past its deadline, once."""
    now = now or timezone.now()
    count = 0
    pending = Notification.objects.unacknowledged_past_deadline(now).values_list("pk", flat=True)
    for pk in list(pending):
        with transaction.atomic():
            locked = (
                Notification.objects.select_for_update(skip_locked=True)
                .unacknowledged_past_deadline(now)
                .filter(pk=pk)
                .first()
            )
            if locked is None:
                continue
            locked.escalated_at = now
            locked.save(update_fields=["escalated_at"])
            notify(
                recipients=[
                    m.user
                    for m in Membership.objects.heads_of(locked.school_id).select_related("user")
                ],
                subject="Operation Encompass notification not acknowledged by the school day",
                link=_link(locked),
                reference=_reference(locked),
                kind=Kind.ENCOMPASS,
            )
            count += 1
    return count


@once_per_form(Notification)
def send(*, by, school: School, details: dict) -> Notification:
    """The force's Encompass team sends from the form: the same intake as the force's client
    (`receive`), once per rendered form however often it is posted."""
    notification, _created = receive(school=school, details=details, sender=by)
    return notification


# --- Term dates ---------------------------------------------------------------------------


@once_per_form(TermDate)
def term_date_add(
    *, by, school: School, kind: str, starts_on: dt.date, ends_on: dt.date, label: str = ""
) -> TermDate:
    """A term or a holiday the school keeps. A span ends on or after it starts and overlaps
    no other of its kind (a holiday may fall inside a term: half-term takes days out of it).
    The school row is locked, so two spans added at once cannot overlap each other."""
    if kind not in TermDate.Kind.values:
        raise ValidationError({"kind": "Choose a term or a holiday."})
    if ends_on < starts_on:
        raise ValidationError({"ends_on": "The last day must be on or after the first day."})
    with transaction.atomic():
        locked = School.objects.select_for_update().get(pk=school.pk)
        if not access.can_keep_term_dates(by, locked):
            raise PermissionDenied
        clash = (
            TermDate.objects.filter(
                school=locked, kind=kind, starts_on__lte=ends_on, ends_on__gte=starts_on
            )
            .order_by("starts_on")
            .first()
        )
        if clash is not None:
            raise ValidationError(
                {
                    "starts_on": f"These dates overlap the {clash.get_kind_display().lower()} "
                    f"{clash.starts_on:%-d %B %Y} to {clash.ends_on:%-d %B %Y}."
                }
            )
        term_date = TermDate(
            school=locked, kind=kind, label=label.strip(), starts_on=starts_on, ends_on=ends_on
        )
        term_date._history_user = by
        term_date.save()
    return term_date


def term_date_remove(*, by, term_date: TermDate) -> None:
    with transaction.atomic():
        locked = TermDate.objects.select_for_update().filter(pk=term_date.pk).first()
        if locked is None:
            return  # removed a moment ago by someone else: what they wanted is done
        if not access.can_keep_term_dates(by, locked.school):
            raise PermissionDenied
        locked._history_user = by
        locked.delete()

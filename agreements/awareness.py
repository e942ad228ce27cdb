"""Staff awareness of the SSP, and the head teacher's duties made visible.

Every member of staff of a school confirms they have read the summary of the current
version of the force's SSP protocol; a new version asks them again. The head sees who has
and who has not, beside their other duties: the SPOC named, the protocol and the DSA signed.
"""

import datetime
import uuid
from dataclasses import dataclass
from typing import NamedTuple

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Exists, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone

from schools.models import Membership, School, today
from ssp.notifications import notify
from ssp.roles import Role
from ssp.scope import fresh_scope, scope_of
from ssp.statements import prepared_for_schools
from ssp.submissions import once_per_form

from .access import can_confirm_awareness, can_read_awareness
from .models import AwarenessConfirmation, AwarenessReminder, Document, Partnership, Signature


def staff_of(school_id, on=None):
    """The school's current members of staff: everyone there but the head (who signs)."""
    return Membership.objects.staff_of(school_id, on=on)


def _current(kind, field="pk"):
    return Subquery(Document.objects.current_of(OuterRef("force"), kind).values(field)[:1])


def _confirmed(user) -> Exists:
    return Exists(
        AwarenessConfirmation.objects.filter(
            partnership=OuterRef("pk"), document=OuterRef("protocol_id"), user=user
        )
    )


def awareness_due(user) -> list[Partnership]:
    """The partnerships whose current SSP summary this member of staff has yet to confirm."""
    staff_at = scope_of(user).held_school_ids(Role.STAFF)
    if not staff_at:
        return []
    return list(
        Partnership.objects.filter(school__in=sorted(staff_at))
        .exclude(status=Partnership.Status.ENDED)
        .annotate(protocol_id=_current(Document.Kind.PROTOCOL))
        .filter(protocol_id__isnull=False)
        .exclude(_confirmed(user))
        .select_related("school")
        .order_by("school__name")
    )


def current_protocol(partnership: Partnership) -> Document | None:
    return Document.objects.current_of(partnership.force_id, Document.Kind.PROTOCOL).first()


def confirmation_of(partnership: Partnership, document: Document | None, user):
    if document is None:
        return None
    return AwarenessConfirmation.objects.filter(
        partnership=partnership, document=document, user=user
    ).first()


@once_per_form(AwarenessConfirmation)
@transaction.atomic
def awareness_confirm(*, partnership: Partnership, document_code, by) -> AwarenessConfirmation:
    """Record that a member of staff has read the summary they were shown.

    They confirm the version they read: if a new one was published meanwhile, they are told
    and asked to read that one. Confirming twice keeps the first confirmation.
    """
    # The partnership's row, then the question again: someone who left the school since the
    # page was loaded confirms nothing.
    partnership = Partnership.objects.select_for_update().get(pk=partnership.pk)
    fresh_scope(by)
    if not Partnership.objects.visible_to(by).filter(pk=partnership.pk).exists():
        raise PermissionDenied
    if not can_confirm_awareness(by, partnership):
        raise PermissionDenied
    document = current_protocol(partnership)
    if document is None or str(document.code) != str(document_code):
        raise ValidationError(
            "A new version of the SSP summary has been published since you opened this page. "
            "Read the new version below, then confirm."
        )
    try:
        with transaction.atomic():
            return AwarenessConfirmation.objects.create(
                partnership=partnership, document=document, user=by
            )
    except IntegrityError:
        return AwarenessConfirmation.objects.get(
            partnership=partnership, document=document, user=by
        )


def awareness_list(partnership: Partnership, document: Document | None):
    """The school's current staff, with when each confirmed the current version (if they
    did): those who have not first. One query, however many staff."""
    confirmation = AwarenessConfirmation.objects.filter(
        partnership=partnership, document=document, user=OuterRef("user")
    )
    return (
        staff_of(partnership.school_id)
        .select_related("user")
        .annotate(
            has_confirmed=Exists(confirmation),
            confirmed_at=Subquery(confirmation.values("confirmed_at")[:1]),
        )
        .order_by("has_confirmed", "user__last_name", "user__first_name", "pk")
    )


def reminded_today(partnership: Partnership) -> AwarenessReminder | None:
    """Today's reminder (London's day), if the head has sent one."""
    start = timezone.make_aware(datetime.datetime.combine(timezone.localdate(), datetime.time()))
    return partnership.awareness_reminders.filter(sent_at__gte=start).first()


@transaction.atomic
def awareness_remind(*, partnership: Partnership, by) -> int:
    """Remind, in the portal and by e-mail, the current staff who have not confirmed the
    current summary; return how many. Once a day: the partnership's row serialises two
    presses, and the second is told the staff were reminded already."""
    locked = (
        Partnership.objects.select_for_update().select_related("school").get(pk=partnership.pk)
    )
    fresh_scope(by)
    if not can_read_awareness(by, locked):
        raise PermissionDenied
    document = current_protocol(locked)
    if document is None:
        raise ValidationError("There is no published summary for staff to read yet.")
    earlier = reminded_today(locked)
    if earlier is not None:
        raise ValidationError(
            f"Staff were already reminded today at {timezone.localtime(earlier.sent_at):%H:%M}. "
            "You can remind them again tomorrow."
        )
    waiting = [
        m.user
        for m in awareness_list(locked, document).filter(has_confirmed=False)
        if m.user.is_active
    ]
    if not waiting:
        raise ValidationError("Every member of staff has confirmed: there is no one to remind.")
    notify(
        recipients=waiting,
        subject="Please read the Safer Schools Partnership summary and confirm",
        link=reverse("ssp_summary", args=[locked.code]),
        reference=f"Partnership: {locked.school.name}",
    )
    reminder = AwarenessReminder(
        partnership=locked, document=document, sent_by=by, reminded=len(waiting)
    )
    reminder._history_user = by
    reminder.save()
    return len(waiting)


# ---------------------------------------------------------------------------------------
# The head teacher's duties.


class DutyFacts(NamedTuple):
    """What the head's duties show of a partnership: its current protocol and DSA (None
    before the force publishes one), who has signed them, and its staff's confirmations."""

    code: uuid.UUID
    protocol_id: int | None
    dsa_id: int | None
    protocol_version: int | None
    dsa_version: int | None
    protocol_signed_by_school: bool
    protocol_signed_by_force: bool
    dsa_signed_by_school: bool
    dsa_signed_by_force: bool
    staff_count: int
    confirmed_count: int


@dataclass
class HeadDuties:
    school: School
    partnership: DutyFacts | None
    spoc: object | None  # (name, designation), as the home reads the school's leads
    deputy: object | None


def _signed(kind_field: str, side: str) -> Exists:
    return Exists(
        Signature.objects.filter(
            partnership=OuterRef("pk"),
            document=OuterRef(kind_field),
            side=side,
            revoked_at__isnull=True,
        )
    )


def _count(queryset, group_by: str):
    counted = queryset.values(group_by).annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def head_duties(user, *, schools) -> list[HeadDuties]:
    """For each school the person heads: the SPOC and deputy, whether the school has signed
    the current protocol and DSA (and the force has), and how many of the current staff
    have confirmed the current SSP summary. One query, however many staff.

    `schools` are the person's schools as the home page loads them, with their SPOC and
    deputy as `leads` ((name, designation) each); the ones they head are read from it.
    """
    headed = scope_of(user).held_school_ids(Role.HEAD)
    if not headed:
        return []
    schools = sorted((s for s in schools if s.pk in headed), key=lambda s: s.name)
    school_ids = sorted(school.pk for school in schools)
    # Eleven subqueries: built and compiled once per process for each number of schools
    # headed (ssp.statements), then run with the head's schools and the day.
    statement = prepared_for_schools(_duties_query, Partnership.objects.db, len(school_ids))
    partnerships = {
        school_id: DutyFacts(*facts)
        for school_id, *facts in statement.rows({"schools": school_ids, "today": today()})
    }
    duties = []
    for school in schools:
        by_designation = {m.designation: m for m in school.leads}
        duties.append(
            HeadDuties(
                school=school,
                partnership=partnerships.get(school.pk),
                spoc=by_designation.get(Membership.Designation.SPOC),
                deputy=by_designation.get(Membership.Designation.DEPUTY),
            )
        )
    return duties


def _duties_query(school_ids, on):
    staff = staff_of(OuterRef("school_id"), on=on)
    confirmations = AwarenessConfirmation.objects.filter(
        partnership=OuterRef("pk"),
        document=OuterRef("protocol_id"),
        user__in=staff_of(OuterRef(OuterRef("school_id")), on=on).values("user"),
    )
    return (
        Partnership.objects.filter(school__in=school_ids)
        .annotate(
            protocol_id=_current(Document.Kind.PROTOCOL),
            dsa_id=_current(Document.Kind.DSA),
            protocol_version=_current(Document.Kind.PROTOCOL, "version"),
            dsa_version=_current(Document.Kind.DSA, "version"),
        )
        .annotate(
            protocol_signed_by_school=_signed("protocol_id", Signature.Side.SCHOOL),
            protocol_signed_by_force=_signed("protocol_id", Signature.Side.FORCE),
            dsa_signed_by_school=_signed("dsa_id", Signature.Side.SCHOOL),
            dsa_signed_by_force=_signed("dsa_id", Signature.Side.FORCE),
            staff_count=_count(staff, "school_id"),
            confirmed_count=_count(confirmations, "partnership"),
        )
        .values_list("school_id", *DutyFacts._fields)
        .order_by()
    )

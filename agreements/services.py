from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from schools.models import Assignment, School

from .models import Disclosure, Document, Partnership, PartnershipEvent, Signature


@dataclass(frozen=True)
class SharingCheck:
    """Whether a school may share with its SSPO now, and if not, why not."""

    allowed: bool
    reason: str = ""
    partnership: Partnership | None = None
    sspo: object | None = None  # the officer's user
    document: Document | None = None  # the DSA version in force


def sharing_allowed(school: School) -> SharingCheck:
    """Nothing moves from a school to the police without a live partnership and DSA.

    Read on every request that moves or shows shared data, so a lapse or revocation takes
    effect at once. The same rule as Partnership.objects.in_force(), with the reason.
    """
    partnership = Partnership.objects.filter(school=school).first()
    if partnership is None:
        return SharingCheck(False, f"{school.name} has no Safer Schools Partnership.")
    if partnership.status != Partnership.Status.ACTIVE:
        return SharingCheck(
            False,
            f"The partnership is {partnership.get_status_display().lower()}, not active.",
            partnership,
        )
    dsa = Document.objects.current_of(school.force_id, Document.Kind.DSA).first()
    if dsa is None:
        return SharingCheck(
            False, "The force has not published a data sharing agreement.", partnership
        )
    if dsa.expires_on < timezone.localdate():
        return SharingCheck(
            False,
            f"The data sharing agreement (version {dsa.version}) expired at the end of "
            f"{dsa.expires_on:%-d %B %Y}.",
            partnership,
        )
    sides = set(
        Signature.objects.filter(
            partnership=partnership, document=dsa, revoked_at__isnull=True
        ).values_list("side", flat=True)
    )
    if Signature.Side.SCHOOL not in sides:
        return SharingCheck(
            False,
            f"The head teacher has not signed the current data sharing agreement "
            f"(version {dsa.version}).",
            partnership,
        )
    if Signature.Side.FORCE not in sides:
        return SharingCheck(
            False,
            f"The force has not signed the current data sharing agreement "
            f"(version {dsa.version}).",
            partnership,
        )
    assignment = (
        Assignment.objects.current()
        .filter(school=school)
        .select_related("officer__user")
        .order_by("starts_on")
        .first()
    )
    if assignment is None:
        return SharingCheck(False, "No Safer Schools Police Officer is assigned.", partnership)
    return SharingCheck(True, "", partnership, assignment.officer.user, dsa)


def in_force_school_ids(user) -> list[int]:
    """Of the schools a person may see, those whose DSA is in force now: once a request.

    Police scopes filter by these ids as constants (cheap to plan), and because they are
    worked out on every request, a revocation or lapse takes effect on the next one.
    """
    cached = getattr(user, "_in_force_school_ids", None)
    if cached is None:
        cached = list(
            Partnership.objects.filter(school_id__in=School.objects.visible_ids(user))
            .in_force()
            .values_list("school_id", flat=True)
        )
        user._in_force_school_ids = cached
    return cached


def agreement_label(check: SharingCheck) -> str:
    dsa = check.document
    return f"Data sharing agreement v{dsa.version}, in force until {dsa.expires_on:%-d %B %Y}"


def disclosure_record(
    *, school: School, direction: str, kind: str, record_code, by, to
) -> Disclosure:
    """Log one disclosure. Refuses if the school's agreement does not allow sharing now."""
    check = sharing_allowed(school)
    if not check.allowed:
        raise ValidationError(f"Nothing can be shared: {check.reason}")
    disclosure = Disclosure(
        school=school,
        partnership=check.partnership,
        direction=direction,
        kind=kind,
        record_code=record_code,
        disclosed_by=by,
        disclosed_to=to,
        agreement=agreement_label(check),
        document=check.document,
    )
    disclosure._history_user = by
    disclosure.save()
    return disclosure


# ---------------------------------------------------------------------------------------
# The partnership's lifecycle, the documents' versions and their signatures.


class StaleRecord(Exception):
    """Someone else changed the record since the person loaded it: show them the new state."""


@transaction.atomic
def partnership_move(partnership: Partnership, *, to: str, by, reason: str, version=None):
    """Move a partnership along its lifecycle, with the reason, under a row lock."""
    locked = Partnership.objects.select_for_update().get(pk=partnership.pk)
    if version is not None and locked.version != version:
        raise StaleRecord
    if not reason.strip():
        raise ValidationError({"reason": "Enter the reason for this change."})
    if to not in Partnership.MOVES[locked.status]:
        raise ValidationError(
            {
                "status": f"A {locked.get_status_display().lower()} partnership cannot become "
                f"{Partnership.Status(to).label.lower()}."
            }
        )
    if to == Partnership.Status.ACTIVE:
        protocol = Document.objects.current_of(locked.force_id, Document.Kind.PROTOCOL).first()
        sides = (
            set(
                Signature.objects.filter(
                    partnership=locked, document=protocol, revoked_at__isnull=True
                ).values_list("side", flat=True)
            )
            if protocol
            else set()
        )
        if sides != {Signature.Side.SCHOOL, Signature.Side.FORCE}:
            raise ValidationError(
                {
                    "status": "The partnership can be active only once the head teacher and the "
                    "force have both signed the current protocol."
                }
            )
    PartnershipEvent.objects.create(
        partnership=locked, by=by, from_status=locked.status, to_status=to, reason=reason
    )
    locked.status = to
    locked.version += 1
    locked._history_user = by
    locked.save(update_fields=["status", "version"])
    return locked


@transaction.atomic
def document_publish(document: Document, *, by) -> Document:
    """Publish a draft: it gets its version's hash and can never change again."""
    locked = Document.objects.select_for_update().get(pk=document.pk)
    if locked.is_published:
        raise ValidationError("This version is already published.")
    locked.published_at = timezone.now()
    locked.published_by = by
    locked.content_hash = locked.compute_hash()
    locked._history_user = by
    locked.save()  # the last write this row takes: from now on save() and the database refuse
    return locked


@transaction.atomic
def signature_create(
    partnership: Partnership, document: Document, *, side: str, by, signed_as: str
) -> Signature:
    """Sign the current version for one side. Re-authentication is the caller's (the view)."""
    partnership = Partnership.objects.select_for_update().get(pk=partnership.pk)
    current = Document.objects.current_of(partnership.force_id, document.kind).first()
    if current is None or current.pk != document.pk:
        raise ValidationError("Only the current version can be signed.")
    if document.compute_hash() != document.content_hash:
        raise ValidationError("This version's text does not match its hash; it cannot be signed.")
    if partnership.status == Partnership.Status.ENDED:
        raise ValidationError("An ended partnership cannot sign anything.")
    if Signature.objects.filter(
        partnership=partnership, document=document, side=side, revoked_at__isnull=True
    ).exists():
        raise ValidationError("This version is already signed for that side.")
    signature = Signature(
        partnership=partnership,
        document=document,
        side=side,
        signed_by=by,
        signed_as=signed_as,
        content_hash=document.content_hash,
    )
    signature._history_user = by
    signature.save()
    return signature


@transaction.atomic
def agreement_revoke(partnership: Partnership, document: Document, *, by, reason: str) -> int:
    """Withdraw both sides' signatures of a version: sharing under it stops at once."""
    if not reason.strip():
        raise ValidationError({"reason": "Enter why the agreement is being revoked."})
    live = Signature.objects.select_for_update().filter(
        partnership=partnership, document=document, revoked_at__isnull=True
    )
    now = timezone.now()
    count = 0
    for signature in live:
        signature.revoked_at = now
        signature.revoked_by = by
        signature.revocation_reason = reason
        signature._history_user = by
        signature.save(update_fields=["revoked_at", "revoked_by", "revocation_reason"])
        count += 1
    if not count:
        raise ValidationError("There is no signed agreement to revoke.")
    return count

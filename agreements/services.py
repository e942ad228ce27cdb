from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from schools.models import Assignment, Force, Membership, Officer, School, Team
from ssp.notifications import notify
from ssp.submissions import once_per_form

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


def protocol_signed_by_both(partnership: Partnership) -> bool:
    """The rule for becoming active: both sides have signed the force's current protocol."""
    protocol = Document.objects.current_of(partnership.force_id, Document.Kind.PROTOCOL).first()
    if protocol is None:
        return False
    sides = set(
        Signature.objects.filter(
            partnership=partnership, document=protocol, revoked_at__isnull=True
        ).values_list("side", flat=True)
    )
    return sides == {Signature.Side.SCHOOL, Signature.Side.FORCE}


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
    if to == Partnership.Status.ACTIVE and not protocol_signed_by_both(locked):
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
    # The force's row serialises publishing: two drafts published at once cannot both take
    # the next version number.
    Force.objects.select_for_update().get(pk=document.force_id)
    locked = Document.objects.select_for_update().get(pk=document.pk)
    if locked.is_published:
        raise ValidationError("This version is already published.")
    if locked.expires_on < timezone.localdate() or locked.review_on < timezone.localdate():
        raise ValidationError(
            "The review and expiry dates of this draft have passed: change them, then publish."
        )
    latest = Document.objects.current_of(locked.force_id, locked.kind).first()
    next_version = latest.version + 1 if latest else 1
    if locked.version != next_version:
        if Document.objects.filter(
            force_id=locked.force_id, kind=locked.kind, version=next_version
        ).exists():
            raise ValidationError(
                f"Another draft holds version {next_version}: publish or delete it first."
            )
        locked.version = next_version  # the number is the next one when it is published
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


# ---------------------------------------------------------------------------------------
# The register: creating a partnership, drafting versions, signing and revoking, and the
# people each of these is told to.


def head_teachers(school: School) -> list:
    members = Membership.objects.current().filter(
        school=school, position=Membership.Position.HEAD, user__is_active=True
    )
    return [m.user for m in members.select_related("user")]


def school_leads(school: School) -> list:
    """The SPOC and deputy."""
    members = Membership.objects.current().filter(
        school=school, designation__in=["spoc", "deputy"], user__is_active=True
    )
    return [m.user for m in members.select_related("user")]


def current_sspos(school: School) -> list:
    held = Assignment.objects.current().filter(school=school).select_related("officer__user")
    return [a.officer.user for a in held]


def team_sergeants(partnership: Partnership) -> list:
    """The sergeants leading the officers who hold the school; if nobody holds it yet, the
    sergeants of the force's Safer Schools teams (who allocate it)."""
    officers = Officer.objects.filter(
        rank=Officer.Rank.SERGEANT, user__is_active=True, team__force=partnership.force_id
    ).filter(Q(left_on__isnull=True) | Q(left_on__gt=timezone.localdate()))
    teams = (
        Assignment.objects.current().filter(school=partnership.school_id).values("officer__team")
    )
    leading = officers.filter(team__in=teams)
    if not leading.exists():
        leading = officers.filter(team__kind=Team.Kind.SAFER_SCHOOLS)
    return [o.user for o in leading.select_related("user")]


@transaction.atomic
def partnership_create(*, school: School, by, reason: str) -> Partnership:
    """Propose a partnership for a school of the force that has none."""
    if not reason.strip():
        raise ValidationError({"reason": "Enter why this school should have a partnership."})
    if Partnership.objects.filter(school=school).exists():
        raise ValidationError({"school": f"{school.name} already has a partnership."})
    partnership = Partnership(school=school, force_id=school.force_id)
    partnership._history_user = by
    try:
        with transaction.atomic():  # two sergeants at once: the school's unique row decides
            partnership.save()
    except IntegrityError:
        raise ValidationError({"school": f"{school.name} already has a partnership."}) from None
    PartnershipEvent.objects.create(
        partnership=partnership, by=by, from_status="", to_status=partnership.status, reason=reason
    )
    return partnership


def _next_version(force_id, kind) -> int:
    latest = Document.objects.filter(force_id=force_id, kind=kind).order_by("-version").first()
    return latest.version + 1 if latest else 1


@once_per_form(Document)
@transaction.atomic
def document_draft_create(*, force: Force, kind: str, by, **fields) -> Document:
    """Start the next version of the force's protocol or DSA. One draft of a kind at a time,
    so the draft's number is the one it will be published as."""
    Force.objects.select_for_update().get(pk=force.pk)
    draft = Document.objects.filter(force=force, kind=kind, published_at__isnull=True).first()
    if draft is not None:
        raise ValidationError(
            {
                "kind": f"There is already a draft of the {draft.get_kind_display().lower()} "
                f"(version {draft.version}): edit that one."
            }
        )
    document = Document(
        force=force, kind=kind, version=_next_version(force.pk, kind), created_by=by, **fields
    )
    document._history_user = by
    document.save()
    return document


@transaction.atomic
def document_draft_update(*, document: Document, by, seen_hash: str, **fields) -> Document:
    """Change a draft. `seen_hash` is the draft's content as the person loaded it: if
    someone changed it since, nothing is overwritten (StaleRecord)."""
    locked = Document.objects.select_for_update().get(pk=document.pk)
    if locked.is_published:
        raise ValidationError("A published version cannot be changed; start a new draft.")
    if locked.compute_hash() != seen_hash:
        raise StaleRecord
    for name, value in fields.items():
        setattr(locked, name, value)
    locked._history_user = by
    locked.save(update_fields=list(fields))
    return locked


def kind_noun(document: Document) -> str:
    """The document's kind as it reads mid-sentence."""
    if document.kind == Document.Kind.DSA:
        return "data sharing agreement"
    return "Safer Schools Partnership protocol"


def signing_side(user) -> str:
    from ssp.roles import Role

    return Signature.Side.SCHOOL if user.role == Role.HEAD else Signature.Side.FORCE


def signing_capacity(user, partnership: Partnership) -> str:
    """What the signature says the person signed as."""
    if signing_side(user) == Signature.Side.SCHOOL:
        return f"Head teacher, {partnership.school.name}"
    officer = user.officer
    return f"{officer.get_rank_display()} {officer.collar_number}, {officer.team.name}"


@transaction.atomic
def agreement_sign(*, partnership: Partnership, document: Document, by) -> Signature:
    """Sign for the person's side (the view has just re-authenticated them) and tell the
    other side: that it is their turn, or that the version is now signed by both."""
    side = signing_side(by)
    signature = signature_create(
        partnership, document, side=side, by=by, signed_as=signing_capacity(by, partnership)
    )
    other = Signature.Side.FORCE if side == Signature.Side.SCHOOL else Signature.Side.SCHOOL
    other_signed = Signature.objects.filter(
        partnership=partnership, document=document, side=other, revoked_at__isnull=True
    ).exists()
    recipients = (
        team_sergeants(partnership)
        if other == Signature.Side.FORCE
        else head_teachers(partnership.school)
    )
    kind = kind_noun(document)
    notify(
        recipients=recipients,
        subject=f"The {kind} is now signed by both sides"
        if other_signed
        else f"The {kind} is waiting for your signature",
        link=reverse("partnership_detail", args=[partnership.code]),
        reference=f"Partnership: {partnership.school.name}",
    )
    if other_signed:
        _activate_when_signed(partnership, by=by)
    return signature


def _activate_when_signed(partnership: Partnership, *, by) -> None:
    """The second signature on a proposed partnership makes it active when the activation
    rules hold, so nobody has to find "Change the partnership's status" by chance. The
    partnership's row is already locked by signature_create in this transaction."""
    locked = Partnership.objects.select_for_update().get(pk=partnership.pk)
    if locked.status != Partnership.Status.PROPOSED or not protocol_signed_by_both(locked):
        return
    partnership_move(
        locked,
        to=Partnership.Status.ACTIVE,
        by=by,
        reason="The head teacher and the force have both signed the current protocol.",
    )
    notify(
        recipients=[*head_teachers(locked.school), *team_sergeants(locked)],
        subject="The Safer Schools Partnership is now active",
        link=reverse("partnership_detail", args=[locked.code]),
        reference=f"Partnership: {locked.school.name}",
    )


@transaction.atomic
def dsa_revoke(*, partnership: Partnership, by, reason: str) -> int:
    """Revoke the partnership's current DSA and tell everyone who relied on it."""
    dsa = Document.objects.current_of(partnership.force_id, Document.Kind.DSA).first()
    if dsa is None:
        raise ValidationError("There is no signed agreement to revoke.")
    count = agreement_revoke(partnership, dsa, by=by, reason=reason)
    school = partnership.school
    notify(
        recipients=[
            *current_sspos(school),
            *school_leads(school),
            *head_teachers(school),
            *team_sergeants(partnership),
        ],
        subject="A data sharing agreement has been revoked: sharing has stopped",
        link=reverse("partnership_detail", args=[partnership.code]),
    )
    return count

import datetime
import re
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone

from schools.models import Assignment, Force, Membership, Officer, School, Team
from ssp.access import lock_visible_or_404
from ssp.notifications import Kind, notify
from ssp.roles import Role
from ssp.scope import fresh_scope, scope_of
from ssp.submissions import once_per_form

from .models import (
    GATEWAY_MENTIONS,
    Disclosure,
    Document,
    Gateway,
    Partnership,
    PartnershipEvent,
    Signature,
)


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
    effect at once. Whether the DSA is in force is Partnership.objects.in_force()'s to
    decide (the one place); this adds the officer to share with, and says why not.
    """
    partnership = (
        Partnership.objects.filter(school=school)
        .annotate(dsa_in_force=Exists(Partnership.objects.in_force().filter(pk=OuterRef("pk"))))
        .first()
    )
    if partnership is None:
        return SharingCheck(False, f"{school.name} has no Safer Schools Partnership.")
    dsa = Document.objects.current_of(school.force_id, Document.Kind.DSA).first()
    if not partnership.dsa_in_force:
        return SharingCheck(False, _refusal(partnership, dsa), partnership)
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


@dataclass(frozen=True)
class SignatureFact:
    """A signature of one of the force's DSA versions, as far as explaining needs it."""

    document_id: int
    side: str
    revoked_on: datetime.date | None


def dsa_signature_facts(partnership_ids) -> dict[int, list[SignatureFact]]:
    """Every signature of every DSA version, by partnership: one query for them all."""
    if not partnership_ids:
        return {}
    found = {}
    for partnership_id, document_id, side, revoked_at in Signature.objects.filter(
        partnership__in=partnership_ids, document__kind=Document.Kind.DSA
    ).values_list("partnership_id", "document_id", "side", "revoked_at"):
        revoked_on = timezone.localdate(revoked_at) if revoked_at else None
        found.setdefault(partnership_id, []).append(SignatureFact(document_id, side, revoked_on))
    return found


BOTH_SIDES = (Signature.Side.SCHOOL, Signature.Side.FORCE)


@dataclass(frozen=True)
class NotInForce:
    """Why a partnership's DSA is not in force: the first of in_force()'s conditions it fails."""

    STATUS = "status"  # the partnership is not active
    UNPUBLISHED = "unpublished"  # the force has no DSA version
    EXPIRED = "expired"  # the current version has expired
    SIGNATURES = "signatures"  # the signatures explain it: pass them to say how
    REVOKED = "revoked"  # a side's signature of the current version is revoked
    NEW_VERSION = "new_version"  # an older version was signed; the current one is not yet
    UNSIGNED = "unsigned"  # never signed by a side
    UNKNOWN = "unknown"  # in_force() says no for a reason not listed here

    cause: str
    missing: frozenset = frozenset()  # the sides with no live signature of the current version
    revoked_on: datetime.date | None = None


def why_not_in_force(
    *, status, dsa_id, dsa_expires_on, today, signatures: list[SignatureFact] | None = None
) -> NotInForce:
    """The one explainer of a "no" from Partnership.objects.in_force(), which alone decides:
    ask only when it said no. Without the signatures it stops at SIGNATURES when they are
    what explains it, so a page fetches them only for the partnerships that need them."""
    if status != Partnership.Status.ACTIVE:
        return NotInForce(NotInForce.STATUS)
    if dsa_id is None:
        return NotInForce(NotInForce.UNPUBLISHED)
    if dsa_expires_on < today:
        return NotInForce(NotInForce.EXPIRED)
    if signatures is None:
        return NotInForce(NotInForce.SIGNATURES)
    current = [s for s in signatures if s.document_id == dsa_id]
    live = {s.side for s in current if s.revoked_on is None}
    missing = frozenset(side for side in BOTH_SIDES if side not in live)
    if not missing:
        return NotInForce(NotInForce.UNKNOWN)  # never claim more than in_force() does
    revoked = [s.revoked_on for s in current if s.revoked_on is not None]
    if revoked:
        return NotInForce(NotInForce.REVOKED, missing, max(revoked))
    if any(s.document_id != dsa_id and s.revoked_on is None for s in signatures):
        return NotInForce(NotInForce.NEW_VERSION, missing)
    return NotInForce(NotInForce.UNSIGNED, missing)


def _refusal(partnership: Partnership, dsa: Document | None) -> str:
    """Why nothing can be shared, in a sentence for the person about to share."""
    facts = {
        "status": partnership.status,
        "dsa_id": dsa.pk if dsa else None,
        "dsa_expires_on": dsa.expires_on if dsa else None,
        "today": timezone.localdate(),
    }
    why = why_not_in_force(**facts)
    if why.cause == NotInForce.SIGNATURES:
        signatures = dsa_signature_facts([partnership.pk]).get(partnership.pk, [])
        why = why_not_in_force(**facts, signatures=signatures)
    if why.cause == NotInForce.STATUS:
        return f"The partnership is {partnership.get_status_display().lower()}, not active."
    if why.cause == NotInForce.UNPUBLISHED:
        return "The force has not published a data sharing agreement."
    if why.cause == NotInForce.EXPIRED:
        return (
            f"The data sharing agreement (version {dsa.version}) expired at the end of "
            f"{dsa.expires_on:%-d %B %Y}."
        )
    if Signature.Side.SCHOOL in why.missing:
        return (
            "The head teacher has not signed the current data sharing agreement "
            f"(version {dsa.version})."
        )
    if Signature.Side.FORCE in why.missing:
        return (
            f"The force has not signed the current data sharing agreement (version {dsa.version})."
        )
    return "The data sharing agreement is not in force."


def in_force_school_ids(user) -> list[int]:
    """Of the schools a person may see, those whose DSA is in force now: once a request.

    Police scopes filter by these ids as constants (cheap to plan), and because they are
    worked out for every request (ssp.scope), a revocation or lapse takes effect on the next.
    """
    return scope_of(user).in_force_school_ids


def agreement_label(check: SharingCheck) -> str:
    dsa = check.document
    return f"Data sharing agreement v{dsa.version}, in force until {dsa.expires_on:%-d %B %Y}"


def disclosure_defaults(kind: str, document: Document | None) -> tuple[str, str, str]:
    """A kind of disclosure's gateway, purpose and DSA clause, as a share would be made now.

    The gateway is the kind's usual one, unless the DSA version's lawful bases name other
    gateways and not that one: then the first the DSA names. The clause carries the version.
    """
    gateway, purpose, clause = Disclosure.DEFAULTS[kind]
    if document is not None and gateway != Gateway.OPERATION_ENCOMPASS:
        named = _gateways_named(document)
        if named and gateway not in named:
            gateway = named[0]
        clause = f"DSA v{document.version}, {clause}"
    return gateway, purpose, clause


def _gateways_named(document: Document) -> list[str]:
    text = document.lawful_bases
    return [g for g, named in GATEWAY_MENTIONS.items() if re.search(named, text, re.IGNORECASE)]


def _capacity(user, school: School) -> str:
    """Who received it, as they were then: name, rank and collar number or role at the school."""
    if user is None:
        return f"The key adult at {school.name} (none named yet)"
    officer = getattr(user, "officer", None)
    if officer is not None:
        collar = f" ({officer.collar_number})" if officer.collar_number else ""
        return (
            f"{user.get_full_name()}{collar}, {Role(user.role).label if user.role else 'officer'}"
        )
    role = Role(user.role).label if user.role else "member of staff"
    return f"{user.get_full_name()}, {role}, {school.name}"


def disclosure_record(
    *,
    school: School,
    direction: str,
    kind: str,
    record_code,
    by=None,
    client=None,
    to,
    gateway: str = "",
    purpose: str = "",
    acknowledged: bool = False,
) -> Disclosure:
    """Log one disclosure: under the DSA in force, or under Operation Encompass.

    Every gateway but Operation Encompass needs the school's DSA in force now and records
    its version and clause; Operation Encompass is police to school, never under the DSA,
    and is recorded whether or not the school has a partnership. Gateway and purpose left
    out take the kind's defaults (`disclosure_defaults`). `acknowledged`: the recipient has
    it open as it is disclosed (conference minutes, recorded as the other side reads them).
    `by` is the person who disclosed; `client` the force's machine client, instead.
    """
    if (by is None) == (client is None):
        raise ValueError("A disclosure has one sender: a person or the force's client.")
    encompass = kind == Disclosure.Kind.ENCOMPASS
    if (gateway == Gateway.OPERATION_ENCOMPASS) != encompass and gateway:
        raise ValidationError(
            {"gateway": "Only an Operation Encompass notification goes under Operation Encompass."}
        )
    if encompass:
        if direction != Disclosure.Direction.TO_SCHOOL:
            raise ValidationError("Operation Encompass goes from the police to a school.")
        default_gateway, default_purpose, clause = disclosure_defaults(kind, None)
        partnership, document = None, None
        agreement = "Not under the DSA: Operation Encompass"
    else:
        check = sharing_allowed(school)
        if not check.allowed:
            raise ValidationError(f"Nothing can be shared: {check.reason}")
        default_gateway, default_purpose, clause = disclosure_defaults(kind, check.document)
        partnership, document = check.partnership, check.document
        agreement = agreement_label(check)
    if gateway and gateway not in Gateway.values:
        raise ValidationError({"gateway": "Choose the legal gateway from the list."})
    purpose = " ".join(purpose.split())
    if len(purpose) > 300:
        raise ValidationError({"purpose": "Say the purpose in 300 characters or fewer."})
    now = timezone.now()
    disclosure = Disclosure(
        at=now,
        school=school,
        partnership=partnership,
        direction=direction,
        kind=kind,
        record_code=record_code,
        disclosed_by=by,
        disclosed_by_client=client,
        disclosed_to=to,
        recipient=_capacity(to, school),
        agreement=agreement,
        document=document,
        clause=clause,
        gateway=gateway or default_gateway,
        purpose=purpose or default_purpose,
        acknowledged_at=now if acknowledged else None,
        acknowledged_by=to if acknowledged else None,
    )
    disclosure._history_user = by
    disclosure.save()
    return disclosure


@transaction.atomic
def disclosures_acknowledge(*, by, record_codes, kinds, at=None) -> int:
    """The recipient's side opened these records: the time of the first opening is kept on
    each disclosure of them not yet acknowledged, once (a later opening changes nothing).

    Called by the views that show a disclosed record once they have let the person see it
    (`at`: the moment of an acknowledgement the record keeps itself, as Encompass's does).
    Only the receiving side acknowledges (never the sender's own reads). The rows are locked
    and saved one by one, so history keeps who acknowledged; two first openings at once
    acknowledge once (the second finds the row acknowledged when its lock is granted).
    """
    from .access import receives  # access reads this module

    direction = receives(by)
    if direction is None:
        return 0
    unopened = (
        Disclosure.objects.select_for_update()
        .filter(
            record_code__in=record_codes,
            kind__in=list(kinds),
            direction=direction,
            acknowledged_at__isnull=True,
        )
        .exclude(disclosed_by=by)
    )
    at = at or timezone.now()
    count = 0
    for disclosure in unopened:
        disclosure.acknowledged_at = at
        disclosure.acknowledged_by = by
        disclosure._history_user = by
        disclosure.save(update_fields=["acknowledged_at", "acknowledged_by"])
        count += 1
    return count


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
def partnership_move(*, partnership: Partnership, to: str, by, reason: str, version=None):
    """The sergeant moves a partnership along its lifecycle, with the reason, under a row
    lock."""
    from .access import can_move_partnership  # access reads this module

    # Asked again under the lock, as the person is now: a sergeant who left the team no
    # longer reaches the partnership (404); one who reaches it may still not move it (403).
    locked = lock_visible_or_404(by, partnership)
    if not can_move_partnership(by, locked):
        raise PermissionDenied
    return _move(locked, to=to, by=by, reason=reason, version=version)


def _move(locked: Partnership, *, to: str, by, reason: str, version=None) -> Partnership:
    # The caller holds the partnership's row lock and has checked who `by` is.
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
def document_publish(*, document: Document, by) -> Document:
    """The sergeant publishes a draft of their force: it gets its version's hash and can
    never change again."""
    from .access import can_write_documents  # access reads this module

    locked = _locked_for_publishing(document)
    if not Document.objects.visible_to(by).filter(pk=locked.pk).exists():
        raise PermissionDenied
    if not can_write_documents(by):
        raise PermissionDenied
    return _publish(locked, by=by)


@transaction.atomic
def document_version_publish(*, document: Document, by) -> Document:
    """Publish a draft without asking who `by` is: for seeding the demo's and tests' first
    versions only. People publish through document_publish."""
    return _publish(_locked_for_publishing(document), by=by)


def _locked_for_publishing(document: Document) -> Document:
    # The force's row serialises publishing: two drafts published at once cannot both take
    # the next version number.
    Force.objects.select_for_update().get(pk=document.force_id)
    return Document.objects.select_for_update().get(pk=document.pk)


def _publish(locked: Document, *, by) -> Document:
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
    *, partnership: Partnership, document: Document, side: str, by, signed_as: str
) -> Signature:
    """Record a signature of the current version for one side, without asking who `by` is:
    people sign through agreement_sign (which checks them under the same lock); the demo and
    tests seed signatures here. Re-authentication is the caller's (the view)."""
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
def agreement_revoke(*, partnership: Partnership, document: Document, by, reason: str) -> int:
    """Withdraw both sides' signatures of a version: sharing under it stops at once.
    Asks nothing of `by`: people revoke through dsa_revoke, which checks them under the
    partnership's lock."""
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
    return [m.user for m in Membership.objects.heads_of(school).select_related("user")]


def school_leads(school: School) -> list:
    """The SPOC and deputy."""
    return [m.user for m in Membership.objects.spocs_of(school).select_related("user")]


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


@once_per_form(Partnership)
@transaction.atomic
def partnership_create(*, school: School, by, reason: str) -> Partnership:
    """Propose a partnership for a school of the force that has none."""
    from .access import can_create_partnership  # access reads this module

    # The officer's row: a sergeant who has just left the force proposes nothing.
    officer = Officer.objects.select_for_update().filter(user=by).first()
    if officer is None or not can_create_partnership(by):
        raise PermissionDenied
    if not officer.is_current or school.force_id != officer.team.force_id:
        raise PermissionDenied
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
    from .access import can_write_documents  # access reads this module

    Force.objects.select_for_update().get(pk=force.pk)
    officer = Officer.objects.filter(user=by).select_related("team").first()
    if officer is None or not officer.is_current or officer.team.force_id != force.pk:
        raise PermissionDenied
    if not can_write_documents(by):
        raise PermissionDenied
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
    from .access import can_write_documents  # access reads this module

    locked = Document.objects.select_for_update().get(pk=document.pk)
    fresh_scope(by)
    if not Document.objects.visible_to(by).filter(pk=locked.pk).exists():
        raise PermissionDenied
    if not can_write_documents(by):
        raise PermissionDenied
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


@once_per_form(Signature)
@transaction.atomic
def agreement_sign(*, partnership: Partnership, document: Document, by) -> Signature:
    """Sign for the person's side (the view has just re-authenticated them) and tell the
    other side: that it is their turn, or that the version is now signed by both."""
    from .access import can_sign  # access reads this module

    partnership = lock_visible_or_404(by, partnership)
    if not can_sign(by, partnership):
        raise PermissionDenied
    side = signing_side(by)
    signature = signature_create(
        partnership=partnership,
        document=document,
        side=side,
        by=by,
        signed_as=signing_capacity(by, partnership),
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
    partnership's row is already locked by agreement_sign in this transaction, and the
    signer's right to sign checked: activating follows from both signatures, so it asks
    nothing more of them."""
    locked = Partnership.objects.select_for_update().get(pk=partnership.pk)
    if locked.status != Partnership.Status.PROPOSED or not protocol_signed_by_both(locked):
        return
    _move(
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
    from .access import can_sign  # access reads this module

    # The school's row first, as every write that re-checks the DSA locks it: a share or a
    # record made at the same moment either commits before the revocation or waits for it
    # and is refused.
    School.objects.select_for_update().get(pk=partnership.school_id)
    partnership = lock_visible_or_404(by, partnership)
    if not can_sign(by, partnership):
        raise PermissionDenied
    dsa = Document.objects.current_of(partnership.force_id, Document.Kind.DSA).first()
    if dsa is None:
        raise ValidationError("There is no signed agreement to revoke.")
    count = agreement_revoke(partnership=partnership, document=dsa, by=by, reason=reason)
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
        reference=f"Partnership: {school.name}",
        kind=Kind.SHARING_STOPPED,
    )
    return count

from dataclasses import dataclass

from django.core.exceptions import ValidationError

from schools.models import Assignment, School

from .models import Disclosure, Partnership


@dataclass(frozen=True)
class SharingCheck:
    """Whether a school may share with its SSPO now, and if not, why not."""

    allowed: bool
    reason: str = ""
    partnership: Partnership | None = None
    sspo: object | None = None  # the officer's user


def sharing_allowed(school: School) -> SharingCheck:
    """Nothing moves from a school to the police without a live partnership and DSA.

    Read on every request that moves or shows shared data, so a lapse or revocation takes
    effect at once.
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
    if not partnership.dsa_in_force:
        return SharingCheck(
            False, "The data sharing agreement is not signed and in force.", partnership
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
    return SharingCheck(True, "", partnership, assignment.officer.user)


def agreement_label(partnership: Partnership) -> str:
    return f"Data sharing agreement in force until {partnership.dsa_in_force_until:%d %B %Y}"


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
        agreement=agreement_label(check.partnership),
    )
    disclosure._history_user = by
    disclosure.save()
    return disclosure

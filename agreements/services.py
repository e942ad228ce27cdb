from dataclasses import dataclass

from schools.models import Assignment, School

from .models import Partnership


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

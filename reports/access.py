"""Who may see the figures pages that read across the apps."""

from ssp.roles import OVERVIEW_READERS


def can_see_overview(user) -> bool:
    # ACCESS.md: "sergeant overview, CSV exports": the head their own school's figures, the
    # sergeant their team's. Nobody else.
    return user.role in OVERVIEW_READERS

"""Who may read the partnership's records."""

from ssp.roles import Role


def can_read_sharing_log(user) -> bool:
    # ACCESS.md: the head for their school, SSPOs for their schools, sergeants for the team.
    return user.role in (Role.HEAD, Role.SSPO, Role.SERGEANT)

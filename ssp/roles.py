"""The roles of a Safer Schools Partnership, and how a person's role is worked out.

A person belongs to one organisation: a school (through memberships) or the force (as an
officer). Their role follows from those records, so there is one truth to keep current.
"""

from django.db import models


class Role(models.TextChoices):
    STAFF = "staff", "School staff"
    SPOC = "spoc", "Single point of contact (SPOC)"
    DEPUTY_SPOC = "deputy_spoc", "Deputy SPOC"
    HEAD = "head", "Head teacher"
    SSPO = "sspo", "Safer Schools Police Officer"
    SERGEANT = "sergeant", "Sergeant"
    YET = "yet", "Youth Engagement Team officer"
    ADMIN = "admin", "Administrator"


SCHOOL_ROLES = frozenset({Role.STAFF, Role.SPOC, Role.DEPUTY_SPOC, Role.HEAD})
POLICE_ROLES = frozenset({Role.SSPO, Role.SERGEANT, Role.YET})
# Those who lead safeguarding at a school: the head, the SPOC and the deputy SPOC.
SCHOOL_LEADS = (Role.HEAD, Role.SPOC, Role.DEPUTY_SPOC)

# When someone holds several school roles (staff who is also SPOC), the strongest names them.
_SCHOOL_PRECEDENCE = (Role.HEAD, Role.SPOC, Role.DEPUTY_SPOC, Role.STAFF)


def role_of(user) -> Role | None:
    """The role a signed-in person acts in, or None for someone with no place yet."""
    if not user.is_authenticated or not user.is_active:
        return None
    officer = getattr(user, "officer", None)
    if officer is not None and officer.is_current:
        return officer.role
    school_roles = {m.role_here for m in user.memberships.all() if m.is_current}
    for role in _SCHOOL_PRECEDENCE:
        if role in school_roles:
            return role
    if user.is_superuser:
        return Role.ADMIN
    return None


def is_police(user) -> bool:
    return user.role in POLICE_ROLES

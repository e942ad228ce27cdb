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


# Every set of roles the rules speak of is named here, once; the rest of the code uses the
# names (tests/ssp/test_role_sets_in_one_place.py fails on a copy written anywhere else).

SCHOOL_ROLES = frozenset({Role.STAFF, Role.SPOC, Role.DEPUTY_SPOC, Role.HEAD})
POLICE_ROLES = frozenset({Role.SSPO, Role.SERGEANT, Role.YET})
# Those who lead safeguarding at a school: the head, the SPOC and the deputy SPOC.
SCHOOL_LEADS = (Role.HEAD, Role.SPOC, Role.DEPUTY_SPOC)
# The school's side of the partnership's daily work: the SPOC and the deputy SPOC. They alone
# talk with the SSPO (enquiries) and ask for sessions.
SPOCS = (Role.SPOC, Role.DEPUTY_SPOC)
# Police who work on or review casework (shared concerns, incidents, referrals, conferences,
# enquiries): the SSPO and their sergeant. The Youth Engagement Team holds no casework.
CASE_OFFICERS = (Role.SSPO, Role.SERGEANT)
# Police who record patrols and sessions at schools: the SSPO and the YET.
ACTIVITY_RECORDERS = (Role.SSPO, Role.YET)
# Who reads a school's partnership, protocol and DSA in full (staff read only a summary).
AGREEMENT_READERS = (*SCHOOL_LEADS, *CASE_OFFICERS, Role.ADMIN)
# Who reads the overview figures: the head their school's, the sergeant their team's.
OVERVIEW_READERS = (Role.HEAD, Role.SERGEANT)
# Who confirms they know the SSP summary: the school's people below the head (who signs).
AWARENESS_CONFIRMERS = (Role.STAFF, *SPOCS)
# The roles an invitation gives: the SPOC and deputy are named by the head from the staff.
INVITABLE_ROLES = (Role.HEAD, Role.STAFF, Role.SSPO, Role.SERGEANT, Role.YET)

# When someone holds several school roles (staff who is also SPOC), the strongest names them.
_SCHOOL_PRECEDENCE = (Role.HEAD, Role.SPOC, Role.DEPUTY_SPOC, Role.STAFF)


def role_of(user) -> Role | None:
    """The role a signed-in person acts in, or None for someone with no place yet."""
    if not user.is_authenticated or not user.is_active:
        return None
    officer = getattr(user, "officer", None)
    if officer is not None and officer.is_current:
        return officer.role
    from .scope import scope_of  # the scope names this module's roles

    school_roles = {m.role_here for m in scope_of(user).memberships}
    for role in _SCHOOL_PRECEDENCE:
        if role in school_roles:
            return role
    if user.is_superuser:
        return Role.ADMIN
    return None


def is_police(user) -> bool:
    return user.role in POLICE_ROLES

"""Who answers for records (ACCESS.md, the retention, legal hold, disposal and subject access
rows): a school's head or its data-protection lead for the school's records; the sergeant for
their team's police records."""

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404

from schools.models import Membership, School, Team
from ssp.roles import Role
from ssp.scope import scope_of


def can_manage_school_records(user, school: School) -> bool:
    """Retention review, legal hold, disposal and subject access for the school's records."""
    return Membership.objects.records_owners_of(school).filter(user=user).exists()


def can_manage_police_records(user, team: Team) -> bool:
    """Retention review, legal hold and disposal of the team's police records."""
    return user.role == Role.SERGEANT and user.officer.team_id == team.pk


def get_certificate_for(user, code):
    """One gate for a disposal certificate: out of the person's school or team, 404 (as if
    it did not exist); theirs but not for their role to read, 403."""
    from .models import DisposalCertificate

    certificate = (
        DisposalCertificate.objects.select_related("school", "team", "by")
        .filter(code=code)
        .first()
    )
    if certificate is None or not _in_scope(user, certificate):
        raise Http404
    if certificate.school_id is not None and can_manage_school_records(user, certificate.school):
        return certificate
    if certificate.team_id is not None and can_manage_police_records(user, certificate.team):
        return certificate
    raise PermissionDenied


def _in_scope(user, certificate) -> bool:
    if certificate.school_id is not None:
        return Membership.objects.current().filter(user=user, school=certificate.school).exists()
    officer = getattr(user, "officer", None)
    return officer is not None and officer.team_id == certificate.team_id


# The gates of the records pages. Reach (404 beyond it) is the school's or the team's: whoever
# sees the school, or is an officer of the team; deciding (403 otherwise) is the owners'.


def can_decide(user, owned) -> bool:
    """Review, hold and dispose of what a review or a hold covers: its school's owners or its
    team's sergeant."""
    if owned.school_id is not None:
        return can_manage_school_records(user, owned.school)
    return can_manage_police_records(user, owned.team)


def get_review_for(user, code, *, require=can_decide):
    from ssp.access import get_visible_or_404

    from .models import Review

    return get_visible_or_404(
        user, Review.objects.select_related("school", "team"), require=require, code=code
    )


def get_hold_for(user, code, *, require=can_decide):
    from ssp.access import get_visible_or_404

    from .models import LegalHold

    return get_visible_or_404(
        user,
        LegalHold.objects.select_related("school", "team", "pupil"),
        require=require,
        code=code,
    )


def can_manage_pupils_records(user, pupil) -> bool:
    """Legal hold on, or subject access to, everything about a pupil: their school's owners."""
    return can_manage_school_records(user, pupil.school)


def owned_filter(user) -> Q | None:
    """What the person answers for, as a filter on rows with a `school` or a `team` (reviews,
    holds, certificates): their schools' records and their team's. None when they own none."""
    school_ids, team_id = owned_school_ids(user), owned_team_id(user)
    if not school_ids and team_id is None:
        return None
    owned = Q(school__in=school_ids) if school_ids else Q(pk__in=[])
    if team_id is not None:
        owned |= Q(team=team_id)
    return owned


def owns_any_records(user) -> bool:
    """The rules page and the review list are for people who own records somewhere."""
    return bool(owned_school_ids(user)) or owned_team_id(user) is not None


def owned_school_ids(user) -> list[int]:
    return list(
        Membership.objects.current()
        .filter(user=user, user__is_active=True)
        .records_owners()
        .values_list("school", flat=True)
    )


def owned_team_id(user) -> int | None:
    if user.role != Role.SERGEANT:
        return None
    return user.officer.team_id


def answers_for_records_at(user, school_id) -> bool:
    """can_manage_school_records, from the places the request has loaded already (no query):
    for a link on a page that shows the school's pupil."""

    scope = scope_of(user)
    if scope.is_police:  # police hold no places at schools: nothing to load
        return False
    return any(m.school_id == school_id and m.answers_for_records for m in scope.memberships)

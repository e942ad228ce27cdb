"""Who answers for records (ACCESS.md, the retention, legal hold, disposal and subject access
rows): a school's head or its data-protection lead for the school's records; the sergeant for
their team's police records."""

from django.core.exceptions import PermissionDenied
from django.http import Http404

from schools.models import Membership, School, Team
from ssp.roles import Role
from ssp.scope import scope_of


def can_manage_school_records(user, school: School) -> bool:
    """Retention review, legal hold, disposal and subject access for the school's records."""
    return Membership.objects.records_owners_of(school).filter(user=user).exists()


def can_answer_subject_access(user, pupil) -> bool:
    """The subject access row for a page that only offers the link: from the memberships the
    request has already read (no query); the export's own gate asks
    can_manage_school_records."""
    scope = scope_of(user)
    if scope.is_police:
        return False  # police hold no place at a school: spare the question
    return any(m.school_id == pupil.school_id and m.answers_for_records for m in scope.memberships)


def can_manage_police_records(user, team: Team) -> bool:
    """Retention review, legal hold and disposal of the team's police records."""
    return user.role == Role.SERGEANT and user.officer.team_id == team.pk


def may_read_certificates(user) -> bool:
    """The list of certificates: for whoever answers for some school's or team's records."""
    if user.role == Role.SERGEANT:
        return True
    return any(
        can_manage_school_records(user, school)
        for school in School.objects.filter(memberships__user=user).distinct()
    )


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

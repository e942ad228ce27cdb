"""The administrator manages accounts and configuration, never reads case data, never
grants themselves a role (issue 10, hole 1). Driven through the real admin pages."""

import datetime

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from schools.models import Assignment, Membership, Officer
from schools.services import assignment_create, invitation_create, spoc_designate
from ssp.models import AccessLog, Notification
from ssp.roles import Role
from tests.factories import PASSWORD, MembershipFactory, OfficerFactory, UserFactory


def _membership_add_form(admin, school):
    return {
        "user": str(admin.pk),
        "school": str(school.pk),
        "position": Membership.Position.HEAD,
        "job_title": "Head",
        "is_slt": "on",
        "designation": "",
        "joined_on": "2026-09-01",
        "left_on": "",
    }


def test_the_administrator_cannot_add_themselves_a_head_teacher_membership(
    signed_in, admin_user, school_a, concern_a, pupil_a
):
    client = signed_in(admin_user)
    assert client.get(reverse("concern_detail", args=[concern_a.code])).status_code == 404
    response = client.post(
        reverse("admin:schools_membership_add"), _membership_add_form(admin_user, school_a)
    )
    assert response.status_code == 403
    assert not Membership.objects.filter(user=admin_user).exists()
    assert client.get(reverse("concern_detail", args=[concern_a.code])).status_code == 404
    assert client.get(reverse("pupil_chronology", args=[pupil_a.code])).status_code == 404


def test_the_administrator_cannot_add_a_membership_for_someone_else_either(
    signed_in, admin_user, school_a
):
    other = UserFactory()
    response = signed_in(admin_user).post(
        reverse("admin:schools_membership_add"), _membership_add_form(other, school_a)
    )
    assert response.status_code == 403
    assert not Membership.objects.filter(user=other).exists()


def test_the_administrator_cannot_add_an_officer_record(signed_in, admin_user, safer_team):
    response = signed_in(admin_user).post(
        reverse("admin:schools_officer_add"),
        {"user": str(admin_user.pk), "team": str(safer_team.pk), "collar_number": "1234"},
    )
    assert response.status_code == 403
    assert not Officer.objects.filter(user=admin_user).exists()


def test_the_administrator_cannot_change_their_own_membership(
    signed_in, admin_user, school_a, concern_a
):
    # An administrator who is also (say) a member of staff cannot make themselves more.
    own = MembershipFactory(user=admin_user, school=school_a)
    client = signed_in(admin_user)
    response = client.post(
        reverse("admin:schools_membership_change", args=[own.pk]),
        {"job_title": "Head", "is_slt": "on", "joined_on": "2026-09-01", "left_on": ""},
    )
    assert response.status_code == 403
    own.refresh_from_db()
    assert own.is_slt is False and own.job_title != "Head"
    assert client.get(reverse("concern_detail", args=[concern_a.code])).status_code == 404


def test_the_administrator_cannot_assign_themselves_to_a_school(
    signed_in, admin_user, safer_team, school_a
):
    officer = OfficerFactory(user=admin_user, team=safer_team)
    response = signed_in(admin_user).post(
        reverse("admin:schools_assignment_add"),
        {"officer": str(officer.pk), "school": str(school_a.pk), "starts_on": "2026-09-01"},
    )
    assert response.status_code == 200  # the form again, with the refusal
    assert "No one can grant or change their own" in response.content.decode()
    assert not Assignment.objects.filter(officer=officer).exists()


def test_an_administrator_cannot_raise_their_own_flags(signed_in, db):
    from django.contrib.auth.models import Permission

    # Staff allowed to manage accounts, but not a superuser: they may not make themselves one.
    admin_user = UserFactory(email="accounts@example.org", is_staff=True)
    admin_user.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_user", "change_user"])
    )
    response = signed_in(admin_user).post(
        reverse("admin:ssp_user_change", args=[admin_user.pk]),
        {
            "email": admin_user.email,
            "first_name": "Ada",
            "last_name": "Admin",
            "is_superuser": "on",
        },
    )
    assert response.status_code in (302, 403)
    admin_user.refresh_from_db()
    assert admin_user.is_superuser is False


def test_changing_someone_elses_membership_is_logged_and_told_to_head_and_sergeant(
    signed_in, admin_user, school_a, head_a, sergeant, staff_a
):
    membership = Membership.objects.get(user=staff_a, school=school_a)
    response = signed_in(admin_user).post(
        reverse("admin:schools_membership_change", args=[membership.pk]),
        {"job_title": "Head of Year 9", "is_slt": "on", "joined_on": "2026-09-01", "left_on": ""},
    )
    assert response.status_code == 302
    membership.refresh_from_db()
    assert membership.is_slt and membership.job_title == "Head of Year 9"
    assert membership.history.first().history_user == admin_user
    told = set(Notification.objects.values_list("recipient__email", flat=True))
    assert told == {head_a.email, sergeant.email}
    log = AccessLog.objects.get(action="change_access")
    assert (log.user, log.object_type, log.object_code) == (
        admin_user,
        "membership",
        membership.code,
    )


def test_the_admin_cannot_make_someone_a_head_or_spoc_in_the_admin(
    signed_in, admin_user, school_a, staff_a
):
    membership = Membership.objects.get(user=staff_a, school=school_a)
    signed_in(admin_user).post(
        reverse("admin:schools_membership_change", args=[membership.pk]),
        {
            "user": str(staff_a.pk),
            "school": str(school_a.pk),
            "position": Membership.Position.HEAD,
            "designation": Membership.Designation.SPOC,
            "is_slt": "on",
            "joined_on": "2026-09-01",
        },
    )
    membership.refresh_from_db()
    assert membership.role_here == Role.STAFF


def test_raising_someone_elses_flags_is_logged_and_told(
    signed_in, admin_user, school_a, head_a, sergeant, staff_a
):
    response = signed_in(admin_user).post(
        reverse("admin:ssp_user_change", args=[staff_a.pk]),
        {
            "email": staff_a.email,
            "first_name": staff_a.first_name,
            "last_name": staff_a.last_name,
            "is_active": "on",
            "is_staff": "on",
        },
    )
    assert response.status_code == 302
    staff_a.refresh_from_db()
    assert staff_a.is_staff
    assert set(Notification.objects.values_list("recipient__email", flat=True)) == {
        head_a.email,
        sergeant.email,
    }
    assert AccessLog.objects.filter(action="change_access", object_code=staff_a.code).exists()


def test_an_admin_assignment_of_another_officer_is_told(
    signed_in, admin_user, school_c, head_c, sergeant, safer_team
):
    officer = OfficerFactory(team=safer_team)
    response = signed_in(admin_user).post(
        reverse("admin:schools_assignment_add"),
        {"officer": str(officer.pk), "school": str(school_c.pk), "starts_on": "2026-09-01"},
    )
    assert response.status_code == 302
    assert Assignment.objects.filter(officer=officer, school=school_c).exists()
    assert set(Notification.objects.values_list("recipient__email", flat=True)) == {
        head_c.email,
        sergeant.email,
    }


def test_the_administrators_invitation_is_told_to_the_head_and_sergeant(
    admin_user, school_a, head_a, sergeant
):
    invitation_create(
        by=admin_user,
        email="new.head@example.org",
        first_name="New",
        last_name="Head",
        role=Role.HEAD,
        school=school_a,
    )
    assert set(Notification.objects.values_list("recipient__email", flat=True)) == {
        head_a.email,
        sergeant.email,
    }


class TestServices:
    def test_an_officer_cannot_assign_themselves(self, safer_team, school_c):
        officer = OfficerFactory(team=safer_team)
        with pytest.raises(PermissionDenied):
            assignment_create(
                officer=officer, school=school_c, starts_on=datetime.date.today(), by=officer.user
            )
        assert not Assignment.objects.filter(officer=officer).exists()

    def test_a_spoc_cannot_name_themselves_spoc(self, school_a, head_a):
        slt = MembershipFactory(school=school_a, is_slt=True)
        with pytest.raises(PermissionDenied):
            spoc_designate(school=school_a, membership=slt, by=slt.user)
        slt.refresh_from_db()
        assert slt.designation == ""

    def test_a_head_may_still_name_themselves_spoc(self, school_a, head_a):
        own = Membership.objects.get(user=head_a, school=school_a)
        spoc_designate(school=school_a, membership=own, by=head_a)
        own.refresh_from_db()
        assert own.designation == Membership.Designation.SPOC

    def test_nobody_invites_themselves(self, head_a, school_a):
        with pytest.raises(PermissionDenied):
            invitation_create(
                by=head_a,
                email=head_a.email.upper(),
                first_name="H",
                last_name="A",
                role=Role.STAFF,
                school=school_a,
            )


class TestNoAccountTakeover:
    """The administrator cannot become someone who can read concerns by taking their account."""

    def test_the_administrator_cannot_set_someone_elses_password(
        self, signed_in, admin_user, head_a
    ):
        response = signed_in(admin_user).post(
            reverse("admin:auth_user_password_change", args=[head_a.pk]),
            {
                "password1": "a new password for the head",
                "password2": "a new password for the head",
            },
        )
        assert response.status_code == 403
        head_a.refresh_from_db()
        assert head_a.check_password(PASSWORD)

    def test_the_administrator_cannot_change_someone_elses_email(
        self, signed_in, admin_user, head_a
    ):
        signed_in(admin_user).post(
            reverse("admin:ssp_user_change", args=[head_a.pk]),
            {
                "email": "mine@example.org",
                "first_name": head_a.first_name,
                "last_name": head_a.last_name,
                "is_active": "on",
            },
        )
        head_a.refresh_from_db()
        assert head_a.email == "head.a@example.org"

    def test_the_administrator_cannot_add_an_address_to_someone_elses_account(
        self, signed_in, admin_user, head_a
    ):
        response = signed_in(admin_user).post(
            reverse("admin:account_emailaddress_add"),
            {"user": str(head_a.pk), "email": "mine@example.org", "verified": "on"},
        )
        assert response.status_code == 403
        assert not EmailAddress.objects.filter(email="mine@example.org").exists()

    def test_the_administrator_cannot_add_an_authenticator_to_someone_elses_account(
        self, signed_in, admin_user, head_a
    ):
        response = signed_in(admin_user).post(
            reverse("admin:mfa_authenticator_add"),
            {"user": str(head_a.pk), "type": "recovery_codes", "data": "{}"},
        )
        assert response.status_code == 403
        assert Authenticator.objects.filter(user=head_a).count() == 1


def test_an_ended_membership_cannot_be_reopened_in_the_admin(
    signed_in, admin_user, school_a, staff_a
):
    membership = Membership.objects.get(user=staff_a, school=school_a)
    membership.left_on = datetime.date.today() - datetime.timedelta(days=1)
    membership.save()
    response = signed_in(admin_user).post(
        reverse("admin:schools_membership_change", args=[membership.pk]),
        {"job_title": "", "joined_on": "2026-09-01", "left_on": ""},
    )
    assert response.status_code == 200
    assert "cannot be reopened" in response.content.decode()
    membership.refresh_from_db()
    assert membership.left_on is not None


def test_making_someone_an_administrator_is_told_to_the_other_administrators(
    signed_in, admin_user
):
    other_admin = UserFactory(email="other.admin@example.org", is_staff=True, is_superuser=True)
    newcomer = UserFactory(email="newcomer@example.org")
    response = signed_in(admin_user).post(
        reverse("admin:ssp_user_change", args=[newcomer.pk]),
        {
            "first_name": newcomer.first_name,
            "last_name": newcomer.last_name,
            "is_active": "on",
            "is_staff": "on",
            "is_superuser": "on",
        },
    )
    assert response.status_code == 302
    newcomer.refresh_from_db()
    assert newcomer.is_superuser
    told = set(Notification.objects.values_list("recipient__email", flat=True))
    assert other_admin.email in told and admin_user.email not in told

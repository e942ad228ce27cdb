import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from schools.models import Membership
from schools.services import spoc_designate
from tests.factories import MembershipFactory


def _membership(user, school):
    return Membership.objects.get(user=user, school=school)


def test_a_member_of_the_slt_can_be_named_spoc(school_a, head_a, staff_a):
    slt = MembershipFactory(school=school_a, is_slt=True)
    spoc_designate(school=school_a, membership=slt, by=head_a)
    slt.refresh_from_db()
    assert slt.designation == Membership.Designation.SPOC
    assert slt.history.first().history_user == head_a


def test_staff_outside_the_slt_cannot_be_named_spoc(school_a, head_a, staff_a):
    with pytest.raises(ValidationError, match="senior leadership team"):
        spoc_designate(school=school_a, membership=_membership(staff_a, school_a), by=head_a)
    assert _membership(staff_a, school_a).designation == ""


def test_the_database_refuses_a_spoc_outside_the_slt(school_a, staff_a):
    membership = _membership(staff_a, school_a)
    membership.designation = Membership.Designation.SPOC
    with pytest.raises(IntegrityError), transaction.atomic():
        membership.save()


def test_naming_a_new_spoc_takes_the_role_from_the_old_one(school_a, head_a, spoc_a):
    new = MembershipFactory(school=school_a, is_slt=True)
    spoc_designate(school=school_a, membership=new, by=head_a)
    assert _membership(spoc_a, school_a).designation == ""
    assert Membership.objects.filter(school=school_a, designation="spoc").get() == new


def test_head_names_spoc_and_deputy_through_the_page(client, school_a, head_a, spoc_a):
    deputy = MembershipFactory(school=school_a, is_slt=True)
    client.force_login(head_a)
    response = client.post(
        reverse("name_spoc", args=[school_a.code]),
        {
            "spoc": str(_membership(spoc_a, school_a).code),
            "deputy": str(deputy.code),
        },
    )
    assert response.status_code == 302
    deputy.refresh_from_db()
    assert deputy.designation == Membership.Designation.DEPUTY


def test_the_page_offers_only_the_slt(client, school_a, head_a, spoc_a, staff_a):
    client.force_login(head_a)
    response = client.post(
        reverse("name_spoc", args=[school_a.code]),
        {
            "spoc": str(_membership(staff_a, school_a).code),
        },
    )
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert _membership(staff_a, school_a).designation == ""
    assert _membership(spoc_a, school_a).designation == Membership.Designation.SPOC


def test_spoc_and_deputy_must_be_different_people(client, school_a, head_a, spoc_a):
    client.force_login(head_a)
    code = str(_membership(spoc_a, school_a).code)
    response = client.post(
        reverse("name_spoc", args=[school_a.code]), {"spoc": code, "deputy": code}
    )
    assert "someone other than the SPOC" in response.content.decode()


@pytest.mark.parametrize(
    "who, status",
    [
        ("head_a", 200),
        ("spoc_a", 403),
        ("staff_a", 403),
        ("head_b", 404),
        ("sspo_a", 403),
        ("sergeant", 403),
        ("other_sergeant", 404),
        ("yet_officer", 404),
    ],
)
def test_only_the_head_may_name_the_spoc(request, client, school_a, spoc_a, sspo_a, who, status):
    user = request.getfixturevalue(who)
    client.force_login(user)
    url = reverse("name_spoc", args=[school_a.code])
    assert client.get(url).status_code == status
    client.post(url, {"spoc": ""})
    assert _membership(spoc_a, school_a).designation == Membership.Designation.SPOC

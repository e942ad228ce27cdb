"""The head names (and changes) the school's data-protection lead from its staff."""

import pytest
from django.urls import reverse

from schools.models import Membership

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "who, status",
    {"head_a": 200, "spoc_a": 403, "staff_a": 403, "head_b": 404, "sspo_a": 403,
     "admin_user": 404}.items(),
)  # fmt: skip
def test_only_the_head_names_the_data_protection_lead(request, signed_in, school_a, who, status):
    client = signed_in(request.getfixturevalue(who))
    url = reverse("name_data_protection_lead", args=[school_a.code])
    assert client.get(url).status_code == status


def _lead(school):
    return Membership.objects.current().filter(school=school, is_data_protection_lead=True)


def test_the_head_names_a_lead_and_changes_them(signed_in, head_a, staff_a, staff_a2, school_a):
    client = signed_in(head_a)
    url = reverse("name_data_protection_lead", args=[school_a.code])
    first = Membership.objects.get(user=staff_a, school=school_a)
    assert client.post(url, {"lead": first.code}).status_code == 302
    assert list(_lead(school_a).values_list("user", flat=True)) == [staff_a.pk]
    second = Membership.objects.get(user=staff_a2, school=school_a)
    client.post(url, {"lead": second.code})
    assert list(_lead(school_a).values_list("user", flat=True)) == [staff_a2.pk]
    assert (
        b"Data-protection lead"
        in client.get(reverse("school_detail", args=[school_a.code])).content
    )
    client.post(url, {"lead": ""})
    assert not _lead(school_a).exists()


def test_a_spoc_posting_the_form_names_no_one(signed_in, spoc_a, staff_a, school_a):
    first = Membership.objects.get(user=staff_a, school=school_a)
    response = signed_in(spoc_a).post(
        reverse("name_data_protection_lead", args=[school_a.code]), {"lead": first.code}
    )
    assert response.status_code == 403
    assert not _lead(school_a).exists()

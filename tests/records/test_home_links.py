"""The people who answer for records find them from their home page; nobody else is shown the
way (the pages themselves refuse them: tests/records/test_*_pages.py)."""

import pytest
from django.urls import reverse

from schools.models import Membership

pytestmark = pytest.mark.django_db

REVIEW = reverse("records:review_list")


def test_the_head_the_data_protection_lead_and_the_sergeant_are_shown_the_records(
    signed_in, head_a, staff_a, school_a, sergeant
):
    Membership.objects.filter(user=staff_a, school=school_a).update(is_data_protection_lead=True)
    for user in (head_a, staff_a, sergeant):
        assert REVIEW in signed_in(user).get("/").content.decode(), user


def test_others_are_not(signed_in, spoc_a, staff_a2, sspo_a):
    for user in (spoc_a, staff_a2, sspo_a):
        assert REVIEW not in signed_in(user).get("/").content.decode(), user

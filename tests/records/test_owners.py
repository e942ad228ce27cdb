"""Who answers for records (ACCESS.md rows 40-42): the head or the school's data-protection
lead for the school's; the team's sergeant for police records. Nobody else."""

import pytest
from django.db import IntegrityError, transaction

from records.access import can_manage_police_records, can_manage_school_records
from records.models import LegalHold
from schools.models import Membership

pytestmark = pytest.mark.django_db


def test_the_head_and_the_data_protection_lead_answer_for_the_schools_records(
    head_a, spoc_a, staff_a, staff_a2, head_b, sspo_a, sergeant, school_a
):
    Membership.objects.filter(user=staff_a, school=school_a).update(is_data_protection_lead=True)
    assert can_manage_school_records(head_a, school_a)
    assert can_manage_school_records(staff_a, school_a)
    for user in (spoc_a, staff_a2, head_b, sspo_a, sergeant):
        assert not can_manage_school_records(user, school_a), user


def test_a_lead_who_has_left_answers_for_nothing(staff_a, school_a):
    Membership.objects.filter(user=staff_a, school=school_a).update(
        is_data_protection_lead=True, left_on="2020-01-01"
    )
    assert not can_manage_school_records(staff_a, school_a)


def test_a_school_has_one_current_data_protection_lead(staff_a, staff_a2, school_a):
    Membership.objects.filter(user=staff_a, school=school_a).update(is_data_protection_lead=True)
    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.filter(user=staff_a2, school=school_a).update(
            is_data_protection_lead=True
        )


def test_the_sergeant_answers_for_their_own_teams_police_records(
    sergeant, other_sergeant, sspo_a, head_a, safer_team
):
    assert can_manage_police_records(sergeant, safer_team)
    for user in (other_sergeant, sspo_a, head_a):
        assert not can_manage_police_records(user, safer_team), user


def test_a_hold_covers_a_pupil_or_one_record_never_neither(head_a, school_a, pupil_a):
    LegalHold.objects.create(school=school_a, pupil=pupil_a, reason="Inquiry", placed_by=head_a)
    with pytest.raises(IntegrityError), transaction.atomic():
        LegalHold.objects.create(school=school_a, reason="Nothing named", placed_by=head_a)
    assert LegalHold.objects.in_force().count() == 1

"""Need measures: posted twice from one rendered form, added once; added only by a sergeant
still in post when the force's row is locked."""

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from schools.allocation import need_measure_add
from schools.models import NeedMeasure
from ssp.models import User
from tests.submissions import assert_posted_twice_saves_once


def test_a_need_measure_posted_twice_is_added_once(client, sergeant, force):
    client.force_login(sergeant)
    url = reverse("need_measure_new")
    assert_posted_twice_saves_once(
        client,
        page=url,
        post=url,
        data={"name": "Knife crime near the school", "weight": "1.5"},
        model=NeedMeasure,
        fresh={"name": "Exclusions"},
    )


def test_a_sergeant_who_left_adds_no_measure(client, sergeant, force):
    client.force_login(sergeant)
    assert client.get(reverse("need_measure_new")).status_code == 200
    officer = sergeant.officer
    officer.left_on = timezone.localdate()
    officer.save()
    gone = User.objects.get(pk=sergeant.pk)
    with pytest.raises(PermissionDenied):
        need_measure_add(force_id=force.pk, name="Knife crime", weight=1, by=gone)
    assert not NeedMeasure.objects.filter(force=force).exists()


def test_a_sergeant_of_another_force_adds_no_measure_to_this_one(other_sergeant, force):
    with pytest.raises(PermissionDenied):
        need_measure_add(force_id=force.pk, name="Knife crime", weight=1, by=other_sergeant)
    assert not NeedMeasure.objects.filter(force=force).exists()

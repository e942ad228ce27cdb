"""A need measure posted twice from one rendered form is added once."""

from django.urls import reverse

from schools.models import NeedMeasure
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

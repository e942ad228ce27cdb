"""An action plan item posted twice from one rendered form is added once."""

from django.urls import reverse

from agreements.models import ActionPlanItem
from tests.submissions import assert_posted_twice_saves_once

from .test_action_plan import item_data


def test_an_action_plan_item_posted_twice_is_added_once(client, school_a, sspo_a):
    client.force_login(sspo_a)
    url = reverse("action_plan_item_add", args=[school_a.partnership.code])
    assert_posted_twice_saves_once(
        client, page=url, post=url, data=item_data(), model=ActionPlanItem
    )

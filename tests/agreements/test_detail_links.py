"""The partnership page offers each person the links their role may follow, decided by the
view's predicates (templates hold no role test)."""

import pytest
from django.urls import reverse


@pytest.mark.parametrize(
    "who, rounds, awareness, working_together",
    [
        ("sergeant", True, False, True),
        ("head_a", False, True, True),
        ("spoc_a", False, False, True),
        ("sspo_a", False, False, True),
        ("admin_user", False, False, False),
    ],
)
def test_the_partnership_page_links_only_where_the_person_may_go(
    request, client, school_a, sspo_a, who, rounds, awareness, working_together
):
    partnership = school_a.partnership
    client.force_login(request.getfixturevalue(who))
    body = client.get(reverse("partnership_detail", args=[partnership.code])).content.decode()
    assert (reverse("feedback_round_list", args=[partnership.code]) in body) is rounds
    assert (reverse("awareness_staff", args=[partnership.code]) in body) is awareness
    assert (reverse("action_plan", args=[partnership.code]) in body) is working_together


def test_a_sergeant_is_offered_no_feedback_rounds_of_a_partnership_outside_the_team(
    client, school_a, sergeant
):
    # No officer holds the school yet: the sergeant allocates it, so it is on their
    # register, but its appraisal is not the team's (round_list would answer 403).
    partnership = school_a.partnership
    client.force_login(sergeant)
    response = client.get(reverse("partnership_detail", args=[partnership.code]))
    assert response.status_code == 200
    assert reverse("feedback_round_list", args=[partnership.code]) not in response.content.decode()

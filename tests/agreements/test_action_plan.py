"""The partnership action plan: the school's leads and its SSPO agree and update it, the
sergeant reads it, nobody else sees it; overdue items are flagged; history is kept."""

import pytest
from django.urls import reverse

from agreements.action_plan_services import latest_change
from agreements.models import ActionPlanItem, Partnership
from tests.factories import PartnershipFactory
from tests.schools.activity_fixtures import *  # noqa: F403  (the fixtures)
from tests.schools.activity_fixtures import ANON, PEOPLE, date_fields, days, who

READERS = {"spoc_a", "deputy_a", "head_a", "sspo_a", "sergeant"}
EDITORS = {"spoc_a", "deputy_a", "head_a", "sspo_a"}
# In the partnership register's scope but with no part in the plan: 403, not 404.
IN_REGISTER = {"staff_a", "admin_user"}


def make_item(partnership, by, **fields):
    item = ActionPlanItem(
        partnership=partnership,
        problem=fields.pop("problem", "Pupils vaping in the toilets"),
        action=fields.pop("action", "Joint assembly and toilet checks at break"),
        owner=fields.pop("owner", "Head of year 9 and the SSPO"),
        due_on=fields.pop("due_on", days(30)),
        created_by=by,
        **fields,
    )
    item._history_user = by
    item.save()
    return item


@pytest.fixture
def partnership_a(school_a):
    return school_a.partnership


@pytest.fixture
def world(partnership_a, spoc_a, deputy_a, head_a, staff_a, sspo_a, sspo_b, spoc_b, head_b):
    return make_item(partnership_a, spoc_a)


def snapshot():
    return sorted(
        ActionPlanItem.objects.values_list("pk", "problem", "action", "owner", "due_on", "status")
    )


def page_url(page, partnership, item):
    return {
        "action_plan": reverse("action_plan", args=[partnership.code]),
        "add": reverse("action_plan_item_add", args=[partnership.code]),
        "edit": reverse("action_plan_item_edit", args=[partnership.code, item.code]),
    }[page]


PAGES = {"action_plan": READERS, "add": EDITORS, "edit": EDITORS}


def expected(page, person):
    if person in PAGES[page]:
        return 200
    if person in IN_REGISTER or person in READERS:
        return 403
    return 404


@pytest.mark.parametrize("person", [*PEOPLE, ANON])
@pytest.mark.parametrize("page", list(PAGES))
def test_pages_by_person(request, client, world, partnership_a, person, page):
    user = who(request, person)
    if user:
        client.force_login(user)
    before = snapshot()
    response = client.get(page_url(page, partnership_a, world))
    if user is None:
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
        return
    assert response.status_code == expected(page, person)
    assert snapshot() == before
    if response.status_code == 200 and page == "action_plan":
        assert "Pupils vaping in the toilets" in response.content.decode()


def item_data(**overrides):
    return {
        "problem": "Fights at the bus stop after school",
        "action": "Patrols on Tuesdays and Thursdays",
        "owner": "SSPO",
        **date_fields("due_on", days(14)),
    } | overrides


@pytest.mark.parametrize("person", [*PEOPLE, ANON])
@pytest.mark.parametrize("action", ["add", "edit"])
def test_changing_the_plan_by_person(request, client, world, partnership_a, person, action):
    user = who(request, person)
    if user:
        client.force_login(user)
    before = snapshot()
    data = item_data()
    if action == "edit":
        data |= {"status": "in_progress", "seen": latest_change(world)}
    response = client.post(page_url(action, partnership_a, world), data)
    if user is None:
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
        assert snapshot() == before
        return
    allowed = person in EDITORS
    assert response.status_code == (302 if allowed else expected(action, person))
    if allowed:
        assert ActionPlanItem.objects.filter(problem="Fights at the bus stop after school")
        changed = ActionPlanItem.objects.get(problem="Fights at the bus stop after school")
        assert changed.history.first().history_user == user
    else:
        assert snapshot() == before


def test_a_sergeant_reads_only_the_plans_of_the_teams_schools(
    client, force, sergeant, other_sergeant, sspo_a, world
):
    unheld = PartnershipFactory(school__force=force, school__name="Dunmore High")
    make_item(unheld, sergeant, problem="Unheld school's item")
    client.force_login(sergeant)
    # The sergeant sees the unheld partnership in the register, to allocate it, not its plan.
    assert client.get(reverse("action_plan", args=[unheld.code])).status_code == 403
    assert client.get(reverse("action_plan", args=[world.partnership.code])).status_code == 200
    client.force_login(other_sergeant)
    assert client.get(reverse("action_plan", args=[world.partnership.code])).status_code == 404


def test_overdue_items_are_flagged_but_not_done_or_dropped_ones(client, partnership_a, spoc_a):
    make_item(partnership_a, spoc_a, problem="Late and open", due_on=days(-3))
    make_item(
        partnership_a, spoc_a, problem="Late in progress", due_on=days(-1), status="in_progress"
    )
    make_item(partnership_a, spoc_a, problem="Late but done", due_on=days(-5), status="done")
    make_item(partnership_a, spoc_a, problem="Late but dropped", due_on=days(-5), status="dropped")
    make_item(partnership_a, spoc_a, problem="Due today", due_on=days(0))
    client.force_login(spoc_a)
    response = client.get(reverse("action_plan", args=[partnership_a.code]))
    body = response.content.decode()
    assert "2 items overdue" in body
    flagged = {item.problem for item in response.context["page"] if item.overdue}
    assert flagged == {"Late and open", "Late in progress"}
    # Items still to do come first.
    assert body.index("Due today") < body.index("Late but done")


def test_an_item_needs_every_field_and_a_due_date_not_past(client, partnership_a, sspo_a):
    client.force_login(sspo_a)
    url = reverse("action_plan_item_add", args=[partnership_a.code])
    body = client.post(
        url, item_data(problem="", owner="", due_on_0="", due_on_1="", due_on_2="")
    ).content.decode()
    for message in ("Describe the problem", "Enter who owns this action", "Enter the due date"):
        assert message in body
    assert "Patrols on Tuesdays and Thursdays" in body  # typed input kept
    past = client.post(url, item_data(**date_fields("due_on", days(-1)))).content.decode()
    assert "The due date must be today or later" in past
    assert "Fights at the bus stop after school" in past
    assert not ActionPlanItem.objects.exists()


def test_an_update_keeps_the_history(client, world, sspo_a, spoc_a):
    client.force_login(sspo_a)
    url = reverse("action_plan_item_edit", args=[world.partnership.code, world.code])
    data = item_data(problem=world.problem, status="done", seen=latest_change(world))
    assert client.post(url, data).status_code == 302
    world.refresh_from_db()
    assert world.status == "done"
    assert [(h.status, h.history_user) for h in world.history.all()] == [
        ("done", sspo_a),
        ("open", spoc_a),
    ]
    client.force_login(spoc_a)
    body = client.get(url).content.decode()
    assert "History" in body and sspo_a.get_full_name() in body


def test_of_two_updates_from_the_same_page_one_wins_and_the_other_is_told(
    client, world, sspo_a, spoc_a
):
    seen = latest_change(world)
    url = reverse("action_plan_item_edit", args=[world.partnership.code, world.code])
    client.force_login(sspo_a)
    first = client.post(url, item_data(owner="SSPO", status="in_progress", seen=seen))
    client.force_login(spoc_a)
    second = client.post(url, item_data(owner="Head of year 10", status="dropped", seen=seen))
    assert first.status_code == 302 and second.status_code == 409
    body = second.content.decode()
    assert "Someone else changed this item first" in body
    assert 'value="Head of year 10"' in body  # what they typed is still there
    world.refresh_from_db()
    assert (world.owner, world.status) == ("SSPO", "in_progress")


def test_an_ended_partnership_keeps_its_plan_read_only(client, world, spoc_a, sspo_a):
    partnership = world.partnership
    partnership.status = Partnership.Status.ENDED
    partnership.save()
    for user in (spoc_a, sspo_a):
        client.force_login(user)
        body = client.get(reverse("action_plan", args=[partnership.code])).content.decode()
        assert "Pupils vaping in the toilets" in body and "Add an item" not in body
        add = reverse("action_plan_item_add", args=[partnership.code])
        assert client.post(add, item_data()).status_code == 403


def test_the_school_leads_and_sspo_homes_link_to_the_plan(client, world, spoc_a, sspo_a):
    url = reverse("action_plan", args=[world.partnership.code])
    for user in (spoc_a, sspo_a):
        client.force_login(user)
        assert url in client.get(reverse("home")).content.decode()


@pytest.mark.parametrize("person", ["spoc_a", "sspo_a", "sergeant"])
def test_the_plan_answers_in_a_fixed_number_of_queries(
    request, client, django_assert_max_num_queries, partnership_a, spoc_a, sspo_a, person
):
    client.force_login(request.getfixturevalue(person))
    url = reverse("action_plan", args=[partnership_a.code])

    def grow_to(count):
        while ActionPlanItem.objects.count() < count:
            item = make_item(
                partnership_a, spoc_a, due_on=days(ActionPlanItem.objects.count() - 5)
            )
            item.status = "in_progress"
            item._history_user = sspo_a
            item.save()

    grow_to(2)
    with django_assert_max_num_queries(12) as small:
        assert client.get(url).status_code == 200
    grow_to(30)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client.get(url).status_code == 200

"""The activity log pages by cursor: it walks whole and in order with ties on the day, a deep
page costs the queries of the first, and a cursor someone changed gives the first page."""

import datetime

import pytest
from django.urls import reverse

from schools.models import Activity
from tests.keyset_walk import UUID, walk

from .activity_fixtures import *  # noqa: F403  (the fixtures)
from .activity_fixtures import make_activity


@pytest.fixture
def activities_55(school_a, sspo_a):
    today = datetime.date.today()
    for n in range(55):
        make_activity(school=school_a, by=sspo_a, on=today - datetime.timedelta(days=n // 4))


@pytest.mark.parametrize(
    "who, sort, order",
    [("sspo_a", "", ["-on", "-pk"]), ("sergeant", "oldest", ["on", "pk"])],
)
def test_the_log_walks_in_order_once_and_deep_pages_cost_the_same(
    request, client, activities_55, who, sort, order
):
    client.force_login(request.getfixturevalue(who))
    url = reverse("activity_list")
    client.get(url)  # the session's first request does more
    codes, queries = walk(client, url, f"sort={sort}&kind=")
    expected = [str(c) for c in Activity.objects.order_by(*order).values_list("code", flat=True)]
    assert [code for code in codes if code in expected] == expected
    assert len(queries) == 3
    assert queries[0] == queries[1] == queries[2]
    assert queries[0] <= 8


@pytest.mark.parametrize("cursor", ["forged", "a" * 300, "eyJzIjoibmV3ZXN0In0:bad:sig", "%00"])
def test_a_changed_cursor_gives_the_first_page_not_an_error(client, activities_55, sspo_a, cursor):
    client.force_login(sspo_a)
    first = client.get(reverse("activity_list"))
    response = client.get(reverse("activity_list"), {"cursor": cursor, "sort": "nope"})
    assert response.status_code == 200
    assert UUID.findall(response.content.decode()) == UUID.findall(first.content.decode())


def test_an_outsider_reads_no_rows_of_the_log(client, activities_55, sspo_b):
    client.force_login(sspo_b)
    response = client.get(reverse("activity_list"), {"cursor": "forged"})
    assert response.status_code == 200
    codes = {str(c) for c in Activity.objects.values_list("code", flat=True)}
    assert not codes & set(UUID.findall(response.content.decode()))

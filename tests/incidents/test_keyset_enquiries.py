"""Enquiries page by cursor: the latest message first, ties kept in a fixed order, a deep
page costs the queries of the first, and a cursor someone changed gives the first page."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from incidents.models import Enquiry
from incidents.services import enquiry_open
from tests.keyset_walk import UUID, link, walk


@pytest.fixture
def enquiries_55(school_a, sspo_a, spoc_a):
    now = timezone.now()
    for n in range(55):
        enquiry = enquiry_open(
            by=sspo_a, school=school_a, about="general", subject=f"Question {n}", text="Can we?"
        )
        # Four share each time: the id keeps their order.
        Enquiry.objects.filter(pk=enquiry.pk).update(
            last_message_at=now - datetime.timedelta(hours=n // 4)
        )


@pytest.mark.parametrize(
    "who, sort, order",
    [("sspo_a", "", ["-last_message_at", "-pk"]), ("spoc_a", "oldest", ["last_message_at", "pk"])],
)
def test_enquiries_walk_in_order_once_and_deep_pages_cost_the_same(
    request, client, enquiries_55, who, sort, order
):
    client.force_login(request.getfixturevalue(who))
    url = reverse("enquiry_list")
    client.get(url)  # the session's first request does more
    codes, queries = walk(client, url, f"sort={sort}")
    expected = [str(c) for c in Enquiry.objects.order_by(*order).values_list("code", flat=True)]
    assert [code for code in codes if code in expected] == expected
    assert len(queries) == 3
    assert queries[0] == queries[1] == queries[2]
    assert queries[0] <= 8


def test_the_waiting_filter_is_kept_from_page_to_page(client, enquiries_55, spoc_a):
    client.force_login(spoc_a)
    body = client.get(reverse("enquiry_list"), {"waiting": "1"}).content.decode()
    assert "waiting=1" in link(body, "next")


@pytest.mark.parametrize("cursor", ["forged", "a" * 300, "eyJzIjoibGF0ZXN0In0:bad:sig"])
def test_a_changed_cursor_gives_the_first_page_not_an_error(client, enquiries_55, sspo_a, cursor):
    client.force_login(sspo_a)
    first = client.get(reverse("enquiry_list"))
    response = client.get(reverse("enquiry_list"), {"cursor": cursor, "sort": "nope"})
    assert response.status_code == 200
    assert UUID.findall(response.content.decode()) == UUID.findall(first.content.decode())


def test_an_outsider_reads_no_enquiries(client, enquiries_55, sspo_b):
    client.force_login(sspo_b)
    response = client.get(reverse("enquiry_list"), {"cursor": "forged"})
    assert response.status_code == 200
    assert not UUID.findall(response.content.decode())

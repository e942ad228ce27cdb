"""Concern lists page by cursor (ssp/keyset.py): deep pages cost what the first page costs,
rows added between two pages neither repeat nor go missing, and the URL holds no name."""

import base64
import datetime
import html
import re
from urllib.parse import unquote

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from incidents.models import Concern
from tests.factories import PupilFactory
from tests.incidents.test_query_counts import bulk_concerns

QUEUE = reverse("triage_queue")
REFERENCE = re.compile(r'href="/concerns/[0-9a-f-]{36}/">([^<]+)</a>')


def _link(body: str, rel: str) -> str | None:
    found = re.search(rf'href="\?([^"]*)" rel="{rel}"', body)
    return html.unescape(found.group(1)) if found else None


def _walk(client, url, params=""):
    """Every reference shown, following Next from the first page to the last."""
    seen, query, pages = [], params, 0
    while query is not None:
        body = client.get(f"{url}?{query}").content.decode()
        seen += REFERENCE.findall(body)
        query = _link(body, "next")
        pages += 1
        assert pages < 50
    return seen, pages


@pytest.fixture
def queue_of_60(client, school_a, staff_a, spoc_a, sspo_a):
    pupils = PupilFactory.create_batch(3, school=school_a)
    bulk_concerns(school_a, staff_a, 60, pupils, sspo_a)
    # Ties on the logged time, so the id has to break them for the order to be total.
    tied = timezone.now() - datetime.timedelta(minutes=30)
    for concern in Concern.objects.filter(reference__in=["Q-60-3", "Q-60-4", "Q-60-5"]):
        concern.recorded_at = tied
        concern.save(update_fields=["recorded_at"])
    client.force_login(spoc_a)
    return client


@pytest.mark.parametrize(
    "sort, order",
    [
        ("", ["-immediate_risk", "-recorded_at", "-pk"]),
        ("newest", ["-recorded_at", "-pk"]),
        ("oldest", ["recorded_at", "pk"]),
        ("nonsense", ["-immediate_risk", "-recorded_at", "-pk"]),  # unknown: the default
    ],
)
def test_every_sort_walks_the_whole_list_in_order_without_repeats(
    queue_of_60, school_a, sort, order
):
    seen, pages = _walk(queue_of_60, QUEUE, f"status=&sort={sort}")
    expected = list(
        Concern.objects.filter(school=school_a)
        .order_by(*order)
        .values_list("reference", flat=True)
    )
    assert seen == expected
    assert pages == 3


def test_previous_goes_back_to_the_same_rows(queue_of_60):
    first = queue_of_60.get(QUEUE, {"status": "", "sort": "oldest"}).content.decode()
    second = queue_of_60.get(f"{QUEUE}?{_link(first, 'next')}").content.decode()
    third = queue_of_60.get(f"{QUEUE}?{_link(second, 'next')}").content.decode()
    assert _link(first, "prev") is None and _link(third, "next") is None
    back = queue_of_60.get(f"{QUEUE}?{_link(third, 'prev')}").content.decode()
    assert REFERENCE.findall(back) == REFERENCE.findall(second)
    start = queue_of_60.get(f"{QUEUE}?{_link(back, 'prev')}").content.decode()
    assert REFERENCE.findall(start) == REFERENCE.findall(first)
    assert _link(start, "prev") is None


def test_concerns_logged_between_two_pages_neither_repeat_nor_go_missing(
    queue_of_60, school_a, staff_a, sspo_a
):
    first = queue_of_60.get(QUEUE, {"status": "", "sort": "newest"}).content.decode()
    bulk_concerns(school_a, staff_a, 7, PupilFactory.create_batch(1, school=school_a), sspo_a)
    for concern in Concern.objects.filter(reference__startswith="Q-7-"):
        concern.recorded_at = timezone.now() + datetime.timedelta(minutes=5)
        concern.save(update_fields=["recorded_at"])
    second = queue_of_60.get(f"{QUEUE}?{_link(first, 'next')}").content.decode()
    old = list(
        Concern.objects.filter(school=school_a, reference__startswith="Q-60-")
        .order_by("-recorded_at", "-pk")
        .values_list("reference", flat=True)
    )
    assert REFERENCE.findall(first) == old[:25]
    assert REFERENCE.findall(second) == old[25:50]
    # Going back now shows what came in above, not a page short.
    back = queue_of_60.get(f"{QUEUE}?{_link(second, 'prev')}").content.decode()
    assert REFERENCE.findall(back) == old[:25]
    assert _link(back, "prev") is not None  # and the new ones are a page further back


@pytest.mark.parametrize(
    "cursor",
    ["rubbish", "", "eyJzIjoicmlzayJ9:forged:signature", "a" * 500, "\x00", "é"],
)
def test_a_bad_cursor_gives_the_first_page(queue_of_60, cursor):
    first = queue_of_60.get(QUEUE, {"status": ""}).content.decode()
    response = queue_of_60.get(QUEUE, {"status": "", "cursor": cursor})
    assert response.status_code == 200
    assert REFERENCE.findall(response.content.decode()) == REFERENCE.findall(first)


def test_a_cursor_of_another_sort_gives_that_sorts_first_page(queue_of_60):
    first = queue_of_60.get(QUEUE, {"status": "", "sort": "oldest"}).content.decode()
    cursor = dict(pair.split("=", 1) for pair in _link(first, "next").split("&") if "=" in pair)[
        "cursor"
    ]
    newest = queue_of_60.get(QUEUE, {"status": "", "sort": "newest"}).content.decode()
    mixed = queue_of_60.get(QUEUE, {"status": "", "sort": "newest", "cursor": cursor})
    assert REFERENCE.findall(mixed.content.decode()) == REFERENCE.findall(newest)


def test_the_cursor_carries_sort_keys_never_a_name(queue_of_60, school_a):
    pupil = school_a.pupils.first()
    pupil.first_name, pupil.last_name = "Zebedee", "Quartermain"
    pupil.save()
    body = queue_of_60.get(QUEUE, {"status": ""}).content.decode()
    assert "Zebedee" in body  # the page names the pupil...
    query = _link(body, "next")
    cursor = unquote(re.search(r"cursor=([^&]+)", query).group(1))
    payload = cursor.split(":")[0]
    decoded = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)).decode()
    for text in (query, decoded):  # ...its links do not
        assert "Zebedee" not in text and "Quartermain" not in text
    assert '"v":[' in decoded


@pytest.mark.parametrize(
    "who, page",
    [("spoc_a", "triage_queue"), ("staff_a", "my_concerns"), ("sspo_a", "shared_with_me")],
)
def test_a_deep_page_costs_what_the_first_page_costs_and_counts_nothing(
    request, client, school_a, staff_a, spoc_a, sspo_a, who, page
):
    pupils = PupilFactory.create_batch(3, school=school_a)
    bulk_concerns(school_a, staff_a, 600, pupils, sspo_a)
    client.force_login(request.getfixturevalue(who))
    url = reverse(page)
    params = "status=" if page == "triage_queue" else ""
    client.get(f"{url}?{params}")  # the session's first request does more
    with CaptureQueriesContext(connection) as first:
        body = client.get(f"{url}?{params}").content.decode()
    query = _link(body, "next")
    for _ in range(2):
        body = client.get(f"{url}?{query}").content.decode()
        query = _link(body, "next")
    with CaptureQueriesContext(connection) as deep:
        body = client.get(f"{url}?{query}").content.decode()
    assert len(REFERENCE.findall(body)) == 25
    assert len(deep) == len(first)
    for sql in (q["sql"].upper() for q in deep.captured_queries):
        assert "OFFSET" not in sql
        if 'FROM "INCIDENTS_CONCERN"' in sql:  # (the header's unread count rides with the user)
            assert "COUNT(" not in sql

"""Helpers for tests of lists paged by a keyset cursor (ssp.keyset)."""

import html
import re

from django.db import connection
from django.test.utils import CaptureQueriesContext

# A record's code in the links of a list's rows.
UUID = re.compile(r'href="/[a-z/-]+/([0-9a-f-]{36})/"')


def link(body, rel):
    """The query string of the page's `rel` ("next", "prev") link, or None."""
    found = re.search(rf'href="\?([^"]*)" rel="{rel}"', body)
    return html.unescape(found.group(1)) if found else None


def walk(client, url, query, row=UUID):
    """Follow "next" from `url?query` to the end: the codes listed (or what `row` finds of
    each row), and each page's queries (none of which may use OFFSET)."""
    codes, queries = [], []
    while query is not None:
        with CaptureQueriesContext(connection) as captured:
            response = client.get(f"{url}?{query}")
        assert response.status_code == 200
        body = response.content.decode()
        codes += row.findall(body)
        queries.append(len(captured))
        assert "OFFSET" not in " ".join(q["sql"] for q in captured.captured_queries)
        query = link(body, "next")
    return codes, queries


def walk_by_school(client, url, query):
    """walk() after a first request (the session's own writes), asserting the pages were
    read school by school: one UNION ALL statement of per-school parts (ssp.keyset)."""
    client.get(url)
    with CaptureQueriesContext(connection) as captured:
        codes, queries = walk(client, url, query)
    assert "UNION ALL" in " ".join(q["sql"] for q in captured.captured_queries)
    return codes, queries

"""For tests of what a page reads: how many statements (flat as rows grow), and which
columns (what it shows and no more: a list has no need of a narrative)."""

from django.db import connection
from django.test.utils import CaptureQueriesContext


def page_and_statements(client, url) -> tuple[str, list[str]]:
    """The page's body, and the statements it ran."""
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return response.content.decode(), [query["sql"] for query in captured.captured_queries]


def queries_for(client, url) -> int:
    """How many statements the page ran."""
    return len(page_and_statements(client, url)[1])


def columns_among(statements: list[str], *columns: str) -> list[str]:
    """Those of `columns` ("table.column") the statements read."""
    read = " ".join(statements)
    return [column for column in columns if '"{}"."{}"'.format(*column.split(".")) in read]

"""For tests that a page reads what it shows and no more: a list has no need of a narrative."""

from django.db import connection
from django.test.utils import CaptureQueriesContext


def page_and_statements(client, url) -> tuple[str, str]:
    """The page's body, and every statement it ran as one string."""
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return response.content.decode(), " ".join(query["sql"] for query in captured.captured_queries)


def columns_among(statements: str, *columns: str) -> list[str]:
    """Those of `columns` ("table.column") the statements read."""
    return [column for column in columns if '"{}"."{}"'.format(*column.split(".")) in statements]

"""For tests that read the plans PostgreSQL makes of a page's statements."""

import json

from django.db import connection, transaction


def plans_of(statements, tables, *, without_seq_scans=False) -> list[dict]:
    """The plan of each statement, with the tables analysed first: with the statistics a
    live database keeps, as the planner would have them (all rolled back). Small tables are
    read in sequence whatever indexes there are; without_seq_scans prices that out, so a
    sequential scan that remains is one no index can avoid."""
    found = []
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {', '.join(tables)}")
        if without_seq_scans:
            cursor.execute("SET LOCAL enable_seqscan = off")
        for sql in statements:
            cursor.execute("EXPLAIN (FORMAT JSON) " + sql)
            plan = cursor.fetchone()[0]
            found.append((json.loads(plan) if isinstance(plan, str) else plan)[0]["Plan"])
    return found


def nodes(plan):
    """Every node of a plan, its own first."""
    yield plan
    for child in plan.get("Plans", []):
        yield from nodes(child)

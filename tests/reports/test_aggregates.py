"""The demo's SQLite has no median: the portal brings its own, matching PostgreSQL's."""

import sqlite3

from reports.aggregates import SQLITE_MEDIAN, SqliteMedian


def _median(values):
    db = sqlite3.connect(":memory:")
    db.create_aggregate(SQLITE_MEDIAN, 1, SqliteMedian)
    db.execute("CREATE TABLE t (v REAL)")
    db.executemany("INSERT INTO t VALUES (?)", [(v,) for v in values])
    return db.execute(f"SELECT {SQLITE_MEDIAN}(v) FROM t").fetchone()[0]


def test_the_middle_value_or_the_mean_of_the_middle_two_as_percentile_cont_gives():
    assert _median([5, 1, 3]) == 3
    assert _median([4, 1, 3, 10]) == 3.5


def test_nulls_are_left_out_and_nothing_gives_null():
    assert _median([None, 2, None, 8]) == 5
    assert _median([]) is None

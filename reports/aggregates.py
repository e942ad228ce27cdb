"""The aggregates the figures need, on PostgreSQL and on the demo's SQLite.

PostgreSQL computes them itself. The demo runs on SQLite, which has no median and keeps a
duration as a count of microseconds: there the median is a small Python aggregate
registered on each connection (see ReportsConfig.ready).
"""

import statistics

from django.db.models import Aggregate, FloatField, Func


class Median(Aggregate):
    """The continuous median of the expression, NULLs left out."""

    function = "PERCENTILE_CONT"
    name = "Median"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)%(filter)s"

    def as_sqlite(self, compiler, connection, **extra_context):
        return super().as_sql(
            compiler,
            connection,
            function=SQLITE_MEDIAN,
            template="%(function)s(%(expressions)s)%(filter)s",
            **extra_context,
        )


class Hours(Func):
    """The length of an interval in hours."""

    template = "EXTRACT(EPOCH FROM %(expressions)s) / 3600.0"
    output_field = FloatField()

    def as_sqlite(self, compiler, connection, **extra_context):
        return super().as_sql(
            compiler, connection, template="(%(expressions)s) / 3600000000.0", **extra_context
        )


SQLITE_MEDIAN = "ssp_median"


class SqliteMedian:
    """What PERCENTILE_CONT(0.5) gives: the middle value, or the mean of the middle two."""

    def __init__(self):
        self.values = []

    def step(self, value):
        if value is not None:
            self.values.append(value)

    def finalize(self):
        return statistics.median(self.values) if self.values else None


def register_sqlite_median(sender, connection, **kwargs):
    if connection.vendor == "sqlite":
        connection.connection.create_aggregate(SQLITE_MEDIAN, 1, SqliteMedian)

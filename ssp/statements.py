"""Statements built and compiled once per process, then run with each request's values.

On the busiest pages, building a queryset and compiling it to SQL costs more than running
it (issue 11: two fifths of the caseload's time went on building querysets). Where a page's
statement has the same shape on every request and only its values change (the person, their
schools, the moment), the page can build it once, through the very code it would use every
time (the access rules included), with *stand-ins* for those values, and remember where each
stand-in went among the statement's parameters. Each request then runs the remembered SQL
with its own values put in those places: the same statement the code would have built for
it, without building it.

Stand-ins are values no record can hold (negative ids, moments and days of the year 1901),
each different from the others, so each is found among the parameters by its value alone.
While a statement is built (before it is compiled), the database may not be reached: code
that read it to shape the statement (a rule looking up the person's rows, say) would shape it
by the stand-ins' rows, so `prepare` refuses instead (`BuiltFromTheDatabase`). A parameter
in the stand-ins' range that is not one of them was worked out from one (a day before a
stand-in day, say): it would be kept as a constant where the request's value belonged, so
`prepare` refuses that too.
(A stand-in may go unused: a rule that finds no schools leaves its part out.) Where the
database takes moments and days as text (SQLite, the demo's), a stand-in is found in that form
too, and the request's value is put in that form.
"""

import functools
import itertools
from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from django.db import connections
from django.db.backends.utils import CursorDebugWrapper, CursorWrapper
from django.db.models import Model, QuerySet
from django.db.models.expressions import RawSQL
from django.utils import timezone

# Far from anything real: ids are positive, and the portal holds nothing from 1901. Values
# near them (up to a year or a billion away) are refused as worked out from one.
_FIRST_ID = -1_900_000_000
_FIRST_MOMENT = datetime(1901, 1, 1, tzinfo=UTC)
_FIRST_DAY = date(1901, 1, 1)
_NEAR_YEARS = range(1900, 1903)
_NEAR_IDS = (_FIRST_ID - 10**9, _FIRST_ID + 10**9)


class BuiltFromTheDatabase(RuntimeError):
    """A statement's builder read the database, so its shape could depend on the stand-ins."""


class StandIns:
    """Hands out stand-ins for a statement's values, each one different, and names them.

    `id("user")` is one id; `ids("schools", 2)` a list of two; `moment("now")` a datetime;
    `day("today")` a date; `moments("months", 12)` a list of moments. Each request gives the
    real value under the same name (a list of the same length for `ids` and `moments`)."""

    def __init__(self):
        self._ids = itertools.count(_FIRST_ID)
        self._steps = itertools.count(1)
        self.names: dict[object, tuple[str, int | None]] = {}

    def _name(self, value, name, index=None):
        self.names[value] = (name, index)
        return value

    def id(self, name: str) -> int:
        return self._name(next(self._ids), name)

    def ids(self, name: str, count: int) -> list[int]:
        return [self._name(next(self._ids), name, i) for i in range(count)]

    def moment(self, name: str) -> datetime:
        return self._name(_FIRST_MOMENT + timedelta(seconds=next(self._steps)), name)

    def moments(self, name: str, count: int) -> list[datetime]:
        return [
            self._name(_FIRST_MOMENT + timedelta(seconds=next(self._steps)), name, i)
            for i in range(count)
        ]

    def day(self, name: str) -> date:
        return self._name(_FIRST_DAY + timedelta(days=next(self._steps)), name)


@dataclass(frozen=True)
class Prepared:
    """A compiled statement, and for each of its parameters either a constant or the name
    (and list position) of the request's value that goes there."""

    alias: str
    sql: str
    params: tuple
    # per parameter: None for a constant, else (name, index or None, how the database takes
    # it: None for as it is, "moment" or "day" for in the backend's own form)
    slots: tuple
    # The compiler it was compiled with: it turns the database's rows into Python values as
    # the queryset would (dates, aware moments, JSON, durations), on every backend alike.
    compiler: object = field(compare=False, repr=False)

    def bind(self, values: Mapping[str, object]) -> list:
        params = list(self.params)
        ops = connections[self.alias].ops
        for position, slot in enumerate(self.slots):
            if slot is not None:
                name, index, form = slot
                value = values[name] if index is None else values[name][index]
                params[position] = _adapt(ops, form, value) if form else value
        return params

    def as_subquery(self, values: Mapping[str, object]) -> RawSQL:
        """The statement with these values, as a subquery of another (`field__in=`): run
        within it, so no query of its own."""
        return RawSQL(self.sql, self.bind(values))

    def rows(self, values: Mapping[str, object]) -> list[tuple]:
        """The statement's rows for these values, each value as the queryset would give it."""
        with _binding_on_the_server(connections[self.alias]) as cursor:
            cursor.execute(self.sql, self.bind(values))
            found = cursor.fetchall()
        return list(self.compiler.results_iter(results=[found], tuple_expected=True))


def _binding_on_the_server(connection):
    """A cursor that sends the statement and its values apart, where the backend can
    (PostgreSQL through psycopg 3); the connection's own cursor elsewhere.

    Django's cursors put the values into the statement's text, which psycopg quotes one by
    one and PostgreSQL parses back: for the caseload's statement, with 110 values, about a
    millisecond of a request. Nothing is prepared on the server (each is sent as the unnamed
    statement), so a connection pooler in transaction mode serves it as any other. The tests
    run every statement prepared here this way on PostgreSQL. The cursor is wrapped as the
    connection's own are, so execute_wrapper sees it, and where queries are logged (the
    tests, DEBUG) it is logged with its values in place, as theirs are."""
    if connection.vendor != "postgresql":
        return connection.cursor()
    from django.db.backends.postgresql import base  # needs psycopg: PostgreSQL's alone

    cursor_class = getattr(base, "ServerBindingCursor", None)  # psycopg 3's alone
    if cursor_class is None:
        return connection.cursor()
    connection.close_if_health_check_failed()
    connection.ensure_connection()
    connection.validate_thread_sharing()
    with connection.wrap_database_errors:
        cursor = cursor_class(connection.connection)
    if connection.queries_logged:
        return _LoggedWithItsValues(cursor, connection)
    return connection.make_cursor(cursor)


class _LoggedWithItsValues(CursorDebugWrapper):
    """Logs the statement with its values put in, where Django would log the placeholders
    of a cursor that binds on the server."""

    def execute(self, sql, params=None):
        with self.debug_sql(self.db.ops.compose_sql(sql, params)):
            return CursorWrapper.execute(self, sql, params)


def prepare(build: Callable[[StandIns], QuerySet], alias: str = "default") -> Prepared:
    """Build a statement once with stand-ins and compile it (see the module's docstring)."""
    stand_ins = StandIns()

    def refuse(execute, sql, params, many, context):
        raise BuiltFromTheDatabase(f"a statement's builder read the database: {sql[:200]}")

    connection = connections[alias]
    with connection.execute_wrapper(refuse):
        queryset = build(stand_ins)
    # Compiled after: compiling runs no rule, but may ask the backend what it supports once
    # (SQLite tries a JSON function), a read that owes nothing to the stand-ins.
    compiler = queryset.query.get_compiler(using=alias)
    sql, params = compiler.as_sql()
    # Each stand-in as it is, and as the backend adapts it for a moment's or a day's column.
    found = {value: (*slot, None) for value, slot in stand_ins.names.items()}
    for value, slot in stand_ins.names.items():
        if isinstance(value, date):
            form = "moment" if isinstance(value, datetime) else "day"
            found.setdefault(_adapt(connection.ops, form, value), (*slot, form))
    slots = tuple(found.get(param) if _hashable(param) else None for param in params)
    for param, slot in zip(params, slots, strict=True):
        if slot is None and _near_a_stand_in(param):
            raise ValueError(f"a parameter worked out from a stand-in, not one: {param!r}")
    return Prepared(alias, sql, tuple(params), slots, compiler)


@functools.lru_cache(maxsize=512)
def prepared_for_schools(query: Callable, alias: str, schools: int) -> Prepared:
    """`query(school_ids, day)` prepared once per process for this many schools; each
    request runs it with {"schools": its ids, in the same number, "today": its day}."""
    return prepare(
        lambda stand_in: query(stand_in.ids("schools", schools), stand_in.day("today")), alias
    )


def _adapt(ops, form, value):
    if form == "moment":
        return ops.adapt_datetimefield_value(value)
    return ops.adapt_datefield_value(value)


def _near_a_stand_in(value) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, str):  # a moment or day the backend takes as text
        return value[:4].isdigit() and int(value[:4]) in _NEAR_YEARS
    if isinstance(value, int):
        return _NEAR_IDS[0] <= value < _NEAR_IDS[1]  # not `in range`: slow for int subclasses
    if isinstance(value, date):  # datetimes too
        return value.year in _NEAR_YEARS
    return False


def _hashable(value) -> bool:
    try:
        hash(value)
    except TypeError:
        return False
    return True


def record(model: type[Model], shown: dict, db: str) -> Model:
    """A model instance from a statement's values by field (a path such as "school__name"
    follows the foreign key), with the related records it names, as the database would have
    built it with only() and select_related(). Values may come as JSON carries them."""
    own, related = {}, defaultdict(dict)
    for path, value in shown.items():
        name, _, rest = path.partition("__")
        if rest:
            related[name][rest] = value
        else:
            own[name] = value
    record = _instance(model, own, db)
    for name, values in related.items():
        key = model._meta.get_field(name)
        values[key.target_field.name] = own[name]
        setattr(record, name, _instance(key.related_model, values, db))
    return record


def _instance(model: type[Model], values: dict, db: str) -> Model:
    # JSON carries dates, times and UUIDs as text: each field reads its own back. Fields not
    # read stay deferred, as with only(); the rest go in the model's order, as from_db wants.
    fields = [f for f in model._meta.concrete_fields if f.name in values]
    return model.from_db(
        db, [f.attname for f in fields], [_read(f, values[f.name]) for f in fields]
    )


def _read(field, value):
    value = field.to_python(value)
    if isinstance(value, datetime) and timezone.is_naive(value):
        # SQLite (the demo's) keeps moments in UTC without saying so; PostgreSQL's JSON
        # gives the offset.
        value = timezone.make_aware(value, UTC)
    return value

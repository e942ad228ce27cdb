"""Keyset pagination for long lists: a deep page costs what the first page costs.

A page is asked for by a cursor, the sort keys of the row next to it, instead of a page number:
the query reads `WHERE (risk, logged, id) < (...) ORDER BY ... LIMIT 26`, which an index on
those columns answers by starting at the cursor, not by counting and skipping every row
before it (OFFSET), and nothing counts the whole list. Rows added between two pages shift
nothing: the next page starts after the last row shown, whatever came in above it.

The cursor is signed, so a link cannot be made to compare against values someone typed, and
it carries only sort keys (dates, flags, ids), never a name. A cursor that does not verify,
or that belongs to another sort, gives the first page: an old bookmark is not an error.

Every sort runs all its columns the same way (all newest first, or all oldest first) and
ends with the primary key, so the order is total and one row comparison bounds the page.
A sort key may be an annotation of the queryset (never null) where an order mixes directions
or depends on the day: an order ranked by an expression still reads from the cursor on.

A list over several schools (an SSPO's two, a sergeant's team) cannot walk one index in its
order: the school leads every index, so the rows of all the schools would be read and sorted
to show 25. Asked to (`by_school`), the page of a person with a few schools (an SSPO's two)
is read school by school instead: each school's next rows from the cursor (one short index
walk each), merged in one statement. The schools are all those the person may see
(ssp.scope): every list's rows are among them, so none is left out however the list narrows
them. A sergeant's team has too many schools to read one by one: theirs is most of the rows,
so an index in the list's order without the school finds a page after reading little more.
"""

import datetime
from dataclasses import dataclass
from urllib.parse import urlencode

from django.core import signing
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connections
from django.db.models import F, Q
from django.db.models.fields.tuple_lookups import (
    Tuple,
    TupleGreaterThanOrEqual,
    TupleLessThanOrEqual,
)
from django.db.models.sql.where import WhereNode

from .scope import scope_of

CURSOR = "cursor"  # the GET parameter
SORT = "sort"
SALT = "ssp.keyset"
# Up to this many schools are read one by one (by_school); more are walked together.
READ_APART = 4


class _Encoder(DjangoJSONEncoder):
    def default(self, o):
        if isinstance(o, datetime.datetime):
            return o.isoformat()  # to the microsecond: DjangoJSONEncoder keeps milliseconds
        return super().default(o)


class _Serializer:
    """JSON that can hold the dates and times sort keys are made of, exactly."""

    def dumps(self, obj):
        return _Encoder(separators=(",", ":")).encode(obj).encode("latin-1")

    def loads(self, data):
        return signing.JSONSerializer().loads(data)


@dataclass(frozen=True)
class Sort:
    label: str
    # model field names (relations with __) or the queryset's annotations, the last one unique
    fields: tuple[str, ...]
    descending: bool = True

    def order_by(self) -> list[str]:
        sign = "-" if self.descending else ""
        return [sign + name for name in self.fields]


class Page:
    """One page of rows, with the query strings of the pages before and after it."""

    def __init__(self, rows, *, sort_key, previous_cursor, next_cursor, query, sort_links=()):
        self.object_list = rows
        self.sort = sort_key
        self.sort_links = sort_links
        self.previous_query = _with(query, previous_cursor)
        self.next_query = _with(query, next_cursor)

    def __iter__(self):
        return iter(self.object_list)

    def __len__(self):
        return len(self.object_list)

    def __bool__(self):
        return bool(self.object_list)

    @property
    def has_previous(self) -> bool:
        return self.previous_query is not None

    @property
    def has_next(self) -> bool:
        return self.next_query is not None

    @property
    def has_other_pages(self) -> bool:
        return self.has_previous or self.has_next


def _with(query: dict, cursor: str | None) -> str | None:
    if cursor is None:
        return None
    return urlencode({**query, CURSOR: cursor})


def _field(queryset, path: str):
    annotation = queryset.query.annotations.get(path)
    if annotation is not None:
        return annotation.output_field
    model = queryset.model
    if path == "pk":
        return model._meta.pk
    *relations, name = path.split("__")
    for relation in relations:
        model = model._meta.get_field(relation).related_model
    return model._meta.get_field(name)


def _value(row, path: str):
    for name in path.split("__"):
        row = getattr(row, name)
    return row


def _decode(queryset, sort_key: str, sort: Sort, cursor: str):
    """The direction and typed sort keys in a cursor, or None when it does not hold."""
    try:
        data = signing.loads(cursor, salt=SALT, serializer=_Serializer)
        if data["s"] != sort_key or data["d"] not in ("after", "before"):
            return None
        if len(data["v"]) != len(sort.fields):
            return None
        values = [
            _field(queryset, path).to_python(value)
            for path, value in zip(sort.fields, data["v"], strict=True)
        ]
    except (signing.BadSignature, ValidationError, FieldDoesNotExist, KeyError, TypeError):
        return None
    except ValueError:  # undecodable base64 or JSON
        return None
    if any(value is None for value in values):
        return None
    return data["d"], values


def _encode(sort_key: str, sort: Sort, direction: str, row) -> str:
    values = [_value(row, path) for path in sort.fields]
    return signing.dumps(
        {"s": sort_key, "d": direction, "v": values}, salt=SALT, serializer=_Serializer
    )


def cursor_after(sort_key: str, sort: Sort, row) -> str:
    """The cursor of the page that starts after `row` (for benches and tests)."""
    return _encode(sort_key, sort, "after", row)


def keyset_page(
    request,
    queryset,
    *,
    sorts: dict[str, Sort],
    default: str,
    per_page: int,
    keep=(),
    by_school=False,
):
    """The page of `queryset` the request's sort and cursor ask for: one query, no count.

    `sorts` are the orders offered, by the key used in the URL; a sort not among them is the
    default one. The returned page's `sort` is the key used. Its links carry the sort, the
    cursor and the GET parameters named in `keep` (the list's filters), nothing else.
    `by_school`: read the page school by school (above); the queryset's model has a
    `school`.
    """
    sort_key = request.GET.get(SORT, default)
    if sort_key not in sorts:
        sort_key = default
    sort = sorts[sort_key]
    query = {name: request.GET[name] for name in keep if name in request.GET}
    if sort_key != default:
        query[SORT] = sort_key
    others = {k: v for k, v in query.items() if k != SORT}
    links = (
        [
            {
                "label": offered.label,
                "current": key == sort_key,
                "query": urlencode(others if key == default else {**others, SORT: key}),
            }
            for key, offered in sorts.items()
        ]
        if len(sorts) > 1
        else []
    )
    decoded = _decode(queryset, sort_key, sort, request.GET.get(CURSOR, ""))
    per_school = scope_of(request.user).visible_school_ids if by_school else ()
    forward = sort.order_by()
    if decoded is not None and decoded[0] == "before":
        # The rows just before the cursor, read backwards from it, then put back in order.
        backward = [name[1:] if name.startswith("-") else "-" + name for name in forward]
        earlier = _beyond(sort, decoded[1], ahead=False)
        rows = _first(queryset, earlier, backward, per_page + 1, per_school)
        more_before = len(rows) > per_page
        rows = rows[:per_page][::-1]
        if len(rows) == per_page or more_before:
            return Page(
                rows,
                sort_key=sort_key,
                previous_cursor=_encode(sort_key, sort, "before", rows[0])
                if more_before
                else None,
                next_cursor=_encode(sort_key, sort, "after", rows[-1]) if rows else None,
                query=query,
                sort_links=links,
            )
        decoded = None  # back at the start with rows gone since: show a full first page
    after = _beyond(sort, decoded[1], ahead=True) if decoded is not None else None
    rows = _first(queryset, after, forward, per_page + 1, per_school)
    more_after = len(rows) > per_page
    rows = rows[:per_page]
    return Page(
        rows,
        sort_key=sort_key,
        previous_cursor=_encode(sort_key, sort, "before", rows[0]) if decoded and rows else None,
        next_cursor=_encode(sort_key, sort, "after", rows[-1]) if more_after else None,
        query=query,
        sort_links=links,
    )


def _beyond(sort: Sort, values: list, *, ahead: bool) -> tuple:
    """The conditions of the rows beyond a cursor's sort keys (`values`), after it in the
    sort's order (ahead) or before it: a row comparison taken non-strictly, with the
    cursor's own row left out by its last key, which is unique. The same rows as a strict
    comparison, estimated better: PostgreSQL estimates a row comparison by its first
    column alone, so strictly past the cursor on a list's last page (`immediate_risk <
    false`) it expected no row. An SSPO's last page of shared concerns was then read from
    the index of every school's (concern_team_risk), through other schools' rows, not from
    each school's own. Taken non-strictly it expects the rows on the cursor's side of the
    first column, as a first page does, and reads each school from its own index: the
    statement ran in 1.6 to 1.9 ms against 2.2 to 2.7, at a million concerns (busier)."""
    keys = Tuple(*(F(name) for name in sort.fields))
    after = TupleLessThanOrEqual if sort.descending == ahead else TupleGreaterThanOrEqual
    return after(keys, values), ~Q(**{sort.fields[-1]: values[-1]})


def _first(queryset, beyond, order: list[str], n: int, per_school) -> list:
    """The first `n` rows of `queryset` beyond the cursor (`beyond`, conditions, or None
    for the first page) in `order`: read school by school when `per_school` names a few schools
    (from 2 to READ_APART) and the database can limit each part of a UNION (not SQLite, the
    demo's, which reads them all in one sort)."""
    schools = sorted(set(per_school))
    features = connections[queryset.db].features
    few = 2 <= len(schools) <= READ_APART
    if not few or not features.supports_slicing_ordering_in_compound:
        if beyond is not None:
            queryset = queryset.filter(*beyond)
        return list(queryset.order_by(*order)[:n])
    ids = queryset.order_by(*order).values("pk")
    if beyond is not None:
        ids = ids.filter(*beyond)
    parts = [ids.filter(school_id=school)[:n] for school in schools]
    merged = parts[0].union(*parts[1:], all=True)
    # The cursor is the parts' alone: the rows they found are all beyond it, and the whole
    # statement then plans as the first page's does (a cursor's estimate, a few rows left,
    # had PostgreSQL run the parts again for each row).
    return list(_around(queryset).filter(pk__in=merged).order_by(*order)[:n])


def _around(queryset):
    """The queryset that reads the rows the parts found: the same one without its filters,
    which every part has applied already, so they are not built, compiled and planned a
    third time (a person's access rule, most often). Only where the filters join nothing:
    a join dropped with them could change the rows found (one per related row)."""
    query = queryset.query
    if any(count for alias, count in query.alias_refcount.items() if alias != query.base_table):
        return queryset
    around = queryset.all()
    around.query.where = WhereNode()
    return around

"""Statements built once with stand-ins (ssp.statements): they run with each request's values
exactly what the code would have built for them, and refuse to be built any way that could
shape them by the stand-ins."""

import datetime
from zoneinfo import ZoneInfo

import psycopg
import pytest
from django.db import connection
from django.db.models import Exists, OuterRef
from django.db.models.functions import JSONObject, TruncMonth
from django.test.utils import CaptureQueriesContext

from agreements.models import Partnership, PartnershipEvent
from schools.models import Pupil, School
from ssp.statements import BuiltFromTheDatabase, prepare, record
from tests.factories import UserFactory, revoke_dsa
from tests.statements import built_on_another_day

LONDON = ZoneInfo("Europe/London")


def pupils_of(school_ids, born_after):
    return Pupil.objects.filter(
        school_id__in=school_ids, date_of_birth__gt=born_after
    ).values_list("pk", flat=True)


@pytest.mark.django_db
def test_a_prepared_statement_runs_with_each_requests_values(school_a, school_b, pupil_a):
    statement = prepare(
        lambda stand_in: pupils_of(stand_in.ids("schools", 1), stand_in.day("born_after"))
    )
    long_ago = datetime.date(1990, 1, 1)
    assert statement.rows({"schools": [school_a.pk], "born_after": long_ago}) == [(pupil_a.pk,)]
    assert statement.rows({"schools": [school_b.pk], "born_after": long_ago}) == []
    assert statement.rows({"schools": [school_a.pk], "born_after": pupil_a.date_of_birth}) == []
    # The same statement and parameters as the queryset built with those values.
    sql, params = pupils_of([school_a.pk], long_ago).query.sql_with_params()
    assert statement.sql == sql
    assert statement.bind({"schools": [school_a.pk], "born_after": long_ago}) == list(params)


@pytest.mark.django_db
def test_rows_come_as_the_queryset_gives_them(pupil_a):
    """Days, moments, JSON and booleans read back as the queryset reads them, on any backend
    (SQLite gives text and numbers where PostgreSQL gives dates and booleans)."""

    def shown(school_ids):
        return Pupil.objects.filter(school_id__in=school_ids).values_list(
            "date_of_birth",
            TruncMonth("school__partnership__events__at", tzinfo=LONDON),
            JSONObject(name="first_name", born="date_of_birth"),
            Exists(School.objects.filter(pk=OuterRef("school_id"))),
        )

    PartnershipEvent.objects.create(
        partnership=pupil_a.school.partnership,
        at=datetime.datetime(2026, 7, 1, tzinfo=datetime.UTC),  # 1am in London
        by=UserFactory(),
        to_status="active",
        reason="Signed.",
    )
    statement = prepare(lambda stand_in: shown(stand_in.ids("schools", 1)))
    [row] = statement.rows({"schools": [pupil_a.school_id]})
    assert row == next(iter(shown([pupil_a.school_id])))
    born, month, json, found = row
    assert born == pupil_a.date_of_birth
    assert month == datetime.datetime(2026, 7, 1, tzinfo=LONDON)
    assert json == {"name": pupil_a.first_name, "born": pupil_a.date_of_birth.isoformat()}
    assert found is True


@pytest.mark.django_db
def test_on_postgresql_the_values_travel_apart_from_the_statement(school_a, pupil_a):
    """The statement goes to PostgreSQL with placeholders and its values beside it (not
    quoted into its text by the driver), yet is logged with its values in place, as the
    connection's own cursors log theirs: the query log and the tests read it so."""
    statement = prepare(
        lambda stand_in: pupils_of(stand_in.ids("schools", 1), datetime.date(1990, 1, 1))
    )
    cursors = []

    def keep_the_cursor(execute, sql, params, many, context):
        cursors.append(context["cursor"].cursor)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(keep_the_cursor):
        assert statement.rows({"schools": [school_a.pk]}) == [(pupil_a.pk,)]
    [cursor] = cursors
    if connection.vendor == "postgresql":
        assert not isinstance(cursor, psycopg.ClientCursor)
        assert b"$1" in cursor._query.query  # as sent: a placeholder, the value apart
    with CaptureQueriesContext(connection) as captured:
        assert statement.rows({"schools": [school_a.pk]}) == [(pupil_a.pk,)]
    [logged] = captured.captured_queries
    assert f"IN ({school_a.pk})" in logged["sql"]
    assert "$1" not in logged["sql"]


@pytest.mark.django_db
def test_a_builder_that_reads_the_database_is_refused(school_a):
    def build(stand_in):
        # Shaped by what the database says of the stand-in school: there is none.
        ids = list(School.objects.filter(pk=stand_in.id("school")).values_list("pk", flat=True))
        return Pupil.objects.filter(school_id__in=ids)

    with pytest.raises(BuiltFromTheDatabase):
        prepare(build)


@pytest.mark.django_db
def test_a_value_worked_out_from_a_stand_in_is_refused():
    def build(stand_in):
        # A day before the stand-in: it would be kept as a constant, not the request's day.
        return Pupil.objects.filter(
            date_of_birth__gt=stand_in.day("today") - datetime.timedelta(days=365)
        )

    with pytest.raises(ValueError, match="worked out from a stand-in"):
        prepare(build)


@pytest.mark.django_db
def test_subqueries_take_their_values_too(school_a, school_b):
    def build(stand_in):
        in_force = Partnership.objects.filter(school=OuterRef("pk")).in_force(
            on=stand_in.day("today")
        )
        return School.objects.filter(Exists(in_force), pk__in=stand_in.ids("schools", 2))

    statement = prepare(build)
    revoke_dsa(school_b.partnership)
    today = datetime.date.today()
    both = [school_a.pk, school_b.pk]
    expected = set(
        School.objects.filter(
            Exists(Partnership.objects.filter(school=OuterRef("pk")).in_force(on=today)),
            pk__in=both,
        ).values_list("pk", flat=True)
    )
    found = {row[0] for row in statement.rows({"today": today, "schools": both})}
    assert found == expected == {school_a.pk}
    far_future = datetime.date(2999, 1, 1)  # every DSA has expired by then
    assert statement.rows({"today": far_future, "schools": both}) == []


@pytest.mark.django_db
def test_the_in_force_statement_decides_as_in_force_does_whenever_it_was_built(school_a, school_b):
    from agreements.models import _in_force_statement, in_force_among

    both = [school_a.pk, school_b.pk]
    _in_force_statement.cache_clear()
    built_on_another_day(lambda: in_force_among(both))  # when no DSA of theirs is in force
    revoke_dsa(school_b.partnership)
    assert in_force_among(both) == [school_a.pk]
    today = datetime.date.today()
    for on in (today, today + datetime.timedelta(days=5 * 365)):
        expected = Partnership.objects.filter(school_id__in=both).in_force(on)
        assert in_force_among(both, on) == list(expected.values_list("school_id", flat=True))
    assert in_force_among(both, today + datetime.timedelta(days=5 * 365)) == []
    assert in_force_among([]) == []


@pytest.fixture
def days_as_text(monkeypatch):
    """The database takes days as text, as SQLite (the demo's) does."""
    from django.db import connection

    monkeypatch.setattr(connection.ops, "adapt_datefield_value", lambda value: value.isoformat())


@pytest.mark.django_db
def test_a_backend_that_takes_days_as_text_gets_the_requests_day_as_text(school_a, days_as_text):
    """SQLite (the demo's database) takes moments and days as text: a stand-in is found in
    that form, and the request's value put in it, never the stand-in's day kept."""
    from agreements.models import _in_force_statement, in_force_among

    _in_force_statement.cache_clear()
    try:
        statement = _in_force_statement("default", 1)
        far_future = datetime.date(2999, 1, 1)
        assert "2999-01-01" in statement.bind({"schools": [school_a.pk], "on": far_future})
        assert in_force_among([school_a.pk]) == [school_a.pk]
        assert in_force_among([school_a.pk], far_future) == []
    finally:
        _in_force_statement.cache_clear()


@pytest.mark.django_db
def test_a_day_worked_out_from_a_stand_in_is_refused_in_text_too(days_as_text):
    def build(stand_in):
        return Pupil.objects.filter(
            date_of_birth__gt=stand_in.day("today") - datetime.timedelta(days=365)
        )

    with pytest.raises(ValueError, match="worked out from a stand-in"):
        prepare(build)


def test_a_moment_read_back_without_an_offset_is_taken_as_utc():
    """SQLite's JSON gives moments in UTC without saying so; PostgreSQL's gives the offset.
    Either way the caseload compares them with aware moments (the overdue flags)."""
    from incidents.models import Concern

    plain = record(Concern, {"triaged_at": "2026-12-03 10:00:00"}, "default")
    offset = record(Concern, {"triaged_at": "2026-12-03T10:00:00+00:00"}, "default")
    assert plain.triaged_at == offset.triaged_at
    assert plain.triaged_at.utcoffset() == datetime.timedelta(0)

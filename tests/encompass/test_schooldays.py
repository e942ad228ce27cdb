"""The deadline of a notification: the start of the next school day, from the school's dates."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from encompass.models import TermDate
from encompass.schooldays import next_school_day_start
from tests.factories import SchoolFactory

pytestmark = pytest.mark.django_db
LONDON = ZoneInfo("Europe/London")


def at(y, m, d, hh=0, mm=0):
    return dt.datetime(y, m, d, hh, mm, tzinfo=LONDON)


# 2026-03-06 is a Friday.
def test_a_weekday_evening_gives_the_next_morning():
    school = SchoolFactory()
    assert next_school_day_start(school, at(2026, 3, 3, 22)) == at(2026, 3, 4, 8, 30)


def test_before_the_start_of_a_school_day_gives_that_morning():
    school = SchoolFactory()
    assert next_school_day_start(school, at(2026, 3, 4, 6)) == at(2026, 3, 4, 8, 30)


def test_the_start_itself_is_not_after_so_the_next_day_counts():
    school = SchoolFactory()
    assert next_school_day_start(school, at(2026, 3, 4, 8, 30)) == at(2026, 3, 5, 8, 30)


def test_friday_night_and_the_weekend_give_monday():
    school = SchoolFactory()
    assert next_school_day_start(school, at(2026, 3, 6, 23)) == at(2026, 3, 9, 8, 30)
    assert next_school_day_start(school, at(2026, 3, 8, 12)) == at(2026, 3, 9, 8, 30)


def test_a_holiday_the_school_keeps_is_skipped():
    school = SchoolFactory()
    TermDate.objects.create(
        school=school,
        kind=TermDate.Kind.HOLIDAY,
        starts_on=dt.date(2026, 3, 9),
        ends_on=dt.date(2026, 3, 13),
    )
    assert next_school_day_start(school, at(2026, 3, 6, 23)) == at(2026, 3, 16, 8, 30)


def test_another_schools_holiday_does_not_count():
    school, other = SchoolFactory(), SchoolFactory()
    TermDate.objects.create(
        school=other,
        kind=TermDate.Kind.HOLIDAY,
        starts_on=dt.date(2026, 3, 9),
        ends_on=dt.date(2026, 3, 13),
    )
    assert next_school_day_start(school, at(2026, 3, 6, 23)) == at(2026, 3, 9, 8, 30)


def test_with_terms_kept_only_term_days_count():
    school = SchoolFactory()
    for starts, ends in [((2026, 1, 5), (2026, 3, 27)), ((2026, 4, 13), (2026, 7, 22))]:
        TermDate.objects.create(
            school=school,
            kind=TermDate.Kind.TERM,
            starts_on=dt.date(*starts),
            ends_on=dt.date(*ends),
        )
    # Friday 27 March ends term; the Easter break between terms is no school day.
    assert next_school_day_start(school, at(2026, 3, 27, 16)) == at(2026, 4, 13, 8, 30)
    # Inside a term, a weekday still counts.
    assert next_school_day_start(school, at(2026, 3, 24, 16)) == at(2026, 3, 25, 8, 30)


def test_the_start_is_on_london_time_across_the_clock_change():
    school = SchoolFactory()
    # The clocks go forward on Sunday 29 March 2026: Monday 08:30 London is 07:30 UTC.
    start = next_school_day_start(school, at(2026, 3, 27, 18))
    assert start == at(2026, 3, 30, 8, 30)
    assert start.astimezone(dt.UTC).hour == 7


def test_the_start_time_is_configurable(settings):
    settings.ENCOMPASS_SCHOOL_DAY_STARTS = "08:00"
    school = SchoolFactory()
    assert next_school_day_start(school, at(2026, 3, 3, 22)) == at(2026, 3, 4, 8, 0)


def test_a_time_given_in_utc_is_read_on_london_time():
    school = SchoolFactory()
    # 23:30 UTC on Sunday 31 May 2026 is 00:30 London on Monday 1 June: that morning counts.
    after = dt.datetime(2026, 5, 31, 23, 30, tzinfo=dt.UTC)
    assert next_school_day_start(school, after) == at(2026, 6, 1, 8, 30)

"""School days, from the term dates a school keeps, and when the next one starts."""

import datetime as dt
from zoneinfo import ZoneInfo

from django.conf import settings

from .models import TermDate

LONDON = ZoneInfo("Europe/London")
# Far enough to cross the longest summer holiday; a school whose dates leave no school day
# in a year has its deadline on the next weekday rather than never.
_HORIZON_DAYS = 366


def school_day_start_time() -> dt.time:
    return dt.time.fromisoformat(getattr(settings, "ENCOMPASS_SCHOOL_DAY_STARTS", "08:30"))


def _start_of(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, school_day_start_time(), tzinfo=LONDON)


def next_school_day_start(school, after: dt.datetime) -> dt.datetime:
    """The start of the first school day that begins after `after` (an aware datetime).

    Weekends never count. Holidays the school keeps take days out; if it keeps any terms,
    only days inside a term count; if it keeps none, every weekday does.
    """
    first = after.astimezone(LONDON).date()
    last = first + dt.timedelta(days=_HORIZON_DAYS)
    spans = list(
        TermDate.objects.filter(
            school=school, starts_on__lte=last, ends_on__gte=first
        ).values_list("kind", "starts_on", "ends_on")
    )
    keeps_terms = TermDate.objects.filter(school=school, kind=TermDate.Kind.TERM).exists()
    terms = [(s, e) for k, s, e in spans if k == TermDate.Kind.TERM]
    holidays = [(s, e) for k, s, e in spans if k == TermDate.Kind.HOLIDAY]

    def is_school_day(day):
        if day.weekday() >= 5:
            return False
        if any(s <= day <= e for s, e in holidays):
            return False
        return not keeps_terms or any(s <= day <= e for s, e in terms)

    day = first
    while day <= last:
        start = _start_of(day)
        if start > after and is_school_day(day):
            return start
        day += dt.timedelta(days=1)
    # No school day in a year of kept dates: fall back to the next weekday.
    day = first
    while True:
        start = _start_of(day)
        if start > after and day.weekday() < 5:
            return start
        day += dt.timedelta(days=1)

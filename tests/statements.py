"""For tests of statements built once with stand-ins (ssp.statements)."""

import datetime

import time_machine

# Years from any test's day: a statement built then, by a rule that read the clock instead of
# taking the day as a value, would keep this day where the request's belonged.
ANOTHER_DAY = datetime.datetime(2031, 6, 1, 3, tzinfo=datetime.UTC)


def built_on_another_day(build):
    """build(), with the clock at ANOTHER_DAY."""
    with time_machine.travel(ANOTHER_DAY, tick=False):
        return build()

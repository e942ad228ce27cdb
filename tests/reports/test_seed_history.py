"""The demo has a year of history, so the overview's charts have more than one bar."""

import time
from io import StringIO

from django.core.management import call_command
from django.utils import timezone

from incidents.models import Concern
from reports.overview import last_months, month_figures, triage_times
from schools.models import School


def test_the_demo_concerns_span_the_overviews_twelve_months_with_real_triage_times(db):
    call_command("seed_demo", stdout=StringIO())
    months = last_months(timezone.localdate())
    school_ids = list(School.objects.values_list("pk", flat=True))
    counts, triage = month_figures(school_ids, months)
    busy = {month for month, _ in counts}
    assert len(busy) >= 11
    medians = [median for _, _, median in triage_times(triage, months) if median is not None]
    assert len(medians) >= 11
    assert all(median > 0.1 for median in medians[:-1])  # earlier months: hours, not seconds
    assert len({round(m, 1) for m in medians}) > 3  # they differ from month to month
    history = Concern.objects.exclude(status=Concern.Status.NEW).filter(
        recorded_at__lt=timezone.now().replace(day=1)
    )
    assert all(c.events.count() == 2 and c.involved.exists() for c in history[:20])
    assert all(c.history.exists() for c in history[:20])


def test_loading_the_demo_again_adds_no_history_and_is_quick(db):
    call_command("seed_demo", stdout=StringIO())
    before = Concern.objects.count()
    started = time.monotonic()
    call_command("seed_demo", stdout=StringIO())
    assert time.monotonic() - started < 10
    assert Concern.objects.count() == before

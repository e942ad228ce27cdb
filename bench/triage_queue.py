"""How fast is the triage queue, next to a floor, at 10,000 and at 100,000 concerns?

Seeds its own PostgreSQL database (dropped and created afresh), serves the portal with
gunicorn on 127.0.0.1 and prints median, p95 and requests per second for the SPOC's triage
queue beside a floor page measured in the same run (see bench/urls.py), the queries each page
makes and the queue's query plans. Run it from the project folder:

    .venv/bin/python bench/triage_queue.py           # drops the benchmark database at the end
    .venv/bin/python bench/triage_queue.py --keep    # keeps it, to look at plans by hand
    BENCH_SIZES=10000,100000,1000000 .venv/bin/python bench/triage_queue.py   # to 1M

Targets (issue 11): every list's median within 3x the floor's, and no more than 1.2x slower
at the largest size than at the one before. It exits 1 when a target is missed, 2 when the
run itself fails.
"""

import random
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import harness
from bench.harness import BATCH, FLOOR, FLOOR_PATH, NARRATIVES, SCHOOLS, Page, check

SIZES = harness.SIZES
MEASURED_SHARE = 0.05  # the measured school is the force's busiest: 1 concern in 20
REPORTER_SHARE = 0.2  # one member of its staff logs 1 in 5 of its concerns
NEW_SHARE = 0.10  # awaiting triage; the rest triaged over two years
IMMEDIATE_RISK_SHARE = 0.03

QUEUE = "queue"
PAGE_SIZE = 25  # the portal's lists show 25 to a page


def main() -> int:
    return harness.main(__doc__, run)


# The run -----------------------------------------------------------------------------------


def run(server, deadline) -> int:
    rng = random.Random(20260901)
    cast = harness.seed_cast(rng)
    spoc_cookies = harness.cookies_for(cast.spoc)
    reporter_cookies = harness.cookies_for(cast.reporter)
    deepest = Page("queue, any status, last page", "", spoc_cookies)  # path set per size
    pages = [
        Page(FLOOR, FLOOR_PATH, spoc_cookies),
        Page(QUEUE, "/concerns/triage/", spoc_cookies),
        Page("queue, any status", "/concerns/triage/?status=", spoc_cookies),
        deepest,
        Page("my concerns (staff)", "/concerns/mine/", reporter_cookies),
    ]
    harness.started(server)
    rows = []
    seeded = 0
    for size in SIZES:
        seed_concerns(rng, cast, start=seeded, count=size - seeded, deadline=deadline)
        seeded = size
        harness.settle(TABLES)
        describe_school(cast)
        deepest.path = last_page_path(cast)
        harness.time_pages(server.port, pages, size, rows, deadline)
    # EXPLAIN ANALYZE for every query on incidents_concern that the queue pages make.
    queue_pages = [page for page in pages if page.name.startswith(QUEUE)]
    harness.plans(queue_pages, SIZES[-1], on_concerns, deadline)
    # Issue 11: every list page within 3x the floor (the deepest page included).
    return harness.verdict(pages, SIZES, targets={page.name for page in pages[1:]}, within=3)


TABLES = ("incidents_concern", "incidents_concernpupil", "schools_pupil")


def on_concerns(query) -> bool:
    return 'FROM "incidents_concern"' in query["sql"]


# Seeding -----------------------------------------------------------------------------------


def seed_concerns(rng, cast, *, start, count, deadline) -> None:
    from django.db import transaction

    from incidents.models import Concern, ConcernPupil

    started = time.monotonic()
    now = harness.now()
    made = 0
    while made < count:
        check(deadline, "seeding")
        n = min(BATCH, count - made)
        concerns = [_concern(rng, cast, start + made + k, now) for k in range(n)]
        with transaction.atomic():
            Concern.objects.bulk_create(concerns)
            ConcernPupil.objects.bulk_create(
                link for concern in concerns for link in _involved(rng, cast, concern)
            )
        made += n
    total = Concern.objects.count()
    print(f"\nSeeded {count:,} concerns ({total:,} in all) in {time.monotonic() - started:.0f} s")


def _concern(rng, cast, index, now):
    from incidents.models import Category, Concern

    measured = cast.schools[0].pk
    if rng.random() < MEASURED_SHARE:
        school = measured
        busy = rng.random() < REPORTER_SHARE
        reporter = cast.reporter.pk if busy else rng.choice(cast.staff[school][2:])
    else:
        school = cast.schools[rng.randrange(1, SCHOOLS)].pk
        reporter = rng.choice(cast.staff[school][1:])
    recorded_at = now - timedelta(seconds=rng.randrange(2 * 365 * 24 * 3600))
    new = rng.random() < NEW_SHARE
    status = Concern.Status.NEW if new else _triaged_status(rng)
    return Concern(
        reference=f"BENCH-{index:07d}",
        school_id=school,
        reported_by_id=reporter,
        category=rng.choice(list(Category)),
        narrative=rng.choice(NARRATIVES),
        happened_at=recorded_at - timedelta(minutes=rng.randrange(5, 3 * 24 * 60)),
        recorded_at=recorded_at,
        location=rng.choice(list(Concern.Location)),
        immediate_risk=rng.random() < IMMEDIATE_RISK_SHARE,
        status=status,
        triaged_at=None if new else recorded_at + timedelta(hours=rng.randrange(1, 48)),
        triaged_by_id=None if new else cast.spocs[school],
    )


def _triaged_status(rng):
    from incidents.models import Concern

    return rng.choices(
        (
            Concern.Status.IN_SCHOOL,
            Concern.Status.SHARED,
            Concern.Status.EARLY_INTERVENTION,
            Concern.Status.NO_FURTHER_ACTION,
        ),
        weights=(50, 20, 10, 20),
    )[0]


def _involved(rng, cast, concern):
    from incidents.models import ConcernPupil

    how_many = rng.choice((1, 1, 1, 2, 2, 3))
    for pupil in rng.sample(cast.pupils[concern.school_id], how_many):
        yield ConcernPupil(
            concern_id=concern.pk, pupil_id=pupil, role=rng.choice(list(ConcernPupil.Role))
        )


def last_page_path(cast) -> str:
    """The queue's deepest page, any status: the cursor after the row before its last 25.

    The page is reached in the portal by following Next; the bench asks for it directly.
    """
    from urllib.parse import quote

    from incidents.models import Concern
    from incidents.views import CONCERN_SORTS
    from ssp.keyset import cursor_after

    order = CONCERN_SORTS["risk"].order_by()
    concerns = Concern.objects.filter(school=cast.schools[0]).order_by(*order)
    before = concerns[max(concerns.count() - PAGE_SIZE - 1, 0)]
    cursor = cursor_after("risk", CONCERN_SORTS["risk"], before)
    return f"/concerns/triage/?status=&cursor={quote(cursor)}"


def describe_school(cast) -> int:
    from django.db.models import Count, Q

    from incidents.models import Concern

    figures = Concern.objects.filter(school=cast.schools[0]).aggregate(
        all=Count("pk"),
        new=Count("pk", filter=Q(status=Concern.Status.NEW)),
        mine=Count("pk", filter=Q(reported_by=cast.reporter)),
    )
    print(
        f"The measured school: {figures['all']:,} concerns, {figures['new']:,} awaiting triage; "
        f"its busiest reporter logged {figures['mine']:,}"
    )
    return figures["all"]


if __name__ == "__main__":
    sys.exit(main())

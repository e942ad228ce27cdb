"""How fast is every list page, next to a floor, at 100,000 and at 1,000,000 concerns?

The police's lists (concerns shared with them, incidents, referrals, conferences, enquiries),
for the busiest SSPO (two schools) and for the sergeant (the team's 60 schools), and the
school's lists of what the police sent back, for the busiest school's SPOC. The database is
seeded as bench/caseload_chronology.py seeds it (the same growth models, BENCH_GROWTH), with
gunicorn serving on 127.0.0.1; it prints median, p95 and requests per second beside a floor
page measured in the same run (see bench/urls.py), the queries each page makes and the plans
of its slow ones. The triage queue and a member of staff's own concerns are timed by
bench/triage_queue.py. Run it from the project folder:

    .venv/bin/python bench/lists.py           # drops the benchmark database at the end
    .venv/bin/python bench/lists.py --keep    # keeps it, to look at plans by hand
    BENCH_SIZES=100000,1000000 .venv/bin/python bench/lists.py   # to 1M

Targets (issue 11): every list's median within 3x the floor's, its deepest page too, and no
more than 1.2x slower at the largest size than at the one before. It exits 1 when a target is
missed, 2 when the run itself fails.
"""

import random
import sys
from pathlib import Path
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import caseload_chronology as seeding
from bench import harness
from bench.harness import FLOOR, FLOOR_PATH, Page

SIZES = harness.SIZES
PAGE_SIZE = 25  # the portal's lists show 25 to a page

SHARED = "shared concerns (SSPO)"
SHARED_DEEP = "shared concerns, last page (SSPO)"


def main() -> int:
    return harness.main(__doc__, run)


def run(server, deadline) -> int:
    rng = random.Random(20261205)
    cast = harness.seed_cast(rng)
    police = seeding.seed_police(rng, cast)
    from bench.overview import seed_sergeant

    sspo = harness.cookies_for(police.sspo)
    sergeant = harness.cookies_for(seed_sergeant())
    spoc = harness.cookies_for(cast.spoc)
    deepest = Page(SHARED_DEEP, "", sspo)  # path set per size
    pages = [
        Page(FLOOR, FLOOR_PATH, sspo),
        Page(SHARED, "/concerns/shared/", sspo),
        deepest,
        Page("shared concerns, oldest first (SSPO)", "/concerns/shared/?sort=oldest", sspo),
        Page("incidents (SSPO)", "/concerns/incidents/", sspo),
        Page("referrals (SSPO)", "/referrals/", sspo),
        Page("referrals, open (SSPO)", "/referrals/?status=open", sspo),
        Page("conferences (SSPO)", "/referrals/conferences/", sspo),
        Page("enquiries (SSPO)", "/concerns/enquiries/", sspo),
        Page("shared concerns (sergeant, 60 schools)", "/concerns/shared/", sergeant),
        Page("incidents (sergeant)", "/concerns/incidents/", sergeant),
        Page("referrals (sergeant)", "/referrals/", sergeant),
        Page("conferences (sergeant)", "/referrals/conferences/", sergeant),
        Page("enquiries (SPOC)", "/concerns/enquiries/", spoc),
        Page("referrals (SPOC)", "/referrals/school/", spoc),
        Page("incident summaries (SPOC)", "/concerns/incident-summaries/", spoc),
    ]
    harness.started(server)
    rows = []
    seeded = 0
    for size in SIZES:
        seeded = seeding.grow_to(size, rng, cast, police, seeded=seeded, deadline=deadline)
        seeding.describe(cast, police)
        deepest.path = last_shared_page(police.sspo)
        harness.time_pages(server.port, pages, size, rows, deadline)
    harness.plans(pages[1:], SIZES[-1], seeding.slow, deadline)
    return harness.verdict(pages, SIZES, targets={page.name for page in pages[1:]}, within=3)


def last_shared_page(user) -> str:
    """The SSPO's deepest page of shared concerns: the cursor after the row before its last 25.

    The page is reached in the portal by following Next; the bench asks for it directly.
    """
    from incidents.models import Concern
    from incidents.views import CONCERN_SORTS
    from ssp.keyset import cursor_after

    sort = CONCERN_SORTS["risk"]
    concerns = Concern.objects.visible_to(user).order_by(*sort.order_by())
    total = concerns.count()
    before = concerns[max(total - PAGE_SIZE - 1, 0)]
    print(f"The busiest SSPO has {total:,} concerns shared with them")
    return f"/concerns/shared/?cursor={quote(cursor_after('risk', sort, before))}"


if __name__ == "__main__":
    sys.exit(main())

"""How fast is the sergeant's overview, next to a floor, at 10,000 and at 100,000 concerns?

Seeds its own PostgreSQL database (dropped and created afresh) with the same force as
caseload_chronology.py (60 partnered schools, agreements in force, an SSPO for every two
schools, concerns over two years with their shares, incidents, referrals, conferences and
enquiries), adds the team's sergeant and a review for each partnership, serves the portal
with gunicorn on 127.0.0.1 and prints median, p95 and requests per second for the overview
(60 partnerships, charts over the last 12 months) beside a floor page measured in the same
run, with the queries it makes and their plans. Run it from the project folder:

    .venv/bin/python bench/overview.py          # drops the benchmark database at the end
    .venv/bin/python bench/overview.py --keep   # keeps it, to look at plans by hand

A quicker look (smaller sizes, fewer timed requests; the targets still apply):

    BENCH_SIZES=1000,10000 BENCH_REQUESTS=60 .venv/bin/python bench/overview.py

Targets (issue 11): drawn afresh, the overview's median within 4x the floor's: after a
change (the earlier months' counts as the page keeps them, as the issue measured it) to a
concern, to a police record, to a partnership or to all three at once (a concern and an
incident written at a school chosen at random, as the portal writes them), and drawn again
from its parts as kept (when the figures as drawn have expired and nothing has changed);
drawn from the cache, as the next request finds it, within 1.5x (the sergeant's and the
head teacher's); and every page no more than 1.2x slower at the larger size. With nothing
kept in the cache, and with every part lost by the cache, the page is reported against the
floor, not held to the 4x: the earlier months are kept for the month and the caseload
school by school for the day, both counted each night before anyone asks (reports.tasks)
and stored in the database whenever counted, so a person meets those pages only after the
cache has lost them (they are read back from the database, and only what changed since is
counted). A set of schools new that day (a team's, after its sergeant assigns an officer)
is counted ahead too, within minutes of the change or once it commits
(reports.tasks.count_new_overview_scopes): its first page, counted ahead, is held to the
4x; with nothing kept or stored (the twelve months and every school's caseload counted,
as before that count has run) it is reported beside the others, with no target. It exits
1 when a target is missed, 2 when the run itself fails.
"""

import random
import re
import sys
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import caseload_chronology as records
from bench import harness
from bench.harness import FLOOR, FLOOR_PATH, Page

SIZES = harness.SIZES
OVERVIEW = "overview (sergeant, 60 partnerships)"
COLD = "overview (sergeant), nothing kept"
NEW_SCOPE = "overview (sergeant), nothing kept or stored"
COUNTED_AHEAD = "overview (sergeant), a new set of schools, counted ahead"
CHANGED = "overview (sergeant), after a change to all three"
RECOUNTED = "overview (sergeant), every part lost by the cache"
CONCERNS = "overview (sergeant), after a change to a concern"
TRIAGED = "overview (sergeant), after a concern is triaged"
POLICE = "overview (sergeant), after a change to a police record"
AGREEMENTS = "overview (sergeant), after a change to a partnership"
REDRAWN = "overview (sergeant), drawn again from its kept parts"
HEAD = "overview (head teacher, 1 school)"
CACHED_WITHIN = 1.5  # times the floor's median, for the page drawn from the cache
WITHIN = 4  # times the floor's median, for the page drawn afresh
# One row per partnership: each starts with a link to the partnership.
PARTNERSHIP = re.compile(rb'<a class="govuk-link" href="/partnerships/')


def main() -> int:
    return harness.main(__doc__, run)


def run(server, deadline) -> int:
    rng = random.Random(20261120)
    cast = harness.seed_cast(rng)
    police = records.seed_police(rng, cast)
    sergeant = seed_sergeant()
    head = seed_head(cast)
    seed_reviews(rng, sergeant)
    sergeant_cookies = harness.cookies_for(sergeant)
    head_cookies = harness.cookies_for(head)
    pages = [
        Page(FLOOR, FLOOR_PATH, sergeant_cookies),
        # First its figures are drawn with nothing kept, as after the cache has lost them:
        # the earlier months and each school's counts read from the database, where they
        # were last stored (reports.models), and only the schools changed since counted;
        # then with nothing stored there either, as for a set of schools new that day
        # before it is counted ahead (the twelve months and every school's caseload
        # counted); then the same page as the next request finds it, from the cache.
        Page(COLD, "/overview/", sergeant_cookies, row=PARTNERSHIP, before=forget(sergeant)),
        Page(
            NEW_SCOPE,
            "/overview/",
            sergeant_cookies,
            row=PARTNERSHIP,
            before=forget(sergeant, *EVERYTHING, "stored"),
        ),
        # The same set of schools new that day, as a person meets it: counted ahead, once
        # the change committed or within minutes (reports.tasks.count_new_overview_scopes).
        Page(
            COUNTED_AHEAD,
            "/overview/",
            sergeant_cookies,
            row=PARTNERSHIP,
            before=both(forget(sergeant, *EVERYTHING, "stored"), counted_ahead),
        ),
        # As the page is drawn after a change to what it counts: the figures drawn afresh,
        # the earlier months' counts as the page keeps them (as issue 11 measured it). A
        # change to all three parts the page reads (reports.overview.PARTS) reads them all
        # again; a concern shared, say, only the concerns; a review only the partnerships.
        Page(
            CHANGED,
            "/overview/",
            sergeant_cookies,
            row=PARTNERSHIP,
            before=both(change(rng, "concern", "incident"), forget(sergeant, "partnerships")),
        ),
        # As the page is drawn after the cache has lost the three parts (the earlier
        # months as kept): the partnerships read again, each school's caseload read from
        # the database, where it was last stored, and counted again only where it changed.
        Page(
            RECOUNTED,
            "/overview/",
            sergeant_cookies,
            row=PARTNERSHIP,
            before=forget(sergeant, "figures", "partnerships", "concerns", "police"),
        ),
        # A change is a write: one concern (or one incident) changed at one school, as the
        # portal writes it, with its history row. The caseload is kept school by school
        # (reports.overview.kept_caseload), so only that school's is counted again.
        Page(
            CONCERNS,
            "/overview/",
            sergeant_cookies,
            row=PARTNERSHIP,
            before=change(rng, "concern"),
        ),
        # A concern logged this month, triaged (or its triage decision changed): this
        # month's triage times are counted again too (most changes leave them as kept).
        Page(
            TRIAGED,
            "/overview/",
            sergeant_cookies,
            row=PARTNERSHIP,
            before=change(rng, "triage"),
        ),
        Page(
            POLICE,
            "/overview/",
            sergeant_cookies,
            row=PARTNERSHIP,
            before=change(rng, "incident"),
        ),
        Page(
            AGREEMENTS,
            "/overview/",
            sergeant_cookies,
            row=PARTNERSHIP,
            before=forget(sergeant, "figures", "partnerships"),
        ),
        # As the page is drawn when nothing has changed but the figures as drawn have
        # expired (reports.overview.FIGURES_KEPT_FOR): from the three parts, as kept.
        Page(
            REDRAWN,
            "/overview/",
            sergeant_cookies,
            row=PARTNERSHIP,
            before=forget(sergeant, "figures"),
        ),
        # As the next request finds the page: the pages timed between (interleaved) write
        # changes, so each is drawn once, untimed, before it is timed from the cache.
        Page(
            OVERVIEW,
            "/overview/",
            sergeant_cookies,
            row=PARTNERSHIP,
            before=drawn(server, "/overview/", sergeant_cookies),
        ),
        Page(
            HEAD,
            "/overview/",
            head_cookies,
            row=PARTNERSHIP,
            before=drawn(server, "/overview/", head_cookies),
        ),
    ]
    harness.started(server)
    rows = []
    seeded = 0
    for size in SIZES:
        seeded = records.grow_to(size, rng, cast, police, seeded=seeded, deadline=deadline)
        with_their_history()
        describe(cast)
        harness.time_pages(server.port, pages, size, rows, deadline)
    harness.plans(pages[1:], SIZES[-1], slow, deadline)
    targets = {
        COLD: None,  # reported: see the docstring
        COUNTED_AHEAD: WITHIN,
        RECOUNTED: None,  # reported: see the docstring
        CHANGED: WITHIN,
        CONCERNS: WITHIN,
        TRIAGED: WITHIN,
        POLICE: WITHIN,
        AGREEMENTS: WITHIN,
        REDRAWN: WITHIN,
        OVERVIEW: CACHED_WITHIN,
        HEAD: CACHED_WITHIN,
    }
    return harness.verdict(pages, SIZES, targets=targets)


EVERYTHING = ("figures", "partnerships", "concerns", "police", "months", "this month")


def forget(user, *things):
    """Empties what the overview keeps in the cache for this person's scope: by default all
    of it (the figures drawn, the parts they are read from, and the earlier months counted),
    or the things named ("figures", a part of reports.overview.PARTS, "months": the earlier
    months, "this month": this month's counts and triage times; "stored": the earlier
    months and the counts kept school by school as stored in the database too); never the
    head teacher's, timed beside it."""
    things = things or EVERYTHING

    def forget_now():
        from django.core.cache import cache
        from django.utils import timezone

        from reports import overview as figures
        from reports.models import EarlierMonths, KeptCounts

        school_ids = figures.scope_school_ids(user)
        this_month = figures.last_months(timezone.localdate())[-1]
        named = [what for what in things if what not in ("months", "this month", "stored")]
        keys = [figures.kept_key(what, user, school_ids) for what in named]
        if "months" in things:
            keys.append(figures.months_key(school_ids, this_month))
        month = [figures.by_school_key(it, school_ids, this_month) for it in ("month", "triage")]
        if "this month" in things:
            keys += month
        cache.delete_many(keys)
        if "stored" in things:
            digest = figures.schools_digest(school_ids)
            EarlierMonths.objects.filter(schools=digest, month=this_month).delete()
            today = timezone.localdate()
            parts = [figures.by_school_key(part, school_ids, today) for part in figures.BY_SCHOOL]
            KeptCounts.objects.filter(key__in=[*parts, *month]).delete()

    return forget_now


def counted_ahead():
    """Counts every set of schools whose overview is not stored for the day, as the worker
    does within minutes of a change to a team's schools."""
    from reports.tasks import count_new_overview_scopes

    count_new_overview_scopes()


def change(rng, *kinds):
    """Changes one record of each kind ("concern": one logged this month; "triage": one
    logged this month, triaged now; "incident": an open one), chosen at random among the
    newest 500 (so at a school chosen at random), saved as the portal saves it: its history
    row is what the overview looks for. ("concern" saves it as it is, as a share or an
    acknowledgement leaves what the figures count.)"""

    def change_now():
        from django.utils import timezone

        for kind in kinds:
            found = changeable("concern" if kind == "triage" else kind)
            pks = list(found.values_list("pk", flat=True))
            record = found.model.objects.get(pk=rng.choice(pks))
            if kind == "triage":
                record.triaged_at = timezone.now()
            record.save()

    return change_now


def changeable(kind):
    """The records change() picks from: the newest 500 concerns logged this month, or the
    newest 500 open incidents."""
    from django.utils import timezone

    from incidents.models import Concern, Incident
    from reports import overview as figures

    if kind == "concern":
        this_month = figures._start(figures.last_months(timezone.localdate())[-1])
        found = Concern.objects.filter(recorded_at__gte=this_month)
    else:
        found = Incident.objects.filter(status=Incident.Status.OPEN)
    return found.order_by("-pk")[:500]


def with_their_history():
    """Writes the history row the portal writes when a record is created for each record
    change() may pick that has none. The seed writes its rows in bulk, without history;
    a change to a record with no earlier row is read as its first (for the triage times, a
    concern created triaged, which moves them)."""
    for kind in ("concern", "incident"):
        records = list(changeable(kind))
        if not records:
            continue
        model = type(records[0])
        have = set(
            model.history.filter(id__in=[r.pk for r in records]).values_list("id", flat=True)
        )
        model.history.bulk_history_create([r for r in records if r.pk not in have])


def drawn(server, path, cookies):
    """Requests the page once, untimed."""

    def drawn_now():
        harness.get(server.port, Page("drawn", path, cookies))

    return drawn_now


def both(*befores):
    def both_now():
        for before in befores:
            before()

    return both_now


def slow(query) -> bool:
    # As caseload_chronology's, and the caseload's UNION, which starts with a parenthesis.
    sql = query["sql"].lstrip()
    return float(query["time"]) >= 0.003 and sql.startswith(("SELECT", "(SELECT"))


def seed_sergeant():
    """The sergeant who leads the team every SSPO belongs to: all 60 schools."""
    from django.contrib.auth.hashers import make_password

    from schools.models import Officer, Team
    from ssp.models import User

    user = User.objects.create(
        email="sergeant@police.bench.example.org",
        first_name="Bench",
        last_name="Sergeant",
        password=make_password(None),
    )
    Officer.objects.create(
        user=user, team=Team.objects.get(), collar_number="9000", rank=Officer.Rank.SERGEANT
    )
    return user


def seed_head(cast):
    """The head teacher of the busiest school (1 concern in 20)."""
    from django.contrib.auth.hashers import make_password

    from schools.models import Membership
    from ssp.models import User

    user = User.objects.create(
        email="head@bench.example.org",
        first_name="Bench",
        last_name="Head",
        password=make_password(None),
    )
    Membership.objects.create(
        user=user, school=cast.schools[0], position=Membership.Position.HEAD, is_slt=True
    )
    return user


def seed_reviews(rng, sergeant) -> None:
    """Three terms of reviews per partnership, so "latest" has something to choose from."""
    from agreements.models import Partnership, Review

    terms = (
        ("autumn", date(2025, 9, 1)),
        ("spring", date(2026, 1, 5)),
        ("summer", date(2026, 4, 20)),
    )
    Review.objects.bulk_create(
        Review(
            partnership=partnership,
            academic_year=2025,
            term=term,
            period_start=start,
            period_end=start + timedelta(days=80),
            rating=rng.choice(list(Review.Rating)),
            comments="Reviewed.",
            reviewed_by=sergeant,
        )
        for partnership in Partnership.objects.all()
        for term, start in terms
    )


def describe(cast) -> None:
    from django.db.models import Count, Q
    from django.utils import timezone

    from incidents.models import Concern

    year_ago = timezone.now() - timedelta(days=365)
    counts = Concern.objects.aggregate(
        all=Count("pk"),
        last_year=Count("pk", filter=Q(recorded_at__gte=year_ago)),
        busiest=Count("pk", filter=Q(school=cast.schools[0], recorded_at__gte=year_ago)),
    )
    print(
        f"{counts['all']:,} concerns at the team's 60 schools, {counts['last_year']:,} in the "
        f"charts' 12 months ({counts['busiest']:,} at the head teacher's school)"
    )


if __name__ == "__main__":
    sys.exit(main())

"""How long does disposing of many due concerns take, and what does it cost the pages people use?

Seeds its own PostgreSQL database (dropped and created afresh): one force's schools, and at
the measured school a year's current concerns plus SIZE concerns past their review, each with
its events, history rows, a correction note for one in four and a stored file for one in a
thousand, about pupils who have left. Then times the school's SPOC's triage queue idle, runs
`records.disposal.dispose` over the due concerns in batches while timing the same page again,
and prints the run's time, batches, records and rows per second, and the page's p95 idle and
during the run. Run it from the project folder:

    .venv/bin/python bench/disposal.py                  # 10,000 due concerns
    .venv/bin/python bench/disposal.py --size 100000    # 100,000
    .venv/bin/python bench/disposal.py --keep           # keeps the database afterwards

It checks what the run left: no due concern, event, note, history row or file; every current
concern whole. Exits 1 when that fails, 2 when the run itself fails.
"""

import random
import statistics
import sys
import tempfile
import threading
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import harness
from bench.harness import BATCH, NARRATIVES, Page, check

SIZE = 10_000
CURRENT = 5_000  # the measured school's concerns still within their review: they stay
LEFT_PUPILS = 3_000  # former pupils the due concerns are about
NOTE_EVERY = 4
FILE_EVERY = 1_000
BATCH_SIZE = 500
IDLE_REQUESTS = 100
QUEUE = "/concerns/triage/?status="


def main() -> int:
    global SIZE
    if "--size" in sys.argv:
        at = sys.argv.index("--size")
        SIZE = int(sys.argv[at + 1])
        del sys.argv[at : at + 2]
    harness.TIME_LIMIT = 3_600.0
    media = tempfile.TemporaryDirectory()
    harness.os.environ["PRIVATE_MEDIA_ROOT"] = media.name
    try:
        return harness.main(__doc__, run)
    finally:
        media.cleanup()


def run(server, deadline) -> int:
    rng = random.Random(20261204)
    cast = harness.seed_cast(rng)
    owner = records_owner(cast)
    due = seed(rng, cast, deadline)
    harness.settle(TABLES)
    page = Page("SPOC's queue, any status", QUEUE, harness.cookies_for(cast.spoc))
    harness.started(server)
    for _ in range(5):
        get(server.port, page)
    idle = [get(server.port, page) for _ in range(IDLE_REQUESTS)]

    outcome = {}

    def dispose():
        from django.db import connections

        from records import disposal

        try:
            started = time.monotonic()
            outcome["certificate"] = disposal.dispose(
                kind="concern",
                codes=due,
                by=owner,
                rule="Bench: date of birth + 25 years",
                batch_size=BATCH_SIZE,
            )
            outcome["seconds"] = time.monotonic() - started
        except Exception as error:  # reported below, in the main thread
            outcome["error"] = error
        finally:
            connections.close_all()

    worker = threading.Thread(target=dispose)
    worker.start()
    during = []
    while worker.is_alive():
        check(deadline, "disposing")
        during.append(get(server.port, page))
    worker.join()
    if "error" in outcome:
        raise harness.BenchError(f"the disposal failed: {outcome['error']!r}")
    report(outcome["certificate"], outcome["seconds"], idle, during)
    return 0 if whole(cast) else 1


def get(port, page) -> float:
    """One timed request, allowing a slow answer (a shared machine) rather than failing."""
    conn = harness.http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    try:
        started = time.perf_counter()
        conn.request("GET", page.path, headers={"Cookie": page.cookies[0]})
        response = conn.getresponse()
        response.read()
        elapsed = time.perf_counter() - started
    finally:
        conn.close()
    if response.status != 200:
        raise harness.BenchError(f"{page.path} answered {response.status}, not 200")
    return elapsed


TABLES = (
    "incidents_concern",
    "incidents_concernpupil",
    "incidents_concernevent",
    "incidents_correctionnote",
    "incidents_historicalconcern",
    "incidents_historicalconcernevent",
    "schools_pupil",
)


def records_owner(cast):
    """The measured school's data-protection lead answers for its records."""
    from schools.models import Membership
    from ssp.models import User

    lead = cast.staff[cast.schools[0].pk][2]
    Membership.objects.filter(user_id=lead, school=cast.schools[0]).update(
        is_data_protection_lead=True
    )
    return User.objects.get(pk=lead)


def seed(rng, cast, deadline) -> list:
    """The measured school's current concerns, then the due ones; returns the due codes."""
    from schools.models import Pupil

    school = cast.schools[0]
    left = Pupil.objects.bulk_create(
        Pupil(
            school=school,
            first_name=f"Former{i}",
            last_name="Pupil",
            date_of_birth=date(1995, 1, 1) + timedelta(days=i % 900),
            year_group=11,
            left_on=date(2012, 7, 20),
        )
        for i in range(LEFT_PUPILS)
    )
    started = time.monotonic()
    now = harness.now()
    make(
        rng,
        cast,
        school,
        CURRENT,
        lambda: now - timedelta(days=rng.randrange(365)),
        None,
        deadline,
    )
    long_ago = now - timedelta(days=365 * 26)
    due = make(
        rng,
        cast,
        school,
        SIZE,
        lambda: long_ago - timedelta(days=rng.randrange(365)),
        [p.pk for p in left],
        deadline,
    )
    print(
        f"Seeded {CURRENT:,} current and {SIZE:,} due concerns at the measured school, with "
        f"events, history, notes and files, in {time.monotonic() - started:.0f} s"
    )
    return due


def make(rng, cast, school, count, when, pupils, deadline) -> list:
    suffix = "D" if pupils else "C"  # due or current
    from django.core.files.base import ContentFile
    from django.db import transaction
    from simple_history.utils import bulk_create_with_history

    from incidents.models import Attachment, Concern, ConcernEvent, ConcernPupil, CorrectionNote

    pupils = pupils or cast.pupils[school.pk]
    staff = cast.staff[school.pk]
    codes, made = [], 0
    while made < count:
        check(deadline, "seeding")
        n = min(BATCH, count - made)
        with transaction.atomic():
            concerns = []
            for _ in range(n):
                at = when()
                concerns.append(
                    Concern(
                        reference=f"B-{len(codes) + len(concerns):07d}-{suffix}",
                        school=school,
                        reported_by_id=rng.choice(staff[1:]),
                        category="welfare",
                        narrative=rng.choice(NARRATIVES),
                        happened_at=at - timedelta(hours=2),
                        recorded_at=at,
                        location="in_school",
                        status=Concern.Status.NO_FURTHER_ACTION,
                        triaged_at=at + timedelta(hours=3),
                        triaged_by_id=staff[0],
                    )
                )
            concerns = bulk_create_with_history(concerns, Concern, batch_size=n)
            concerns = list(Concern.objects.filter(reference__in=[c.reference for c in concerns]))
            ConcernPupil.objects.bulk_create(
                ConcernPupil(concern=c, pupil_id=rng.choice(pupils), role="victim")
                for c in concerns
            )
            events = [
                ConcernEvent(concern=c, kind=kind, actor_id=staff[0], at=c.recorded_at, **moves)
                for c in concerns
                for kind, moves in (
                    ("logged", {"to_status": "new"}),
                    ("triaged", {"from_status": "new", "to_status": "nfa"}),
                )
            ]
            bulk_create_with_history(events, ConcernEvent, batch_size=len(events))
            notes = [
                CorrectionNote(concern=c, author_id=staff[0], at=c.recorded_at, text="Corrected.")
                for c in concerns[::NOTE_EVERY]
            ]
            bulk_create_with_history(notes, CorrectionNote, batch_size=max(len(notes), 1))
            for c in concerns[::FILE_EVERY]:
                Attachment.objects.create(
                    concern=c,
                    file=ContentFile(b"%PDF-1.4 bench", name="x.pdf"),
                    original_name="statement.pdf",
                    content_type="application/pdf",
                    size=14,
                    uploaded_by_id=staff[0],
                )
        codes.extend(c.code for c in concerns)
        made += n
    return codes


def report(certificate, seconds, idle, during) -> None:
    rows = certificate.disposed + sum(certificate.parts.values())
    print(f"\nDisposed of {certificate.disposed:,} concerns in {seconds:.1f} s, ", end="")
    print(f"{certificate.batches} batches of up to {BATCH_SIZE}")
    print(f"  {certificate.disposed / seconds:,.0f} concerns a second; {rows:,} rows in all, ")
    print(f"  {rows / seconds:,.0f} rows a second; held back: {certificate.held}")
    for what, count in certificate.parts.items():
        print(f"    {what}: {count:,}")
    print(f"\nThe SPOC's queue ({QUEUE}), ms      median     p95   requests")
    for name, times in (("idle", idle), ("during the run", during)):
        ms = [t * 1000 for t in times]
        p95 = harness.percentile_95(ms) if len(ms) > 1 else ms[0]
        print(f"  {name:<32} {statistics.median(ms):7.1f} {p95:7.1f} {len(ms):9,}")


def whole(cast) -> bool:
    """Nothing due is left, nothing current was touched, and no disposed file remains."""
    from django.conf import settings

    from incidents.models import Attachment, Concern, ConcernEvent, CorrectionNote

    school = cast.schools[0]
    left = Concern.objects.filter(school=school)
    due_left = left.filter(reference__endswith="-D").count()
    current = left.filter(reference__endswith="-C").count()
    orphans = ConcernEvent.objects.exclude(concern__in=left).count()
    orphans += CorrectionNote.objects.exclude(concern__in=left).count()
    orphans += Concern.history.exclude(id__in=left.values("pk")).count()
    kept_files = set(Attachment.objects.values_list("file", flat=True))
    stored = {
        str(p.relative_to(settings.MEDIA_ROOT))
        for p in Path(settings.MEDIA_ROOT).rglob("*")
        if p.is_file()
    }
    ok = due_left == 0 and current == CURRENT and orphans == 0 and stored == kept_files
    print(
        f"\nLeft: {due_left} due concerns, {current:,} current (of {CURRENT:,}), {orphans} "
        f"events, notes or history rows of disposed concerns, {len(stored - kept_files)} files "
        f"of disposed concerns: {'all as it should be' if ok else 'WRONG'}"
    )
    return ok


if __name__ == "__main__":
    sys.exit(main())

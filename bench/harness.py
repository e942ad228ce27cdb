"""What the benchmark scripts share: their database, the people, the server, the timing and
the report. Each script (triage_queue.py, caseload_chronology.py) seeds its own records and
says which pages to time; everything here is the same for all of them, so their figures are
measured the same way.
"""

import argparse
import base64
import http.client
import os
import re
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import warnings
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

POSTGRES = os.environ.get("BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432")
DB_NAME = os.environ.get("BENCH_DB_NAME", "ssp_bench")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/15")

SCHOOLS = 60  # one force
PUPILS_PER_SCHOOL = 300
STAFF_PER_SCHOOL = 12
BATCH = 5_000

WORKERS = 2
WARM_UP = 20  # requests per page, not timed
# timed requests per page, one at a time, pages interleaved (fewer for a quick look)
SEQUENTIAL = int(os.environ.get("BENCH_REQUESTS", "300"))
CLIENTS = 4  # threads for the requests-per-second run
CONCURRENT_SECONDS = 5.0
CONCURRENT_MAX = 5_000  # requests per page, whichever limit comes first
# seconds for the whole run (longer on a machine busy with other work)
TIME_LIMIT = float(os.environ.get("BENCH_TIME_LIMIT", "600"))
# The numbers of records the scripts that grow their data time their pages at, in order.
SIZES = tuple(int(n) for n in os.environ.get("BENCH_SIZES", "10000,100000").split(","))

FLOOR = "floor"
FLOOR_PATH = "/bench/floor/"

# A row of data; a table's "nothing here" row has colspan and does not match.
ROW = re.compile(rb'<tr class="govuk-table__row">\s*<td class="govuk-table__cell">')


class BenchError(Exception):
    pass


@dataclass
class Page:
    name: str
    path: str
    cookies: list  # one signed-in session per client thread, as for separate people
    # (None for a machine client, which signs each request with `headers` instead)
    rows: int = 0  # rows (or list items, or timeline entries) on the last response
    medians: dict = field(default_factory=dict)
    row: re.Pattern = ROW  # what counts as one row of this page
    headers: dict = field(default_factory=dict)  # sent with every request (an API bearer)
    before: object = None  # called before each request, untimed (to empty a cache, say)


def main(doc, run) -> int:
    """Set up the database and the server around run(server, deadline), and always clean up."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--keep", action="store_true", help="keep the benchmark database")
    args = parser.parse_args()
    if "bench" not in DB_NAME:
        print(f"Refusing to drop {DB_NAME!r}: the name must contain 'bench'.", file=sys.stderr)
        return 2
    deadline = time.monotonic() + TIME_LIMIT
    # WhiteNoise warns that no static files were collected; these pages do not need them.
    warnings.filterwarnings("ignore", "No directory at", UserWarning)
    configure_environment()
    recreate_database()
    try:
        import django

        django.setup()
        migrate()
        from django.core.cache import cache

        # What an earlier run kept is keyed by the same ids, as the database is seeded
        # alike each time: empty the bench's own Redis database.
        cache.clear()
        with tempfile.TemporaryFile("w+") as log:
            server = Server(free_port(), log)
            try:
                return run(server, deadline)
            finally:
                server.stop()
    except BenchError as error:
        print(f"\nBenchmark failed: {error}", file=sys.stderr)
        return 2
    finally:
        if not args.keep:
            drop_database()


def configure_environment() -> None:
    # Before Django is imported: the settings read these once.
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "bench.settings",
            "DATABASE_URL": f"{POSTGRES}/{DB_NAME}",
            "REDIS_URL": REDIS_URL,
            "CELERY_BROKER_URL": REDIS_URL,
            "DJANGO_DEBUG": "false",
            "DJANGO_SECURE": "false",
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
            "MFA_ENCRYPTION_KEY": base64.urlsafe_b64encode(os.urandom(32)).decode(),
            "MFA_TOTP_INSECURE_BYPASS_CODE": "",
            "STATICFILES_BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage",
            "LOG_LEVEL": "WARNING",
        }
    )


def _admin_connection():
    import psycopg

    return psycopg.connect(f"{POSTGRES}/postgres", autocommit=True, connect_timeout=5)


def recreate_database() -> None:
    with _admin_connection() as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{DB_NAME}"')


def drop_database() -> None:
    try:
        from django.db import connections

        connections.close_all()
    except Exception:  # Django may never have been set up
        pass
    with _admin_connection() as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')


def migrate() -> None:
    from django.core.management import call_command

    started = time.monotonic()
    call_command("migrate", verbosity=0, interactive=False)
    print(f"Migrated {DB_NAME} in {time.monotonic() - started:.0f} s")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# Seeding -----------------------------------------------------------------------------------

NARRATIVES = (
    "Pupil disclosed at break that an older student had been taking their lunch money and "
    "threatening them on the walk home. Parents not yet informed.",
    "Staff noticed bruising on the forearm during PE; pupil gave an inconsistent account and "
    "became upset when asked again later in the day.",
    "A group of pupils were seen sharing images on a phone in the changing rooms. The phone "
    "was not looked at; it is held in the head's office.",
    "Pupil arrived late and withdrawn for the third time this week, says there is no food at "
    "home and that an adult in the house has been shouting.",
)


@dataclass
class Cast:
    schools: list
    pupils: dict  # school pk -> pupil pks
    staff: dict  # school pk -> user pks
    spocs: dict  # school pk -> the SPOC's user pk
    spoc: object  # the measured school's SPOC
    reporter: object  # a member of the measured school's staff who logs many concerns


def seed_cast(rng) -> Cast:
    """One force: its schools (partnered, agreement in force), their pupils and staff."""
    from django.contrib.auth.hashers import make_password
    from django.db import transaction

    from agreements.models import Partnership
    from reports.demo_agreements import publish_demo_documents, sign_both_sides
    from schools.models import Force, Membership, Pupil, School, Team
    from ssp.models import User

    started = time.monotonic()
    from reports.management.commands.seed_demo import FIRST_NAMES as FIRST
    from reports.management.commands.seed_demo import LAST_NAMES as LAST

    with transaction.atomic():
        force = Force.objects.create(name="Benchshire Police")
        Team.objects.create(force=force, name="Safer Schools", kind=Team.Kind.SAFER_SCHOOLS)
        schools = School.objects.bulk_create(
            School(
                urn=f"{900000 + i}",
                laestab=f"999{i:04d}",
                name=f"Bench School {i:02d}",
                local_authority="Benchshire",
                force=force,
                meets_sspo_criteria=True,
            )
            for i in range(SCHOOLS)
        )
        Partnership.objects.bulk_create(
            Partnership(
                school=school,
                force=force,
                status=Partnership.Status.ACTIVE,
            )
            for school in schools
        )
        pupils = Pupil.objects.bulk_create(
            Pupil(
                school=school,
                first_name=rng.choice(FIRST),
                last_name=rng.choice(LAST),
                date_of_birth=date(2010 + rng.randrange(5), rng.randrange(1, 13), 1),
                year_group=rng.randrange(7, 12),
            )
            for school in schools
            for _ in range(PUPILS_PER_SCHOOL)
        )
        unusable = make_password(None)
        users = User.objects.bulk_create(
            User(
                email=f"staff{j}.school{i}@bench.example.org",
                first_name=rng.choice(FIRST),
                last_name=rng.choice(LAST),
                password=unusable,
            )
            for i in range(SCHOOLS)
            for j in range(STAFF_PER_SCHOOL)
        )
        memberships = []
        for i, school in enumerate(schools):
            for j, user in enumerate(users[i * STAFF_PER_SCHOOL : (i + 1) * STAFF_PER_SCHOOL]):
                spoc = j == 0
                memberships.append(
                    Membership(
                        user=user,
                        school=school,
                        is_slt=spoc,
                        designation=Membership.Designation.SPOC if spoc else "",
                    )
                )
        Membership.objects.bulk_create(memberships)
        # Agreements made the real way (published, both sides signed), so in force is the
        # portal's own rule; one bench user signs for both sides.
        signer = User.objects.create(email="signer@bench.example.org", password=unusable)
        documents = publish_demo_documents(force, by=signer)
        for partnership in Partnership.objects.filter(force=force):
            sign_both_sides(partnership, documents, head=signer, sergeant=signer)
    by_school = {school.pk: [] for school in schools}
    for pupil in pupils:
        by_school[pupil.school_id].append(pupil.pk)
    staff = {m.school_id: [] for m in memberships}
    for m in memberships:
        staff[m.school_id].append(m.user_id)
    measured = schools[0]
    print(
        f"Seeded {SCHOOLS} schools of one force, {len(pupils):,} pupils, {len(users):,} staff "
        f"in {time.monotonic() - started:.0f} s"
    )
    return Cast(
        schools=schools,
        pupils=by_school,
        staff=staff,
        spocs={school_pk: ids[0] for school_pk, ids in staff.items()},
        spoc=User.objects.get(pk=staff[measured.pk][0]),
        reporter=User.objects.get(pk=staff[measured.pk][1]),
    )


def settle(tables) -> None:
    """Leave the database as a busy server's would be, so each size starts from the same place.

    Fresh statistics and visibility map, as autovacuum would have made by the time a real table
    had grown this large; the sessions' dead rows from the last round gone; and the seed's dirty
    pages written now rather than by a checkpoint in the middle of the timing.
    """
    from django.db import connection

    with connection.cursor() as cursor:
        for table in (*tables, "django_session"):
            cursor.execute(f"VACUUM ANALYZE {table}")
        try:
            cursor.execute("CHECKPOINT")
        except Exception:  # only a superuser may; the figures are just noisier without it
            print("(CHECKPOINT refused: not a superuser)")


def now():
    from django.utils import timezone

    return timezone.now()


def session_cookie(user) -> str:
    """A signed-in session as the portal leaves it after both factors, straight in the DB."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    from ssp.middleware import MFA_ENROLLED_KEY, SESSION_SEEN_KEY, SESSION_STARTED_KEY

    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session[MFA_ENROLLED_KEY] = True
    session[SESSION_STARTED_KEY] = session[SESSION_SEEN_KEY] = now().timestamp()
    session.create()
    return f"{settings.SESSION_COOKIE_NAME}={session.session_key}"


def cookies_for(user) -> list:
    return [session_cookie(user) for _ in range(CLIENTS)]


# Serving and measuring ---------------------------------------------------------------------


class Server:
    def __init__(self, port, log):
        self.port = port
        self.process = None
        self.log = log  # gunicorn's output, shown when it fails or complains

    def start(self) -> None:
        command = [
            sys.executable,
            "-m",
            "gunicorn",
            "ssp.wsgi:application",
            f"--bind=127.0.0.1:{self.port}",
            f"--workers={WORKERS}",
            "--worker-class=sync",
            "--timeout=30",
            "--no-control-socket",
            "--log-level=warning",
        ]
        self.process = subprocess.Popen(
            command,
            cwd=ROOT,
            stdin=subprocess.DEVNULL,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            env={**os.environ, "PYTHONWARNINGS": "ignore:No directory at:UserWarning"},
            start_new_session=True,  # its own process group: stop() ends it and its workers
        )
        ready_by = time.monotonic() + 30
        while time.monotonic() < ready_by:
            if self.process.poll() is not None:
                raise BenchError(f"gunicorn exited at start:\n{self.output()}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.2)
        raise BenchError(f"gunicorn did not listen within 30 s:\n{self.output()}")

    def output(self) -> str:
        self.log.flush()
        self.log.seek(0)
        return self.log.read()[-3000:]

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=5)
        errors = self.output().strip()
        if errors:
            print(f"\ngunicorn's log:\n{errors}")


def started(server) -> None:
    server.start()
    print(
        f"gunicorn: {WORKERS} sync workers on 127.0.0.1:{server.port}; "
        f"{os.cpu_count()} cores shared with PostgreSQL and the client\n"
    )


def time_pages(port, pages, size, rows, deadline) -> None:
    """Count, warm up, time one at a time, then under load; add a row per page to rows."""
    queries = {page.name: count_queries(page) for page in pages}
    warm_up(port, pages, deadline)
    load_before = os.getloadavg()[0]
    timings = measure_sequential(port, pages, deadline)
    for page in pages:
        rps = measure_rps(port, page, deadline)
        times = timings[page.name]
        median = statistics.median(times)
        page.medians[size] = median
        rows.append((size, page, median, percentile_95(times), rps, queries[page.name], page.rows))
    load = max(load_before, os.getloadavg()[0])
    print_table(rows)
    print(f"Load average while timing: up to {load:.1f} on {os.cpu_count()} cores")
    if load > (os.cpu_count() or 1) + 1:
        print("  The machine is busy with other work: expect noisy figures.")


def get(port, page, client=0) -> float:
    if page.before is not None:
        page.before()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=15)
    try:
        started = time.perf_counter()
        headers = dict(page.headers)
        if page.cookies[client]:
            headers["Cookie"] = page.cookies[client]
        conn.request("GET", page.path, headers=headers)
        response = conn.getresponse()
        body = response.read()
        elapsed = time.perf_counter() - started
    finally:
        conn.close()
    if response.status != 200:
        raise BenchError(f"{page.path} answered {response.status}, not 200")
    page.rows = len(page.row.findall(body))
    return elapsed


def warm_up(port, pages, deadline) -> None:
    # Two at a time so both workers have imported, compiled and connected before timing.
    for page in pages:
        check(deadline, "warming up")
        for _ in range(WARM_UP // 2):
            threads = [threading.Thread(target=get, args=(port, page, i)) for i in range(2)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=30)


def measure_sequential(port, pages, deadline) -> dict:
    # Interleaved, so drift on the machine touches every page alike.
    times = {page.name: [] for page in pages}
    for _ in range(SEQUENTIAL):
        check(deadline, "timing requests")
        for page in pages:
            times[page.name].append(get(port, page))
    return times


def measure_rps(port, page, deadline) -> float:
    check(deadline, "measuring requests per second")
    done = [0] * CLIENTS
    errors = []
    stop_at = time.monotonic() + CONCURRENT_SECONDS
    per_client = CONCURRENT_MAX // CLIENTS

    def client(i):
        try:
            while time.monotonic() < stop_at and done[i] < per_client:
                get(port, page, i)
                done[i] += 1
        except Exception as error:  # reported below, in the main thread
            errors.append(error)

    threads = [threading.Thread(target=client, args=(i,), daemon=True) for i in range(CLIENTS)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=CONCURRENT_SECONDS + 30)
    elapsed = time.perf_counter() - started
    if errors:
        raise BenchError(f"{page.path} under load: {errors[0]}")
    return sum(done) / elapsed


def count_queries(page) -> int:
    return len(capture(page))


def capture(page) -> list:
    """The SQL one request makes, through the same stack, in this process.

    A request first, uncounted: the session's expiry is pushed on at most once a minute
    (ssp.middleware), and the timing runs last longer than that, so the counted request
    would otherwise carry that write (BEGIN, UPDATE django_session, COMMIT), which is the
    session's, once a minute, not the page's.
    """
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_HOST="127.0.0.1")
    if page.cookies[0]:
        cookie_name, key = page.cookies[0].split("=", 1)
        assert cookie_name == settings.SESSION_COOKIE_NAME
        client.cookies[cookie_name] = key
    client.get(page.path, headers=page.headers)
    if page.before is not None:
        page.before()
    with CaptureQueriesContext(connection) as captured:
        response = client.get(page.path, headers=page.headers)
    if response.status_code != 200:
        raise BenchError(f"{page.path} answered {response.status_code} in process")
    return captured.captured_queries


def percentile_95(times) -> float:
    return statistics.quantiles(times, n=20, method="inclusive")[18]


def check(deadline, doing) -> None:
    if time.monotonic() > deadline:
        raise BenchError(f"over the {TIME_LIMIT:.0f} s limit while {doing}")


# Reporting ---------------------------------------------------------------------------------


def print_table(rows) -> None:
    width = max(30, *(len(page.name) for _, page, *_ in rows))
    print(
        f"\n{'concerns':>9}  {'page':<{width}} {'median ms':>9} {'p95 ms':>8} {'req/s':>7} "
        f"{'queries':>7} {'rows':>5}"
    )
    for size, page, median, p95, rps, queries, shown in rows:
        print(
            f"{size:>9,}  {page.name:<{width}} {median * 1000:>9.1f} {p95 * 1000:>8.1f} "
            f"{rps:>7.1f} {queries:>7} {shown:>5}"
        )


def plans(pages, size, explained, deadline) -> None:
    """Each page's queries with their times, and EXPLAIN ANALYZE for those explained(query)."""
    from django.db import connection

    print(f"\nQuery plans at {size:,} concerns (second run of each, warm cache)")
    for page in pages:
        check(deadline, "explaining")
        captured = capture(page)
        total = sum(float(query["time"]) for query in captured) * 1000
        print(f"\n== {page.name}: {page.path} ({len(captured)} queries, {total:.0f} ms in SQL)")
        for query in captured:
            print(f"  {float(query['time']) * 1000:6.1f} ms  {shorten(query['sql'])}")
        for query in captured:
            if not explained(query):
                continue
            with connection.cursor() as cursor:
                for _ in range(2):
                    cursor.execute("EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) " + query["sql"])
                    plan = [line for (line,) in cursor.fetchall()]
            print(f"\n  -- {shorten(query['sql'])}")
            for line in plan:
                if not any(noise in line for noise in PLAN_NOISE):
                    print(f"  {line[:150]}")


PLAN_NOISE = ("Buffers:", "Planning:", "Batches:", "Buckets:", "Group Key:", "Heap Fetches:")


def shorten(sql, width=110) -> str:
    sql = re.sub(r"\s+", " ", sql)
    head = sql[:60]
    tail = sql[sql.find(" WHERE ") :][: width - 65] if " WHERE " in sql else ""
    return f"{head} ... {tail}" if tail else sql[:width]


def verdict(pages, sizes, targets, within=5) -> int:
    """Ratios to the floor for every page at every size; the issue's targets for the pages
    named: the median within `within` times the floor's (or, when targets is a dict, within
    its value for that page; None: no bound, its growth alone a target) at every size and,
    when more than one size was measured, at most 1.2x slower at the last size than at the
    one before."""
    if not isinstance(targets, dict):
        targets = dict.fromkeys(targets, within)
    floor = next(page for page in pages if page.name == FLOOR)
    growing = len(sizes) > 1
    small, large = sizes[-2:] if growing else (None, sizes[-1])
    width = max(30, *(len(page.name) for page in pages))
    columns = [f"/ floor at {_short(size)}" for size in sizes]
    grown = f"{_short(large)} / {_short(small)}" if growing else ""
    print("\nRatios (medians)")
    print(f"  {'page':<{width}} " + " ".join(f"{c:>15}" for c in columns) + f" {grown:>10}")
    for page in pages:
        if page is floor:
            continue
        ratios = " ".join(f"{page.medians[n] / floor.medians[n]:>15.2f}" for n in sizes)
        growth = f"{page.medians[large] / page.medians[small]:>10.2f}" if growing else ""
        print(f"  {page.name:<{width}} {ratios} {growth}")
    floor_growth = floor.medians[large] / floor.medians[small] if growing else 1.0
    if growing:
        blank = " ".join(f"{'':>15}" for _ in sizes)
        print(f"  {'floor':<{width}} {blank} {floor_growth:>10.2f}")
    all_met = True
    print()
    for page in pages:
        if page.name not in targets:
            continue
        within = targets[page.name]
        against_floor = page.medians[large] / floor.medians[large]
        if within is not None:
            met_floor = all(page.medians[n] / floor.medians[n] <= within for n in sizes)
            all_met = all_met and met_floor
            print(
                f"Target: {page.name} median within {within}x the floor's: "
                f"{against_floor:.2f}x at {large:,} -> {'met' if met_floor else 'MISSED'}"
            )
        else:
            print(f"Reported: {page.name}: {against_floor:.2f}x the floor's at {large:,}")
        if not growing:
            print(f"  (one size measured: {page.name}'s growth not measured)")
            continue
        growth = page.medians[large] / page.medians[small]
        met_growth = growth <= 1.2
        all_met = all_met and met_growth
        print(
            f"Target: {page.name} no more than 1.2x slower at {large:,} than at {small:,}: "
            f"{growth:.2f}x -> {'met' if met_growth else 'MISSED'}"
        )
        if abs(floor_growth - 1) > 0.1:
            # The floor does not depend on the concerns: when it moves, the machine did.
            print(
                f"  The floor itself moved {floor_growth:.2f}x between the sizes, so the "
                f"machine's speed changed; measured against the floor the {page.name} grew "
                f"{growth / floor_growth:.2f}x."
            )
    return 0 if all_met else 1


def _short(size: int) -> str:
    """10000 -> 10k, 1000000 -> 1M: a column heading's size."""
    for unit, name in ((1_000_000, "M"), (1_000, "k")):
        if size >= unit and size % unit == 0:
            return f"{size // unit:,}{name}"
    return f"{size:,}"

"""A school's roll: a 2,000-pupil CSV and CTF previewed, applied and re-imported unchanged.

    .venv/bin/python bench/roll.py          # about a minute
    .venv/bin/python bench/roll.py --keep   # keep the database afterwards

Calls the same services as the pages (upload, preview, apply), in its own PostgreSQL database
(`ssp_bench_roll`, or BENCH_DB_NAME), beside 60 other schools' 18,000 pupils. Prints the time
and the SQL query count of each step, the pupil rows and history rows written, and the peak
memory. Targets (issue 9): preview ≤ 3 s, apply ≤ 5 s, an unchanged roll re-imported ≤ 3 s
with 0 writes, and the same query count for 200 pupils as for 2,000. Exits 1 when one is missed.
"""

import argparse
import os
import random
import resource
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import harness  # noqa: E402

PUPILS = 2000
SMALL = 200
TARGETS = {"preview": 3.0, "apply": 5.0, "unchanged": 3.0}


def csv_roll(people) -> bytes:
    lines = ["UPN,Legal Surname,Legal Forename,Preferred Forename,DOB,Year"]
    for p in people:
        born = date.fromisoformat(p["dob"])
        lines.append(
            f"{p['upn']},{p['surname']},{p['forename']},,{born:%d/%m/%Y},Year {p['year']}"
        )
    return ("\r\n".join(lines) + "\r\n").encode()


MAPPING = {
    "upn": "UPN",
    "legal_surname": "Legal Surname",
    "legal_forename": "Legal Forename",
    "preferred_forename": "Preferred Forename",
    "date_of_birth": "DOB",
    "year_group": "Year",
}


def seed():
    from schools.models import Force, Membership, Pupil, School
    from ssp.models import User

    force = Force.objects.create(name="Benchshire Police")
    others = School.objects.bulk_create(
        School(
            urn=f"{900100 + i}",
            laestab=f"873{5000 + i}",
            name=f"Other {i}",
            local_authority="Benchshire",
            force=force,
        )
        for i in range(60)
    )
    rng = random.Random(1)
    Pupil.objects.bulk_create(
        Pupil(
            school=s,
            first_name="Other",
            last_name=f"Pupil{n}",
            year_group=8,
            date_of_birth=date(2013, 1, 1) + timedelta(days=rng.randrange(365)),
        )
        for s in others
        for n in range(300)
    )
    schools = []
    for i, laestab in enumerate(("8734001", "8734002", "8734003")):
        school = School.objects.create(
            urn=f"{900000 + i}",
            laestab=laestab,
            name=f"Bench Academy {i}",
            local_authority="Benchshire",
            force=force,
            statutory_low_age=11,
            statutory_high_age=16,
        )
        head = User.objects.create(email=f"head{i}@bench.example.org")
        Membership.objects.create(user=head, school=school, position="head", is_slt=True)
        schools.append((school, head))
    return schools


class Step:
    def __init__(self, name):
        self.name = name

    def __enter__(self):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        from schools.models import Pupil

        self.before = (Pupil.objects.count(), Pupil.history.count())
        self.capture = CaptureQueriesContext(connection)
        self.capture.__enter__()
        self.started = time.perf_counter()
        return self

    def __exit__(self, *exc):
        from schools.models import Pupil

        self.seconds = time.perf_counter() - self.started
        self.capture.__exit__(*exc)
        self.queries = len(self.capture)
        self.writes = sum(
            1
            for q in self.capture.captured_queries
            if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))
            and '"schools_' in q["sql"][:60]
            and "pupil" in q["sql"][:60]
        )
        after = (Pupil.objects.count(), Pupil.history.count())
        self.history_rows = after[1] - self.before[1]
        self.new_pupils = after[0] - self.before[0]


def run_roll(school, head, data, mapping, label, results):
    from schools.intake import roll

    with Step(f"{label}: preview") as preview:
        intake = roll.roll_upload(school=school, by=head, name="roll", data=data)
        intake = roll.roll_preview(intake=intake, by=head, mapping=mapping)
    with Step(f"{label}: apply") as apply:
        intake = roll.roll_apply(intake=intake, by=head)
    results.append((preview, intake.summary))
    results.append((apply, intake.summary))
    return preview, apply


def run(keep: bool) -> int:
    import django

    django.setup()
    harness.migrate()
    from bench.ctf_file import ctf_document, pupil_xml, roll_pupils

    (csv_school, head), (ctf_school, ctf_head), (small_school, small_head) = seed()
    people = roll_pupils(laestab=csv_school.laestab, pupils=PUPILS, seed=2)
    data = csv_roll(people)
    ctf_people = roll_pupils(laestab=ctf_school.laestab, pupils=PUPILS, seed=3)
    ctf = ctf_document(
        dest_laestab=ctf_school.laestab, pupils=[pupil_xml(**p) for p in ctf_people]
    )
    small = csv_roll(roll_pupils(laestab=small_school.laestab, pupils=SMALL, seed=4))
    print(f"CSV roll {len(data) / 1e3:.0f} kB, CTF {len(ctf) / 1e6:.1f} MB, {PUPILS} pupils each")

    results = []
    first, first_apply = run_roll(csv_school, head, data, MAPPING, "CSV, first import", results)
    again, again_apply = run_roll(csv_school, head, data, MAPPING, "CSV, unchanged", results)
    changed_people = [dict(p) for p in people[50:]]  # 50 leave
    for p in changed_people[:100]:
        p["year"] = p["year"] + 1 if p["year"] < 11 else p["year"]
        p["surname"] += "-Smith"
    changed_people += roll_pupils(laestab="8734009", pupils=50, seed=5)  # 50 join
    run_roll(
        csv_school,
        head,
        csv_roll(changed_people),
        MAPPING,
        "CSV, 100 changed, 50 in, 50 out",
        results,
    )
    run_roll(ctf_school, ctf_head, ctf, None, "CTF, first import", results)
    ctf_again, ctf_again_apply = run_roll(
        ctf_school, ctf_head, ctf, None, "CTF, unchanged", results
    )
    run_roll(small_school, small_head, small, MAPPING, f"CSV {SMALL}, first import", results)
    small_again, small_again_apply = run_roll(
        small_school, small_head, small, MAPPING, f"CSV {SMALL}, unchanged", results
    )

    print(
        f"\n{'step':<46} {'seconds':>8} {'queries':>8} {'pupil writes':>13} {'history rows':>13}"
    )
    for step, _summary in results:
        print(
            f"{step.name:<46} {step.seconds:>8.2f} {step.queries:>8} {step.writes:>13} "
            f"{step.history_rows:>13}"
        )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\nPeak memory (RSS) of this process: {peak:.0f} MB")

    checks = [
        ("CSV preview ≤ 3 s", first.seconds <= TARGETS["preview"]),
        ("CSV apply ≤ 5 s", first_apply.seconds <= TARGETS["apply"]),
        (
            "CSV unchanged re-import ≤ 3 s",
            again.seconds + again_apply.seconds <= TARGETS["unchanged"],
        ),
        (
            "CSV unchanged re-import writes 0 pupil or history rows",
            again_apply.writes == 0 and again_apply.history_rows == 0,
        ),
        (
            "CTF unchanged re-import ≤ 3 s with 0 writes",
            ctf_again.seconds + ctf_again_apply.seconds <= TARGETS["unchanged"]
            and ctf_again_apply.history_rows == 0,
        ),
        (
            f"same queries for {SMALL} as for {PUPILS} pupils (unchanged re-import)",
            (small_again.queries, small_again_apply.queries)
            == (again.queries, again_apply.queries),
        ),
    ]
    missed = 0
    for name, ok in checks:
        print(f"{'met   ' if ok else 'MISSED'} {name}")
        missed += not ok
    return 1 if missed else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", action="store_true", help="keep the benchmark database")
    args = parser.parse_args()
    harness.DB_NAME = os.environ.get("BENCH_DB_NAME", "ssp_bench_roll")
    if "bench" not in harness.DB_NAME:
        print(f"Refusing to drop {harness.DB_NAME!r}: the name must contain 'bench'.")
        return 2
    harness.configure_environment()
    with tempfile.TemporaryDirectory() as media:
        os.environ["PRIVATE_MEDIA_ROOT"] = media
        harness.recreate_database()
        try:
            return run(args.keep)
        finally:
            if not args.keep:
                harness.drop_database()


if __name__ == "__main__":
    sys.exit(main())

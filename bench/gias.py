"""The GIAS import for one force: time and peak memory (RSS) of the preview and the apply.

Makes a realistic "all establishment data" extract: 50,000 establishments with the real
140-column header, every field quoted, Windows-1252, about 60 MB; three local authorities'
secondaries among many primaries and closed schools of 150 authorities. Then, for one force
serving those three authorities, it times:

1. the first import: preview (read the file in the worker) and apply (every school new);
2. the same file again: preview and apply, which must write nothing (history rows counted);
3. a newer extract in which 10 schools changed figures and 2 closed.

Targets (issue 9): at most 30 s and 200 MB peak RSS for one force's local authorities.
Each import runs in a fresh process, as in a Celery worker; its RSS is that process's peak
(Python, Django and the ORM included), read from /proc/self/status (VmHWM).

    .venv/bin/python bench/gias.py           # about a minute
    .venv/bin/python bench/gias.py --keep    # keep the database afterwards
"""

import argparse
import csv
import datetime
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("BENCH_DB_NAME", "ssp_bench_gias")
os.environ.setdefault("BENCH_REDIS_URL", "redis://127.0.0.1:6379/1")

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import harness  # noqa: E402
from tests.gias_files import COLUMNS, school_row  # noqa: E402

ROWS = 50_000
FORCE_LAS = {"926": "Norfolk", "940": "North Northamptonshire", "941": "West Northamptonshire"}
TARGET_SECONDS = 30.0
TARGET_MB = 200.0

WORDS = ["St", "Mary’s", "Church", "of", "England", "Academy", "Primary", "High", "Park",
         "Green", "Hill", "Valley", "Brook", "Oak", "Meadow", "Royal", "Saint", "Thérèse",
         "Bishop", "Community", "Free", "School", "College", "Infant", "Wood"]  # fmt: skip
TOWNS = ["Norwich", "Kettering", "Corby", "Northampton", "King’s Lynn", "Thetford", "Diss",
         "Wellingborough", "Daventry", "Cromer"]  # fmt: skip


def peak_mb() -> float:
    """This process's peak RSS. VmHWM, not getrusage: Linux carries ru_maxrss across exec,
    so a child would report its parent's peak."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def authorities(rng) -> dict[str, str]:
    las = dict(FORCE_LAS)
    code = 201
    while len(las) < 150:
        if str(code) not in las:
            las[str(code)] = f"Authority {code} – {rng.choice(TOWNS)}"
        code += 3 if code < 900 else 1
    return las


def establishment(rng, urn: int, la: str, la_name: str, changed: bool = False) -> dict:
    phase = rng.choices(
        ["Primary", "Secondary", "All-through", "Not applicable", "16 plus", "Nursery"],
        weights=[62, 12, 2, 14, 6, 4],
    )[0]
    status = rng.choices(["Open", "Closed", "Open, but proposed to close"], [70, 29, 1])[0]
    low, high = {"Primary": ("4", "11"), "Secondary": ("11", "18"), "All-through": ("4", "18"),
                 "Nursery": ("2", "5"), "16 plus": ("16", "19")}.get(phase, ("", ""))  # fmt: skip
    town = rng.choice(TOWNS)
    name = " ".join(rng.sample(WORDS, 3)) + f" {urn % 997}"
    pupils = rng.randint(80, 1900)
    fsm = round(rng.uniform(2, 45), 1)
    if changed:
        pupils += 37
        fsm = round(min(fsm + 1.5, 99.9), 1)
    return school_row(
        urn,
        la=la,
        la_name=la_name,
        number=f"{rng.randint(1000, 7999)}",
        name=name,
        phase=phase,
        status=status,
        type_name=rng.choice(
            [
                "Academy converter",
                "Community school",
                "Voluntary aided school",
                "Foundation school",
                "Free schools",
                "Academy sponsor led",
            ]
        ),
        opened="" if rng.random() < 0.6 else f"01-09-{rng.randint(1990, 2024)}",
        closed=f"31-08-{rng.randint(1995, 2025)}" if status == "Closed" else "",
        low=low,
        high=high,
        pupils="" if status == "Closed" else str(pupils),
        fsm="" if status == "Closed" else f"{fsm}",
        street=f"{rng.randint(1, 200)} {rng.choice(WORDS)} Road",
        town=town,
        postcode=f"NR{rng.randint(1, 35)} {rng.randint(1, 9)}{rng.choice('ABDEFGHJ')}"
        f"{rng.choice('LNPQRSTU')}",
        **{
            "SchoolWebsite": f"https://www.school{urn}.example.sch.uk",
            "TelephoneNum": f"01603{rng.randint(100000, 999999)}",
            "HeadFirstName": rng.choice(["Anne", "Björn", "Chloé", "David", "Eóin"]),
            "HeadLastName": rng.choice(["Smith", "Jones", "O’Brien", "Nuñez", "Taylor"]),
            "HeadPreferredJobTitle": "Headteacher",
            "Trusts (name)": f"The {rng.choice(WORDS)} {rng.choice(WORDS)} Trust",
            "DistrictAdministrative (name)": town,
            "AdministrativeWard (name)": f"{rng.choice(WORDS)} Ward",
            "ParliamentaryConstituency (name)": f"{town} North",
            "MSOA (name)": f"{town} {rng.randint(1, 30):03d}",
            "LSOA (name)": f"{town} {rng.randint(1, 30):03d}{rng.choice('ABCDE')}",
            "UrbanRural (name)": "(England/Wales) Urban city and town",
            "InspectorateReport": f"https://reports.ofsted.gov.uk/provider/21/{urn}",
            "SchoolCapacity": str(pupils + 100),
            "NumberOfBoys": str(pupils // 2),
            "NumberOfGirls": str(pupils - pupils // 2),
            "UPRN": str(rng.randint(10**10, 10**11)),
            "OfstedRating (name)": rng.choice(["Good", "Outstanding", "Requires improvement"]),
            "SiteName": f"{name} main site",
            "PropsName": f"{rng.choice(WORDS)} {rng.choice(WORDS)} Education Ltd",
            "Federations (name)": f"The {rng.choice(WORDS)} Federation",
            "SchoolSponsors (name)": f"{rng.choice(WORDS)} Academies Trust",
            "GOR (name)": "East of England",
            "RSCRegion (name)": "East of England and North-East London",
            "Diocese (name)": "Diocese of Norwich",
            "ReligiousCharacter (name)": rng.choice(["Does not apply", "Church of England"]),
            "AdmissionsPolicy (name)": "Not applicable",
            "NurseryProvision (name)": "No Nursery Classes",
            "OfficialSixthForm (name)": "Does not have a sixth form",
            "Boarders (name)": "No boarders",
            "TypeOfResourcedProvision (name)": "Not applicable",
            "SEN1 (name)": "Not Applicable",
            "OfstedLastInsp": f"{rng.randint(1, 28):02d}-0{rng.randint(1, 9)}-2023",
            "DateOfLastInspectionVisit": f"{rng.randint(1, 28):02d}-0{rng.randint(1, 9)}-2023",
            "GSSLACode (name)": f"E0{rng.randint(6000000, 6099999)}",
            "MSOA (code)": f"E02{rng.randint(1000000, 6999999)}",
            "LSOA (code)": f"E01{rng.randint(1000000, 3999999)}",
            "QABName (name)": "Not applicable",
            "EstablishmentAccredited (name)": "Not applicable",
        },
    )


def write_extract(path: Path, seed: int, changed=frozenset(), closed=frozenset()) -> int:
    """Write the file a row at a time; return the number of the force's secondaries."""
    rng = random.Random(seed)
    las = authorities(rng)
    codes = list(las)
    ours = 0
    with path.open("w", encoding="cp1252", newline="") as out:
        writer = csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
        writer.writerow(COLUMNS)
        for n in range(ROWS):
            urn = 100000 + n
            # The force's three authorities hold about 2% of the country's establishments.
            la = codes[n % 3] if n % 50 == 0 else codes[3 + n % (len(codes) - 3)]
            row = establishment(rng, urn, la, las[la], changed=urn in changed)
            if urn in closed:
                row |= {"EstablishmentStatus (name)": "Closed", "CloseDate": "31-12-2026"}
            if la in FORCE_LAS and row["PhaseOfEducation (name)"] in ("Secondary", "All-through"):
                ours += 1
            writer.writerow([row[c] for c in COLUMNS])
    return ours


def run_import(path: Path, extract_date: str, label: str) -> dict:
    """One import in a fresh process, as a Celery worker would run it: its peak RSS is the
    import's, not the file generator's or the migrations'."""
    done = subprocess.run(
        [sys.executable, __file__, "--step", str(path), extract_date, label],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if done.returncode != 0:
        raise harness.BenchError(f"{label} failed:\n{done.stdout}\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def step(path: Path, extract_date: str, label: str) -> dict:
    import django

    django.setup()
    from django.core.files import File

    from schools.intake.gias_services import gias_apply, gias_preview, gias_upload
    from schools.models import Force, LocalAuthority, School
    from ssp.models import User

    force = Force.objects.get()
    admin = User.objects.get(is_superuser=True)
    extract_date = datetime.date.fromisoformat(extract_date)
    start_mb = peak_mb()

    def history_rows():
        return School.history.count() + LocalAuthority.history.count()

    before = history_rows()
    started = time.perf_counter()
    with path.open("rb") as handle:
        intake = gias_upload(force=force, upload=File(handle, name=path.name),
                             la_codes=list(FORCE_LAS), phases=["secondary", "all_through"],
                             extract_date=extract_date, by=admin)  # fmt: skip
    intake = gias_preview(intake=intake)
    previewed = time.perf_counter()
    preview_mb = peak_mb()
    if intake.status != "previewed":
        raise harness.BenchError(f"{label}: {intake.status}: {intake.error}")
    intake = gias_apply(intake=intake, by=admin)
    applied = time.perf_counter()
    return {
        "label": label,
        "preview_s": previewed - started,
        "apply_s": applied - previewed,
        "total_s": applied - started,
        "preview_mb": preview_mb,
        "start_mb": start_mb,
        "peak_mb": peak_mb(),
        "summary": intake.summary,
        "history_rows": history_rows() - before,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", action="store_true", help="keep the benchmark database")
    parser.add_argument("--step", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.step:
        print(json.dumps(step(Path(args.step[0]), args.step[1], args.step[2])))
        return 0
    if "bench" not in harness.DB_NAME:
        print(f"Refusing to drop {harness.DB_NAME!r}: the name must contain 'bench'.")
        return 2
    harness.configure_environment()
    harness.recreate_database()
    work = Path(tempfile.mkdtemp(prefix="gias-bench-"))
    os.environ["PRIVATE_MEDIA_ROOT"] = str(work / "private")
    try:
        import django

        django.setup()
        harness.migrate()
        from schools.models import Force
        from ssp.models import User

        Force.objects.create(name="Northamptonshire and Norfolk Police (bench)")
        User.objects.create_user(email="admin@bench.example", password=None,
                                 is_staff=True, is_superuser=True)  # fmt: skip
        first = work / "edubasealldata20261201.csv"
        started = time.perf_counter()
        ours = write_extract(first, seed=9)
        made = time.perf_counter() - started
        size_mb = first.stat().st_size / (1024 * 1024)
        print(f"Extract: {ROWS:,} establishments, {len(COLUMNS)} columns, {size_mb:.1f} MB "
              f"(Windows-1252), {ours} secondaries and all-through schools of the force's "
              f"{len(FORCE_LAS)} authorities; written in {made:.1f} s.")  # fmt: skip
        results = [run_import(first, "2026-12-01", "first import")]
        again = work / "copy" / first.name
        again.parent.mkdir()
        shutil.copyfile(first, again)
        results.append(run_import(again, "2026-12-01", "same file"))
        from schools.models import School

        urns = sorted(School.objects.filter(status="open").values_list("urn", flat=True))
        changed, closed = (
            frozenset(int(u) for u in urns[:10]),
            frozenset(int(u) for u in urns[10:12]),
        )
        later = work / "edubasealldata20261208.csv"
        write_extract(later, seed=9, changed=changed, closed=closed)
        results.append(run_import(later, "2026-12-08", "a week on"))

        print()
        print(f"{'import':<14}{'preview s':>10}{'apply s':>9}{'total s':>9}"
              f"{'RSS MB: start':>15}{'preview':>9}{'peak':>6}{'history rows':>14}"
              "  summary")  # fmt: skip
        for r in results:
            s = r["summary"]
            print(f"{r['label']:<14}{r['preview_s']:>10.2f}{r['apply_s']:>9.2f}"
                  f"{r['total_s']:>9.2f}{r['start_mb']:>15.0f}{r['preview_mb']:>9.0f}"
                  f"{r['peak_mb']:>6.0f}{r['history_rows']:>14}  "
                  f"new {s['new']}, changed {s['changed']}, closed {s['closed']}, "
                  f"unchanged {s['unchanged']}, refreshed {s['refreshed']}")  # fmt: skip
        worst_s = max(r["total_s"] for r in results)
        worst_mb = max(r["peak_mb"] for r in results)
        ok = (
            worst_s <= TARGET_SECONDS and worst_mb <= TARGET_MB and results[1]["history_rows"] == 0
        )
        print()
        print(f"Slowest import {worst_s:.1f} s (target ≤ {TARGET_SECONDS:.0f} s); peak RSS "
              f"{worst_mb:.0f} MB (target ≤ {TARGET_MB:.0f} MB); the same file again wrote "
              f"{results[1]['history_rows']} history rows (target 0): "
              f"{'within the targets' if ok else 'OUTSIDE the targets'}.")  # fmt: skip
        return 0 if ok else 1
    finally:
        for path in sorted(work.rglob("*"), reverse=True):
            path.unlink() if path.is_file() else path.rmdir()
        work.rmdir()
        if not args.keep:
            harness.drop_database()


if __name__ == "__main__":
    sys.exit(main())

"""A realistic common transfer file (CTF) of N pupils for one school, for the roll benches.

Deterministic: the same school, size and seed give the same bytes. Every UPN is valid (check
letter per the DfE rule) and unique; each pupil carries the parts of a real CTF the portal
skips (address, contacts, attendance, assessments), so parsing is timed on a file of a real
shape, not on a bare list of names.

    from bench.ctf_file import write_ctf
    write_ctf(path, laestab="8734001", pupils=2000)

Run directly, it writes a file and times the portal's parser on it:

    .venv/bin/python bench/ctf_file.py [PUPILS]
"""

import datetime
import random
import sys
from pathlib import Path
from xml.sax.saxutils import escape

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from stdnum.gb import upn as stdnum_upn  # noqa: E402

FORENAMES = [
    "Amelia",
    "Oliver",
    "Isla",
    "George",
    "Ava",
    "Noah",
    "Mia",
    "Arthur",
    "Ivy",
    "Muhammad",
    "Freya",
    "Leo",
    "Lily",
    "Harry",
    "Zara",
    "Jack",
    "Ruby",
    "Theo",
    "Ella",
    "Oscar",
    "Aisha",
    "Finley",
    "Chloe",
    "Kai",
]  # noqa: E501
SURNAMES = [
    "Smith",
    "Jones",
    "Taylor",
    "Brown",
    "Williams",
    "Wilson",
    "Johnson",
    "Davies",
    "Patel",
    "Robinson",
    "Wright",
    "Thompson",
    "Evans",
    "Walker",
    "White",
    "Roberts",
    "Green",
    "Hall",
    "Wood",
    "Jackson",
    "Khan",
    "Clarke",
    "Lewis",
    "Hughes",
]  # noqa: E501


def ctf_version(on: datetime.date | None = None) -> str:
    """The current specification's version on a day, as the header writes it (e.g. "26.0")."""
    on = on or datetime.date.today()
    return f"{on.year % 100 if on.month >= 9 else (on.year - 1) % 100}.0"


def pupil_xml(
    *,
    upn,
    surname,
    forename,
    dob,
    year,
    former_upn="",
    preferred_surname="",
    preferred_forename="",
    extras=True,
) -> str:
    basic = [f"<PreferredSurname>{escape(preferred_surname or surname)}</PreferredSurname>"]
    if preferred_forename:
        basic.append(f"<PreferredForename>{escape(preferred_forename)}</PreferredForename>")
    if former_upn:
        basic.insert(0, f"<FormerUPN>{former_upn}</FormerUPN>")
    basic += [
        f"<NCyearActual>{year}</NCyearActual>",
        "<Ethnicity>WBRI</Ethnicity><EthnicitySource>C</EthnicitySource>",
        "<Languages><Type><LanguageType>F</LanguageType><Language>ENG</Language></Type>"
        "</Languages><MedicalFlag>false</MedicalFlag><EnrolStatus>C</EnrolStatus>",
    ]
    skipped = ""
    if extras:
        skipped = (
            "<Address><BS7666Address><PAON>12</PAON><Street>High Street</Street>"
            "<Town>Northampton</Town></BS7666Address><PostCode>NN1 1AA</PostCode></Address>"
            "<Contacts><Contact><Order>1</Order><Title>Ms</Title><Surname>"
            f"{escape(surname)}</Surname><Forename>Sam</Forename><Relationship>PAM"
            "</Relationship><Responsibility>true</Responsibility></Contact></Contacts>"
            "<Attendance><YearData><Year>2025</Year><SessionsPossible>320</SessionsPossible>"
            "<SessionsAuthorised>6</SessionsAuthorised></YearData></Attendance>"
            "<StageAssessments><KeyStage><Stage>KS2</Stage><StageAssessment><Locale>EN"
            "</Locale><Year>2024</Year><Subject>MAT</Subject><Method>TT</Method>"
            "<Component>SCA</Component><ResultStatus>R</ResultStatus><ResultQualifier>SS"
            "</ResultQualifier><Result>104</Result></StageAssessment></KeyStage>"
            "</StageAssessments>"
        )
    return (
        f"<Pupil><UPN>{upn}</UPN><Surname>{escape(surname)}</Surname>"
        f"<Forename>{escape(forename)}</Forename><DOB>{dob}</DOB><Sex>F</Sex>"
        f"<BasicDetails>{''.join(basic)}</BasicDetails>{skipped}</Pupil>"
    )


def ctf_document(*, dest_laestab: str, pupils: list[str], version: str | None = None) -> bytes:
    """A whole CTF around already-written <Pupil> elements."""
    version = version or ctf_version()
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<CTfile><Header>'
        "<DocumentName>Common Transfer File</DocumentName>"
        f"<CTFversion>{version}</CTFversion><DateTime>2026-11-02T09:30:00</DateTime>"
        "<DocumentQualifier>full</DocumentQualifier><SupplierID>BENCH</SupplierID>"
        "<SourceSchool><LEA>873</LEA><Estab>2001</Estab><SchoolName>Northfield Primary"
        "</SchoolName><AcademicYear>2026</AcademicYear></SourceSchool>"
        f"<DestSchool><LEA>{dest_laestab[:3]}</LEA><Estab>{dest_laestab[3:]}</Estab>"
        "</DestSchool></Header>\n<CTFpupilData>\n" + "\n".join(pupils) + "\n</CTFpupilData>"
        "</CTfile>\n"
    ).encode()


def roll_pupils(*, laestab: str, pupils: int, seed: int = 0, years=range(7, 12)) -> list[dict]:
    """N pupils of a school as dicts (for the bench to compare against what it applied)."""
    rng = random.Random(seed)
    people = []
    for n in range(pupils):
        year = years[n % len(years)]
        # The UPN body: the issuing LA and school, the year of issue, a serial (unique by n).
        body = f"{laestab}{(14 + n // 1000) % 100:02d}{n % 1000:03d}"
        born = datetime.date(2026 - 5 - year, 9, 1) + datetime.timedelta(days=rng.randrange(365))
        people.append(
            {
                "upn": stdnum_upn.calc_check_digit(body) + body,
                "surname": rng.choice(SURNAMES),
                "forename": rng.choice(FORENAMES),
                "dob": born.isoformat(),
                "year": year,
            }
        )
    return people


def write_ctf(
    path,
    *,
    laestab: str = "",
    school=None,
    pupils: int = 2000,
    seed: int = 0,
    years=None,
    version: str | None = None,
):
    """Write an N-pupil CTF to `path` for a school (its LAESTAB and the years its statutory
    ages give) or for a bare LAESTAB (years 7 to 11); returns the path."""
    if school is not None:
        from schools.intake.rows import year_groups_of as year_range

        laestab, years = school.laestab, years or year_range(school)
    years = years or range(7, 12)
    people = roll_pupils(laestab=laestab, pupils=pupils, seed=seed, years=years)
    xml = ctf_document(
        dest_laestab=laestab, pupils=[pupil_xml(**p) for p in people], version=version
    )
    Path(path).write_bytes(xml)
    return path


def main():
    import os
    import tempfile
    import time

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ssp.settings")
    os.environ.setdefault("DJANGO_DEBUG", "true")
    django.setup()
    from schools.intake.ctf import parse_ctf
    from schools.models import School

    pupils = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    school = School(
        name="Bench Academy", laestab="8734001", statutory_low_age=11, statutory_high_age=16
    )
    with tempfile.NamedTemporaryFile(suffix=".xml") as file:
        write_ctf(file.name, school=school, pupils=pupils)
        size = Path(file.name).stat().st_size
        times = []
        for _ in range(5):
            with open(file.name, "rb") as stream:
                started = time.perf_counter()
                parsed = parse_ctf(stream, school=school)
                times.append(time.perf_counter() - started)
    print(
        f"CTF of {pupils} pupils, {size / 1e6:.1f} MB: parsed in "
        f"{min(times) * 1000:.0f} ms best, {sorted(times)[2] * 1000:.0f} ms median of 5; "
        f"{len(parsed.rows)} rows, {len(parsed.refused)} refused"
    )


if __name__ == "__main__":
    main()

"""A school's roll from the CSV its MIS exports (SIMS, Arbor, Bromcom...). Reads, never writes.

The file must be UTF-8 (a byte-order mark is fine, as Excel's "CSV UTF-8" writes one) with
commas between columns. Which column holds what is the school's to say (`mapping`: field →
column heading), remembered for its next import; `guess_mapping` pre-fills it from the header.
A whole file is refused (`IntakeRefused`) when it cannot be read reliably at all: the wrong
encoding, another delimiter, a quote left open, a mapped column missing. Otherwise each row is
taken or refused on its own, with its line, its column and why.
"""

import csv
import datetime
import io
import re
import unicodedata

from django.core.exceptions import ValidationError

from schools.models import School, today, validate_upn

from .rows import (
    IntakeRefused,
    ParsedRoll,
    Refusal,
    RollRow,
    refuse_repeated_upns,
    year_groups_of,
    year_label,
)

# Enough for any school's roll (2,000 pupils in about 150 kB) with room for wide exports.
MAX_BYTES = 5 * 1024 * 1024

# What can be mapped, in the order the mapping page asks for it.
FIELDS = {
    "upn": "UPN",
    "legal_surname": "Legal surname",
    "legal_forename": "Legal forename",
    "preferred_surname": "Preferred surname",
    "preferred_forename": "Preferred forename",
    "date_of_birth": "Date of birth",
    "year_group": "Year group",
    "former_upn": "Former UPN",
}
REQUIRED = ("legal_surname", "legal_forename", "date_of_birth", "year_group")

# Headings MIS exports use for each field, compared without case, spaces or punctuation.
_SYNONYMS = {
    "upn": ("upn", "uniquepupilnumber", "pupilupn"),
    "legal_surname": ("legalsurname", "surname", "lastname", "legallastname", "familyname"),
    "legal_forename": (
        "legalforename",
        "forename",
        "firstname",
        "legalfirstname",
        "givenname",
    ),
    "preferred_surname": ("preferredsurname", "preferredlastname", "knownassurname"),
    "preferred_forename": (
        "preferredforename",
        "preferredfirstname",
        "preferredname",
        "knownas",
    ),
    "date_of_birth": ("dateofbirth", "dob", "birthdate", "dateofbirthddmmyyyy"),
    "year_group": ("year", "yeargroup", "ncyear", "ncyearactual", "nationalcurriculumyear", "yr"),
    "former_upn": ("formerupn", "previousupn", "oldupn"),
}

_YEAR = re.compile(r"^(?:nc\s*)?(?:year|yr|y)?\s*(r|reception|\d{1,2})$")
_DATE_FORMATS = ("%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%Y-%m-%d")
_DATE_SHAPES = (
    re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$"),
    re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$"),
)


def size_label(nbytes: int) -> str:
    if nbytes >= 1024 * 1024:
        return f"{nbytes // (1024 * 1024)} MB"
    return f"{nbytes // 1024} kB"


def parse_year_group(text: str) -> int | None:
    """A year group as the MIS writes it: "7", "Year 7", "Y7", "Yr 7", "R", "Reception"."""
    match = _YEAR.match(text.strip().lower())
    if match is None:
        return None
    value = match.group(1)
    return 0 if value in ("r", "reception") else int(value)


def parse_date(text: str) -> datetime.date:
    """A date as UK exports write it (31/01/2012, 31-01-2012) or ISO (2012-01-31)."""
    text = text.strip()
    if not any(shape.match(text) for shape in _DATE_SHAPES):
        raise ValueError(f"“{text}” is not a date: write it as day/month/year, like 31/01/2012")
    for fmt in _DATE_FORMATS:
        try:
            return datetime.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValueError(f"“{text}” is not a real date")


def _heading_key(heading: str) -> str:
    return re.sub(r"[^a-z0-9]", "", heading.casefold())


def guess_mapping(header: list[str]) -> dict[str, str]:
    """Which heading probably holds each field; fields with no likely heading are left out."""
    by_key = {}
    for heading in header:
        by_key.setdefault(_heading_key(heading), heading)
    guessed = {}
    for field, names in _SYNONYMS.items():
        for name in names:
            if name in by_key and by_key[name] not in guessed.values():
                guessed[field] = by_key[name]
                break
    return guessed


def _decode(data: bytes) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise IntakeRefused(
            "The file is in UTF-16 (Excel's “Unicode text”), not UTF-8. Export it again as "
            "“CSV UTF-8 (comma delimited)”."
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise IntakeRefused(
            f"Line {line}: the file is not in UTF-8 (byte {data[error.start]:#04x} cannot be "
            "read). Export it again from your MIS as “CSV UTF-8”, so that names such as "
            "Zoë or Łukasz arrive as written."
        ) from None


def _check_delimiter(first_line: str) -> None:
    if "," in first_line:
        return
    for delimiter, name in ((";", "semicolons"), ("\t", "tabs"), ("|", "vertical bars")):
        if delimiter in first_line:
            raise IntakeRefused(
                f"Line 1: the columns are separated by {name}, not commas. Export the roll "
                "again as a comma-separated CSV file."
            )
    raise IntakeRefused(
        "Line 1: the file has a single column. A roll needs at least the legal surname, "
        "legal forename, date of birth and year group, separated by commas."
    )


def _records(text: str):
    """(line, cells) for each record; refuses the file when a quote is left open."""
    lines = io.StringIO(text, newline="")
    reader = csv.reader(lines, strict=True)
    start = 1
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            raise IntakeRefused(
                f"Line {start}: a quotation mark is not closed or is in the wrong place "
                f"({error}). Check the quotes on that line."
            ) from None
        if reader.line_num > start and any("\n" in c or "\r" in c for c in cells):
            raise IntakeRefused(
                f"Line {start}: a quotation mark opens a value that runs on to line "
                f"{reader.line_num}. Check the quotes on line {start}."
            )
        yield start, cells
        start = reader.line_num + 1


def read_header(data: bytes) -> list[str]:
    """The column headings of a roll file, or IntakeRefused saying why it cannot be read."""
    if len(data) > MAX_BYTES:
        raise IntakeRefused(f"The file is larger than {size_label(MAX_BYTES)}.")
    text = _decode(data)
    if not text.strip():
        raise IntakeRefused("The file is empty.")
    _check_delimiter(text.splitlines()[0])
    _line, header = next(_records(text))
    header = [h.strip() for h in header]
    if len(set(header)) != len(header):
        twice = sorted({h for h in header if header.count(h) > 1})
        raise IntakeRefused(f"Line 1: the heading “{twice[0]}” is used for two columns.")
    return header


def check_file(data: bytes) -> list[str]:
    """The headings of a file that can be read right through, or IntakeRefused saying why."""
    header = read_header(data)
    for _record in _records(_decode(data)):
        pass
    return header


def _check_mapping(header: list[str], mapping: dict[str, str]) -> dict[str, int]:
    missing = [FIELDS[f] for f in REQUIRED if not mapping.get(f)]
    if missing:
        raise IntakeRefused("Choose the column for: " + ", ".join(missing) + ".")
    columns = {}
    for field, heading in mapping.items():
        if not heading:
            continue
        if field not in FIELDS:
            raise IntakeRefused(f"“{field}” is not something a roll holds.")
        if heading not in header:
            raise IntakeRefused(
                f"Line 1: the file has no column “{heading}” (for {FIELDS[field].lower()}). "
                f"Its columns are: {', '.join(header)}."
            )
        columns[field] = header.index(heading)
    return columns


def _row(line, cells, columns, mapping, years, on) -> tuple[RollRow | None, list[Refusal]]:
    def cell(field):
        index = columns.get(field)
        return cells[index].strip() if index is not None and index < len(cells) else ""

    refused = []

    def refuse(field, why):
        refused.append(Refusal(line=line, field=mapping[field], why=why))

    values = {}
    for field in ("legal_surname", "legal_forename", "preferred_surname", "preferred_forename"):
        value = cell(field)
        if len(value) > 100:
            refuse(field, "The name is longer than 100 characters.")
        values[field] = value
    for field in ("legal_surname", "legal_forename"):
        if not values[field]:
            refuse(field, f"The {FIELDS[field].lower()} is empty.")
    for field in ("upn", "former_upn"):
        value = cell(field).upper().replace(" ", "")
        if value:
            try:
                validate_upn(value)
            except ValidationError as error:
                refuse(field, f"“{value}”: {error.messages[0]}")
        values[field] = value
    born = cell("date_of_birth")
    try:
        values["date_of_birth"] = parse_date(born) if born else None
    except ValueError as error:
        refuse("date_of_birth", str(error) + ".")
    else:
        if born == "":
            refuse("date_of_birth", "The date of birth is empty.")
        elif values["date_of_birth"] >= on:
            refuse("date_of_birth", f"{born} is not in the past.")
    year_text = cell("year_group")
    year = parse_year_group(year_text)
    if year is None:
        refuse("year_group", f"“{year_text}” is not a year group: write 7, Year 7, Y7 or R.")
    elif year not in years:
        refuse(
            "year_group",
            f"{year_label(year)} is not taught at this school "
            f"({year_label(years[0])} to {year_label(years[-1])}).",
        )
    values["year_group"] = year
    if refused:
        return None, refused
    return RollRow(line=line, **values), []


def parse_roll_csv(data: bytes, *, school: School, mapping: dict[str, str]) -> ParsedRoll:
    """Rows and refusals of a roll CSV, read with the school's column mapping."""
    header = read_header(data)
    columns = _check_mapping(header, mapping)
    years = year_groups_of(school)
    on = today()
    parsed = ParsedRoll()
    records = _records(_decode(data))
    next(records)  # the header
    for line, cells in records:
        if not any(c.strip() for c in cells):
            continue  # a blank line, as spreadsheets leave at the end
        if len(cells) != len(header):
            parsed.refused.append(
                Refusal(
                    line=line,
                    field="",
                    why=f"The line has {len(cells)} values for {len(header)} columns.",
                )
            )
            continue
        row, refused = _row(line, cells, columns, mapping, years, on)
        parsed.refused.extend(refused)
        if row is not None:
            parsed.rows.append(row)
    refuse_repeated_upns(parsed, field=mapping.get("upn", "UPN"))
    return parsed


def fold(name: str) -> str:
    """A name compared without case, accents, spaces or punctuation: "Zoë O'Neil" ~ "zoeoneil"."""
    decomposed = unicodedata.normalize("NFKD", name.casefold())
    return "".join(c for c in decomposed if c.isalnum())

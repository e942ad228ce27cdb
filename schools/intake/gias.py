"""Reading the DfE's register of schools (GIAS): the "all establishment data" extract.

The file (`edubasealldataYYYYMMDD.csv`) has about 50,000 rows and 140 columns, about 60 MB,
and is encoded in Windows-1252. It is read one line at a time and only the rows of the
chosen local authorities and phases are kept, so memory stays flat however big the file.
This module never touches the database: it turns bytes into GiasSchool rows or refuses the
whole file with where and why (IntakeRefused).
"""

import codecs
import csv
import datetime
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass
from decimal import Decimal, InvalidOperation
from pathlib import PurePath

from .rows import IntakeRefused

# The columns read, by their names in the GIAS extract. Others are ignored.
URN = "URN"
LA_CODE = "LA (code)"
LA_NAME = "LA (name)"
ESTABLISHMENT_NUMBER = "EstablishmentNumber"
NAME = "EstablishmentName"
TYPE = "TypeOfEstablishment (name)"
STATUS = "EstablishmentStatus (name)"
OPEN_DATE = "OpenDate"
CLOSE_DATE = "CloseDate"
PHASE = "PhaseOfEducation (name)"
LOW_AGE = "StatutoryLowAge"
HIGH_AGE = "StatutoryHighAge"
PUPILS = "NumberOfPupils"
FSM = "PercentageFSM"
ADDRESS = ("Street", "Locality", "Address3", "Town", "County (name)")
POSTCODE = "Postcode"

REQUIRED_COLUMNS = (
    URN,
    LA_CODE,
    LA_NAME,
    ESTABLISHMENT_NUMBER,
    NAME,
    TYPE,
    STATUS,
    OPEN_DATE,
    CLOSE_DATE,
    PHASE,
    LOW_AGE,
    HIGH_AGE,
    PUPILS,
    FSM,
    *ADDRESS,
    POSTCODE,
)

# GIAS "EstablishmentStatus (name)" to School.Status.
STATUSES = {
    "open": "open",
    "open, but proposed to close": "open_closing",
    "proposed to open": "proposed_to_open",
    "closed": "closed",
}
# GIAS "PhaseOfEducation (name)" to School.Phase.
PHASES = {
    "secondary": "secondary",
    "all-through": "all_through",
    "all through": "all_through",
    "middle deemed secondary": "middle_deemed_secondary",
    "middle deemed primary": "middle_deemed_primary",
    "primary": "primary",
    "nursery": "nursery",
    "16 plus": "16_plus",
    "not applicable": "not_applicable",
}

FILE_NAME = re.compile(r"edubasealldata(\d{8})", re.IGNORECASE)
SIX_DIGITS = re.compile(r"\d{6}")
PROGRESS_EVERY = 2_000  # rows between progress reports


@dataclass(frozen=True)
class GiasSchool:
    """One school as GIAS gives it, in the portal's terms; already checked."""

    urn: str
    laestab: str
    name: str
    la_code: str
    local_authority: str
    school_type: str
    phase: str
    status: str
    opened_on: datetime.date | None
    closed_on: datetime.date | None
    statutory_low_age: int | None
    statutory_high_age: int | None
    number_of_pupils: int | None
    percentage_fsm: Decimal | None
    address: str
    postcode: str

    def as_json(self) -> dict:
        data = asdict(self)
        for key in ("opened_on", "closed_on"):
            data[key] = data[key].isoformat() if data[key] else None
        if data["percentage_fsm"] is not None:
            data["percentage_fsm"] = str(data["percentage_fsm"])
        return data

    @classmethod
    def from_json(cls, data: dict) -> "GiasSchool":
        data = dict(data)
        for key in ("opened_on", "closed_on"):
            data[key] = datetime.date.fromisoformat(data[key]) if data[key] else None
        if data["percentage_fsm"] is not None:
            data["percentage_fsm"] = Decimal(data["percentage_fsm"])
        return cls(**data)


@dataclass
class GiasRead:
    schools: list[GiasSchool]
    local_authorities: dict[str, str]  # every LA code in the file, with its name
    rows_read: int


def extract_date_from_name(name: str) -> datetime.date | None:
    """The date in `edubasealldataYYYYMMDD.csv`, or None if the name does not carry one."""
    match = FILE_NAME.search(PurePath(name.replace("\\", "/")).name)
    if not match:
        return None
    try:
        return datetime.datetime.strptime(match.group(1), "%Y%m%d").date()
    except ValueError:
        return None


def parse_la_codes(text: str) -> list[str]:
    """ "926, 940" as ["926", "940"]; raises ValueError naming the first code that is not
    three digits."""
    codes = [c for c in re.split(r"[\s,;]+", text.strip()) if c]
    for code in codes:
        if not re.fullmatch(r"\d{3}", code):
            raise ValueError(
                f"“{code[:20]}” is not a local authority code: use 3 digits, like 926."
            )
    return sorted(set(codes))


class _Lines:
    """Decodes the file line by line as Windows-1252, counting bytes and refusing text that
    is really UTF-8 (a file opened and saved again by another program)."""

    def __init__(self, stream, max_bytes: int):
        self.stream = stream
        self.max_bytes = max_bytes
        self.bytes_read = 0
        self.line = 0
        self.first = ""
        self.decoder = codecs.getincrementaldecoder("cp1252")()

    def __iter__(self) -> Iterator[str]:
        for raw in self.stream:  # binary lines: a bounded buffer, never the whole file
            self.bytes_read += len(raw)
            self.line += 1
            if self.bytes_read > self.max_bytes:
                raise IntakeRefused(
                    f"The file is larger than {self.max_bytes // (1024 * 1024)} MB. The GIAS "
                    "extract of every establishment is about 60 MB: check it is the right file."
                )
            if self.line == 1 and raw.startswith(codecs.BOM_UTF8):
                raise IntakeRefused(
                    "Line 1 starts with a UTF-8 byte order mark: the file has been saved again "
                    "as UTF-8. GIAS publishes it in Windows-1252; upload the file as downloaded."
                )
            try:
                text = self.decoder.decode(raw)
            except UnicodeDecodeError as error:
                raise IntakeRefused(
                    f"Line {self.line} has a byte ({raw[error.start]:#04x}) that is not "
                    "Windows-1252 text. GIAS publishes the extract in Windows-1252; upload the "
                    "file as downloaded, not opened and saved in another program."
                ) from None
            if not text.isascii() and _looks_like_utf8(raw):
                raise IntakeRefused(
                    f"Line {self.line} is encoded as UTF-8, not Windows-1252 (it would read "
                    f"“{_first_odd(text)}”). The file has been saved again in another program; "
                    "upload the file as downloaded from GIAS."
                )
            if self.line == 1:
                self.first = text
            yield text


def _looks_like_utf8(raw: bytes) -> bool:
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _first_odd(text: str) -> str:
    position = next(i for i, c in enumerate(text) if not c.isascii())
    return text[max(0, position - 10) : position + 10].strip()


def _header(reader, lines: _Lines) -> dict[str, int]:
    try:
        header = next(reader)
    except StopIteration:
        raise IntakeRefused("The file is empty.") from None
    except csv.Error as error:
        _refuse_other_separator(lines.first)
        raise IntakeRefused(f"Line 1 is not readable as CSV: {error}.") from None
    if len(header) == 1:
        _refuse_other_separator(lines.first)
    columns = {name.strip(): i for i, name in enumerate(header)}
    missing = [c for c in REQUIRED_COLUMNS if c not in columns]
    if missing:
        shown = ", ".join(f"“{c}”" for c in missing[:8])
        more = f" and {len(missing) - 8} more" if len(missing) > 8 else ""
        raise IntakeRefused(
            f"Line 1 (the header) lacks the column{'s' if len(missing) > 1 else ''} "
            f"{shown}{more}. Upload the GIAS “all establishment data” extract "
            "(edubasealldataYYYYMMDD.csv)."
        )
    return columns


def _refuse_other_separator(first_line: str) -> None:
    if "," in first_line.replace('"', "").split("URN", 1)[-1][:3]:
        return
    for sep, word in ((";", "semicolons"), ("\t", "tabs"), ("|", "vertical bars")):
        if sep in first_line:
            raise IntakeRefused(
                f"Line 1 is separated by {word}, not commas. The GIAS extract is a "
                "comma-separated file: upload it as downloaded."
            )


def _date(value: str, line: int, column: str) -> datetime.date | None:
    if not value:
        return None
    try:
        return datetime.datetime.strptime(value, "%d-%m-%Y").date()
    except ValueError:
        raise IntakeRefused(
            f"Line {line}, column “{column}”: “{value[:20]}” is not a date like 01-09-2011."
        ) from None


def _whole(value: str, line: int, column: str, maximum: int = 10_000_000) -> int | None:
    if not value:
        return None
    if not value.isdigit() or len(value) > 9 or int(value) > maximum:
        raise IntakeRefused(
            f"Line {line}, column “{column}”: “{value[:20]}” is not a whole number from 0 to "
            f"{maximum:,}."
        )
    return int(value)


def _percentage(value: str, line: int, column: str) -> Decimal | None:
    if not value:
        return None
    try:
        number = Decimal(value)
    except InvalidOperation:
        number = None
    if number is None or not number.is_finite() or not 0 <= number <= 100:
        raise IntakeRefused(
            f"Line {line}, column “{column}”: “{value[:20]}” is not a percentage from 0 to 100."
        )
    return number.quantize(Decimal("0.1"))


def _school(row: list[str], col: dict[str, int], line: int, phase: str) -> GiasSchool:
    def get(name):
        return row[col[name]].strip()

    status_name = get(STATUS)
    status = STATUSES.get(status_name.lower())
    if status is None:
        raise IntakeRefused(
            f"Line {line}, column “{STATUS}”: “{status_name[:40]}” is not a GIAS status."
        )
    la_code, number = get(LA_CODE), get(ESTABLISHMENT_NUMBER)
    laestab = (
        la_code + number
        if re.fullmatch(r"\d{3}", la_code) and re.fullmatch(r"\d{4}", number)
        else ""
    )
    address = ", ".join(part for part in (get(name) for name in ADDRESS) if part)
    return GiasSchool(
        urn=get(URN),
        laestab=laestab,
        name=get(NAME)[:200],
        la_code=la_code,
        local_authority=get(LA_NAME)[:120],
        school_type=get(TYPE)[:120],
        phase=phase,
        status=status,
        opened_on=_date(get(OPEN_DATE), line, OPEN_DATE),
        closed_on=_date(get(CLOSE_DATE), line, CLOSE_DATE),
        statutory_low_age=_whole(get(LOW_AGE), line, LOW_AGE, 99),
        statutory_high_age=_whole(get(HIGH_AGE), line, HIGH_AGE, 99),
        number_of_pupils=_whole(get(PUPILS), line, PUPILS),
        percentage_fsm=_percentage(get(FSM), line, FSM),
        address=address[:300],
        postcode=get(POSTCODE)[:10],
    )


def read_gias(
    stream: Iterable[bytes],
    *,
    la_codes: Iterable[str],
    phases: Iterable[str],
    max_bytes: int,
    on_progress: Callable[[int, int], None] | None = None,
) -> GiasRead:
    """Read a GIAS extract from a binary stream, keeping the schools of these local
    authorities and phases (School.Phase values). Every row is checked for its URN and
    shape; only the kept rows are parsed further. on_progress(rows, bytes) is called as
    the read goes."""
    wanted_las, wanted_phases = set(la_codes), set(phases)
    lines = _Lines(stream, max_bytes)
    reader = csv.reader(iter(lines), strict=True)
    columns = _header(reader, lines)
    width = len(columns)
    urn_at, la_at, la_name_at, phase_at = (columns[c] for c in (URN, LA_CODE, LA_NAME, PHASE))
    schools: list[GiasSchool] = []
    authorities: dict[str, str] = {}
    seen_urns: set[str] = set()
    rows = 0
    while True:
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as error:
            raise IntakeRefused(
                f"Line {reader.line_num} is not well-formed CSV ({error}): a quote may be "
                "missing. Upload the file as downloaded from GIAS."
            ) from None
        rows += 1
        line = reader.line_num
        if len(row) != width:
            if not any(field.strip() for field in row):
                continue  # a blank line, at the end of the file say
            raise IntakeRefused(
                f"Line {line} has {len(row)} fields where the header has {width}: a quote or "
                "comma may be missing or the file cut short. Upload the file as downloaded."
            )
        urn = row[urn_at].strip()
        if not SIX_DIGITS.fullmatch(urn):
            raise IntakeRefused(
                f"Line {line}, column “URN”: “{urn[:20]}” is not a URN. A URN is 6 digits, "
                "for example 100000."
            )
        if urn in seen_urns:
            raise IntakeRefused(f"Line {line}: URN {urn} appears twice in the file.")
        seen_urns.add(urn)
        la_code = row[la_at].strip()
        if la_code and la_code not in authorities:
            authorities[la_code] = row[la_name_at].strip()[:120]
        if la_code in wanted_las:
            phase = PHASES.get(row[phase_at].strip().lower())
            if phase in wanted_phases:
                schools.append(_school(row, columns, line, phase))
        if on_progress is not None and rows % PROGRESS_EVERY == 0:
            on_progress(rows, lines.bytes_read)
    if rows == 0:
        raise IntakeRefused("The file has a header but no schools.")
    if on_progress is not None:
        on_progress(rows, lines.bytes_read)
    return GiasRead(schools=schools, local_authorities=authorities, rows_read=rows)

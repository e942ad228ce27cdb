"""What a roll parser hands the preview: the same rows whether they came from a CSV or a CTF."""

import datetime
from dataclasses import dataclass, field


class IntakeRefused(Exception):
    """The whole file is refused (wrong school, wrong encoding, a DTD, missing columns...).

    The message says what is wrong and where, in words a school's data manager understands.
    """


@dataclass(frozen=True)
class RollRow:
    """One pupil as the file gives them; already checked field by field."""

    line: int  # the line of a CSV, or the pupil's position in a CTF (from 1)
    legal_surname: str
    legal_forename: str
    date_of_birth: datetime.date
    year_group: int  # National Curriculum year; 0 is Reception
    upn: str = ""
    former_upn: str = ""
    preferred_surname: str = ""
    preferred_forename: str = ""


@dataclass(frozen=True)
class Refusal:
    """A row that cannot be taken, with where and why."""

    line: int
    field: str
    why: str


@dataclass
class ParsedRoll:
    rows: list[RollRow] = field(default_factory=list)
    refused: list[Refusal] = field(default_factory=list)

"""What every intake shares: the refusal, a roll parser's rows (the same whether they came
from a CSV or a CTF), and closing an intake (lock it, forget its file, abandon it), written
once for the GIAS, roll and staff intakes."""

import datetime
import logging
from dataclasses import dataclass, field

from django.core.files.storage import default_storage
from django.db import transaction

from schools.models import Intake

logger = logging.getLogger(__name__)


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


def year_groups_of(school) -> range:
    """The National Curriculum years a school teaches, from its statutory ages (GIAS).

    A child of 11 at the start of the school year is in Year 7: year = age − 4 for the
    youngest, and the oldest age (on 31 August) is reached in year age − 5. Unknown: 7–13.
    """
    low, high = school.statutory_low_age, school.statutory_high_age
    if low is None or high is None or high < low:
        return range(7, 14)
    first, last = max(low - 4, 0), min(high - 5, 14)
    return range(first, last + 1) if first <= last else range(7, 14)


def year_label(year: int) -> str:
    return "Reception" if year == 0 else f"Year {year}"


def refuse_repeated_upns(
    parsed: ParsedRoll,
    *,
    field: str = "UPN",
    also: str = "also on line",
    lines_of: dict[str, list[int]] | None = None,
) -> None:
    """One UPN on two rows: neither is taken, since either could be the right one.

    `lines_of` may name rows already refused for something else (a CTF's pupils), so their
    partners are refused too; by default it is worked out from the rows kept.
    """
    if lines_of is None:
        lines_of = {}
        for row in parsed.rows:
            if row.upn:
                lines_of.setdefault(row.upn, []).append(row.line)
    repeated = {upn: lines for upn, lines in lines_of.items() if len(lines) > 1}
    if not repeated:
        return
    kept = []
    for row in parsed.rows:
        lines = repeated.get(row.upn)
        if lines is None:
            kept.append(row)
            continue
        others = ", ".join(str(n) for n in lines if n != row.line)
        parsed.refused.append(
            Refusal(line=row.line, field=field, why=f"The same UPN is {also} {others}.")
        )
    parsed.rows = kept
    parsed.refused.sort(key=lambda r: r.line)


def intake_lock(intake: Intake, *kinds: str) -> Intake:
    """Re-read the intake under a row lock, inside the caller's transaction. An intake of
    another kind is not this service's to touch: it does not exist here (Intake.DoesNotExist)."""
    return (
        Intake.objects.select_for_update(of=("self",))
        .select_related("school")
        .get(pk=intake.pk, kind__in=kinds)
    )


def intake_forget_file(intake: Intake) -> None:
    """Forget the upload; the file goes once the change that says so is committed. A disk
    that blinks then does not undo the change: the record says removed and the log says
    which file to tidy up."""
    name, code = intake.file_name, intake.code
    intake.file_name = ""
    if not name:
        return

    def delete():
        try:
            default_storage.delete(name)
        except OSError:
            logger.warning("Could not remove the upload of intake %s", code)

    transaction.on_commit(delete)


def intake_abandon(intake: Intake, *, by, summary: dict | None = None) -> Intake:
    """Close a locked intake as abandoned: its file, preview and decisions go (they may
    name children or staff), the record of the attempt stays, with `summary` if given."""
    intake_forget_file(intake)
    intake.status = Intake.Status.ABANDONED
    intake.preview = {}
    intake.decisions = {}
    fields = ["status", "file_name", "preview", "decisions"]
    if summary is not None:
        intake.summary = summary
        fields.append("summary")
    intake._history_user = by
    intake.save(update_fields=fields)
    return intake

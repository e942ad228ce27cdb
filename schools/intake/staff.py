"""Staff in bulk: the head invites their school's staff from a CSV (name, e-mail, role).

Three steps, as for every import: the upload is parsed and compared with who is already
there (a preview that writes only the Intake row), then applied all or nothing through the
ordinary invitation service, or abandoned. The file itself is never stored: the preview holds
the lines to invite until the head decides, and is emptied then; the summary (counts only)
stays.
"""

import csv
import io
from dataclasses import asdict, dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone

from schools.access import can_import_staff
from schools.intake.rows import IntakeRefused, Refusal, intake_abandon, intake_lock
from schools.models import Intake, Invitation, School
from ssp.models import User
from ssp.roles import Role

MAX_BYTES = 256 * 1024
MAX_LINES = 2000
NAME_MAX = 150  # Invitation.first_name, last_name
JOB_TITLE_MAX = 120

# What the role column may say. A head invites staff, some of them on the senior leadership
# team, as the single invitation form does; the SPOC and deputy are named on the school's page.
ROLE_WORDS = {
    "staff": False,
    "member of staff": False,
    "teacher": False,
    "slt": True,
    "staff (slt)": True,
    "senior leadership": True,
    "senior leadership team": True,
    "staff, slt": True,
}

COLUMNS = {
    "name": "name",
    "full name": "name",
    "first name": "first_name",
    "forename": "first_name",
    "last name": "last_name",
    "surname": "last_name",
    "email": "email",
    "email address": "email",
    "role": "role",
    "job title": "job_title",
}


@dataclass(frozen=True)
class StaffRow:
    line: int
    first_name: str
    last_name: str
    email: str
    is_slt: bool
    job_title: str = ""

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}"


def _column_name(heading: str) -> str:
    words = heading.strip().lower().replace("-", " ").replace("_", " ")
    words = " ".join(words.replace("e mail", "email").split())
    return COLUMNS.get(words, "")


def _decode(data: bytes) -> str:
    if len(data) > MAX_BYTES:
        raise IntakeRefused(
            f"The file is {len(data) // 1024} KB; a staff list may be at most "
            f"{MAX_BYTES // 1024} KB. Split it into smaller files."
        )
    try:
        text = data.decode("utf-8-sig")  # Excel's "CSV UTF-8" starts with a byte order mark
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise IntakeRefused(
            f"The file is not UTF-8 text: line {line} has a character the portal cannot read "
            f"(byte {error.start + 1}). In Excel, save it as \u201cCSV UTF-8 (comma "
            f"delimited)\u201d."
        ) from None
    if "\x00" in text:
        raise IntakeRefused("The file holds NUL characters: it is not a CSV file.")
    return text


def parse_staff_csv(data: bytes) -> tuple[list[StaffRow], list[Refusal]]:
    """The lines of a staff CSV as rows to check, and the lines refused (line, field, why).

    Raises IntakeRefused when the file as a whole cannot be read.
    """
    text = _decode(data)
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    rows: list[StaffRow] = []
    refused: list[Refusal] = []
    try:
        header = next(reader, None)
        if header is None or not any(h.strip() for h in header):
            raise IntakeRefused("The file is empty: its first line must name the columns.")
        columns = [_column_name(h) for h in header]
        _check_header(header, columns)
        for fields in reader:
            line = reader.line_num
            if line > MAX_LINES + 1:
                raise IntakeRefused(f"The file has more than {MAX_LINES} staff; split it.")
            if not any(f.strip() for f in fields):
                continue
            if len(fields) != len(columns):
                refused.append(
                    Refusal(
                        line,
                        "columns",
                        f"This line has {len(fields)} columns where the first line has "
                        f"{len(columns)}. A comma in a name needs the name in double quotes.",
                    )
                )
                continue
            result = _row(line, dict(zip(columns, (f.strip() for f in fields), strict=True)))
            (refused if isinstance(result, Refusal) else rows).append(result)
    except csv.Error as error:
        raise IntakeRefused(
            f"Line {reader.line_num} cannot be read as CSV ({error}). A double quote may be "
            f"missing its partner."
        ) from None
    return _refuse_duplicates(rows, refused)


def _check_header(header, columns):
    if len(header) == 1 and (";" in header[0] or "\t" in header[0]):
        sign = "semicolons" if ";" in header[0] else "tabs"
        raise IntakeRefused(
            f"The columns are separated by {sign}; the portal reads commas. Save the file as "
            f"CSV (comma delimited)."
        )
    has_names = "name" in columns or {"first_name", "last_name"} <= set(columns)
    missing = [c for c in ("email", "role") if c not in columns]
    if not has_names:
        missing.insert(0, "name (or first name and last name)")
    if missing:
        found = ", ".join(h.strip()[:40] for h in header if h.strip()) or "nothing"
        raise IntakeRefused(
            f"The first line must name the columns. Missing: {', '.join(missing)}. Found: {found}."
        )


def _row(line: int, values: dict) -> StaffRow | Refusal:
    if values.get("first_name") or values.get("last_name"):
        first, last = values.get("first_name", ""), values.get("last_name", "")
    else:
        # One name column: the last word is the surname, the rest the first name(s). The
        # preview shows the split, so the head sees it before anyone is invited.
        first, _, last = values.get("name", "").rpartition(" ")
        first, last = first.strip(), last.strip()
    if not first or not last:
        return Refusal(line, "name", "Give the first name and the last name.")
    if len(first) > NAME_MAX or len(last) > NAME_MAX:
        return Refusal(line, "name", f"A name may be at most {NAME_MAX} characters.")
    email = values.get("email", "").lower()
    try:
        validate_email(email)
    except ValidationError:
        return Refusal(line, "email", f"\u201c{email[:80]}\u201d is not an e-mail address.")
    role = " ".join(values.get("role", "").lower().split())
    if role not in ROLE_WORDS:
        return Refusal(
            line,
            "role",
            f"\u201c{role[:40]}\u201d is not a role a head can give here: write staff, or SLT "
            f"for a member of the senior leadership team. The SPOC and deputy are named on "
            f"the school's page.",
        )
    job_title = values.get("job_title", "")
    if len(job_title) > JOB_TITLE_MAX:
        return Refusal(
            line, "job title", f"A job title may be at most {JOB_TITLE_MAX} characters."
        )
    return StaffRow(line, first, last, email, ROLE_WORDS[role], job_title)


def _refuse_duplicates(rows, refused):
    lines_by_email: dict[str, list[int]] = {}
    for row in rows:
        lines_by_email.setdefault(row.email, []).append(row.line)
    kept = []
    for row in rows:
        lines = lines_by_email[row.email]
        if len(lines) == 1:
            kept.append(row)
            continue
        others = ", ".join(str(n) for n in lines if n != row.line)
        refused.append(
            Refusal(row.line, "email", f"The same e-mail address is also on line {others}.")
        )
    refused.sort(key=lambda r: r.line)
    return kept, refused


# ---------------------------------------------------------------------------------------
# Services: preview, apply, abandon.


def _sort(rows: list[StaffRow], school: School):
    """Split checked rows into: to invite, already members, already invited, refused."""
    emails = [row.email for row in rows]
    accounts = {
        user.email.lower(): user
        for user in User.objects.filter(email__in=emails).prefetch_related("memberships")
    }
    open_invitations = set(
        Invitation.objects.filter(
            school=school,
            email__in=emails,
            accepted_at__isnull=True,
            expires_at__gt=timezone.now(),
        ).values_list("email", flat=True)
    )
    invite, members, invited, refused = [], [], [], []
    for row in rows:
        user = accounts.get(row.email)
        if user is not None:
            if any(m.school_id == school.pk and m.is_current for m in user.memberships.all()):
                members.append(row)
            else:
                refused.append(
                    Refusal(
                        row.line,
                        "email",
                        "Someone with this e-mail address already has an account; ask the "
                        "administrator to add them.",
                    )
                )
        elif row.email in open_invitations:
            invited.append(row)
        else:
            invite.append(row)
    return invite, members, invited, refused


def staff_intake_preview(*, school: School, by, data: bytes, file_name: str = "") -> Intake:
    """Read a staff CSV and record what applying it would do. Invites nobody.

    Raises IntakeRefused (and writes nothing) when the file as a whole cannot be taken.
    """
    if not can_import_staff(by, school):
        raise PermissionDenied
    rows, refused = parse_staff_csv(data)
    invite, members, invited, not_invitable = _sort(rows, school)
    refused = sorted(refused + not_invitable, key=lambda r: r.line)
    intake = Intake(
        kind=Intake.Kind.STAFF,
        school=school,
        status=Intake.Status.PREVIEWED,
        original_name=file_name[:200],
        file_size=len(data),
        created_by=by,
        preview={
            "invite": [asdict(r) for r in invite],
            "members": [asdict(r) for r in members],
            "invited": [asdict(r) for r in invited],
            "refused": [asdict(r) for r in refused],
        },
    )
    intake._history_user = by
    intake.save()
    return intake


class IntakeClosed(Exception):
    """The import was applied or abandoned already (a second click, another tab)."""


def _summary(preview: dict, **extra) -> dict:
    counts = {
        key: len(preview.get(key, [])) for key in ("invite", "members", "invited", "refused")
    }
    return counts | extra


def _locked_open_intake(intake: Intake, by) -> Intake:
    intake = intake_lock(intake, Intake.Kind.STAFF)
    if not can_import_staff(by, intake.school):
        raise PermissionDenied
    if intake.status != Intake.Status.PREVIEWED:
        raise IntakeClosed(intake.get_status_display())
    return intake


@transaction.atomic
def staff_intake_apply(*, intake: Intake, by) -> list[tuple[Invitation, str]]:
    """Invite everyone the preview lists, or no one. Returns each invitation with its token,
    for the caller to e-mail once this transaction has committed."""
    from schools.services import invitation_create

    intake = _locked_open_intake(intake, by)
    rows = [StaffRow(**r) for r in intake.preview.get("invite", [])]
    invite, members, invited, refused = _sort(rows, intake.school)
    if len(invite) != len(rows):
        # Someone on the list got an account, a place or an invitation since the preview.
        changed = sorted(r.line for r in (*members, *invited)) + [r.line for r in refused]
        raise ValidationError(
            f"Line {', '.join(str(n) for n in sorted(changed))} changed since the preview "
            f"(an account or an invitation now exists). Nobody was invited: upload the file "
            f"again to see the new preview."
        )
    made = []
    for row in rows:
        invitation = invitation_create(
            by=by,
            role=Role.STAFF,
            school=intake.school,
            email=row.email,
            first_name=row.first_name,
            last_name=row.last_name,
            job_title=row.job_title,
            is_slt=row.is_slt,
        )
        made.append((invitation, invitation.token))
    intake.status = Intake.Status.APPLIED
    intake.applied_by = by
    intake.applied_at = timezone.now()
    intake.summary = _summary(intake.preview, invited_now=len(made))
    intake.preview = {}  # the names and addresses leave with the decision; the counts stay
    intake._history_user = by
    intake.save(update_fields=["status", "applied_by", "applied_at", "summary", "preview"])
    return made


@transaction.atomic
def staff_intake_abandon(*, intake: Intake, by) -> Intake:
    intake = _locked_open_intake(intake, by)
    return intake_abandon(intake, by=by, summary=_summary(intake.preview, invited_now=0))


def staff_intakes_for(school: School):
    return Intake.objects.filter(school=school, kind=Intake.Kind.STAFF)

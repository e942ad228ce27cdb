"""Import a school's roll from the command line: the same preview as the page, --apply to apply.

    python manage.py import_pupils --school 140001 roll.csv
    python manage.py import_pupils --school 140001 roll.csv --apply --by head@school.example

CSV or CTF is told by content. A CSV is read with the school's remembered column mapping, or
the one guessed from its headings. Without --apply nothing is written at all. --apply records
the import in the school's history as done by --by, who must be a lead of the school; rows
waiting for a person's decision are decided on the school's page, never here.
"""

from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from schools.access import can_manage_pupils
from schools.intake import roll, roll_csv
from schools.intake.rows import IntakeRefused
from schools.models import Intake, School
from ssp.models import User


class Command(BaseCommand):
    help = "Preview (or with --apply, apply) a school's roll from a MIS CSV or a CTF."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--school", required=True, help="the school's URN")
        parser.add_argument("--apply", action="store_true", help="apply after the preview")
        parser.add_argument("--by", help="e-mail of the head, SPOC or deputy applying it")

    def handle(self, *args, file: Path, school: str, apply: bool, by: str | None, **options):
        school_obj = School.objects.filter(urn=school).first()
        if school_obj is None:
            raise CommandError(f"No school has the URN {school}.")
        user = self._applier(school_obj, by) if apply else None
        try:
            data = file.read_bytes()
        except OSError as error:
            raise CommandError(f"{file}: {error.strerror}.") from None
        kind = roll.detect_kind(data)
        mapping = self._mapping(school_obj, data) if kind == Intake.Kind.ROLL_CSV else None
        try:
            parsed = roll.parse(kind, data, school=school_obj, mapping=mapping)
        except IntakeRefused as error:
            raise CommandError(f"The file is refused: {error}") from None
        plan = roll.plan_roll(
            school=school_obj,
            parsed=parsed,
            given=roll.fields_given(kind, mapping),
            mapping=mapping,
        )
        self._print(school_obj, kind, roll.preview_json(plan))
        if not apply:
            self.stdout.write("Nothing was changed. Run again with --apply --by EMAIL to apply.")
            return
        if plan.questions:
            raise CommandError(
                f"{len(plan.questions)} row(s) need a person's decision: import this file on "
                "the school's Pupils page instead. Nothing was changed."
            )
        self._apply(school_obj, user, file.name, data, mapping)

    def _applier(self, school, email):
        if not email:
            raise CommandError("Say who applies the roll: --by EMAIL (a lead of the school).")
        user = User.objects.filter(email__iexact=email, is_active=True).first()
        if user is None or not can_manage_pupils(user, school):
            raise CommandError(f"{email} is not the head, SPOC or deputy SPOC of {school}.")
        return user

    def _mapping(self, school, data):
        try:
            header = roll_csv.check_file(data)
        except IntakeRefused as error:
            raise CommandError(f"The file is refused: {error}") from None
        remembered = school.roll_csv_mapping
        if remembered and all(h in header for h in remembered.values()):
            mapping, source = remembered, "the school's remembered column mapping"
        else:
            mapping, source = roll_csv.guess_mapping(header), "columns guessed from the headings"
        self.stdout.write(f"Reading the CSV with {source}:")
        for field, label in roll_csv.FIELDS.items():
            self.stdout.write(f"  {label}: {mapping.get(field) or '(not in the file)'}")
        return mapping

    def _print(self, school, kind, preview):
        counts = preview["counts"]
        self.stdout.write(f"{Intake.Kind(kind).label} for {school} (URN {school.urn})")
        self.stdout.write(
            f"  {counts['new']} new, {counts['changed']} changed "
            f"({counts['returning']} back on the roll), {counts['leaving']} no longer on the "
            f"roll, {counts['unchanged']} unchanged, {counts['refused']} rows refused, "
            f"{counts['open_questions']} waiting for a decision"
        )
        for change in preview["changed"]:
            fields = "; ".join(
                f"{label}: {old or '(blank)'} → {new or '(blank)'}"
                for label, old, new in change["fields"]
            )
            self.stdout.write(f"  changed, line {change['line']}, {change['name']}: {fields}")
        for pupil in preview["leaving"]:
            self.stdout.write(f"  no longer on the roll: {pupil['name']} ({pupil['year_group']})")
        for refusal in preview["refused"]:
            self.stdout.write(
                f"  refused, line {refusal['line']}"
                + (f", {refusal['field']}" if refusal["field"] else "")
                + f": {refusal['why']}"
            )
        for question in preview["questions"]:
            self.stdout.write(
                f"  to decide, line {question['line']}, {question['name']}: {question['why']}"
            )
        if counts["refused"] and not counts["leaving"]:
            self.stdout.write(
                "  Nobody is marked as left while rows are refused: a refused row may be a "
                "pupil still on the roll."
            )

    def _apply(self, school, user, name, data, mapping):
        intake = None
        try:
            intake = roll.roll_upload(school=school, by=user, name=name, data=data)
            intake = roll.roll_preview(intake=intake, by=user, mapping=mapping)
            intake = roll.roll_apply(intake=intake, by=user)
        except (roll.StalePreview, IntakeRefused, ValidationError) as error:
            if intake is not None:
                roll.roll_abandon(intake=intake, by=user)  # the file goes; the attempt stays
            if isinstance(error, roll.StalePreview):
                why = "The school's pupils changed meanwhile. Run the command again."
            else:
                why = " ".join(getattr(error, "messages", [str(error)]))
            raise CommandError(f"{why} Nothing was changed.") from None
        counts = intake.summary
        self.stdout.write(
            self.style.SUCCESS(
                f"Applied by {user.email}: {counts['new']} new, {counts['changed']} changed, "
                f"{counts['leaving']} no longer on the roll."
            )
        )

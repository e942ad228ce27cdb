"""python manage.py import_gias edubasealldata20261201.csv --la 926,940 [--apply]"""

import datetime
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from schools.intake.gias import extract_date_from_name, parse_la_codes
from schools.intake.gias_services import StalePreview, gias_apply_now, gias_preview_now
from schools.intake.rows import IntakeRefused
from schools.models import Force, School
from ssp.models import User


def preview_lines(preview: dict) -> list[str]:
    """The preview as the page shows it, in plain text."""
    plan = preview["plan"]
    lines = [
        f"GIAS extract of {datetime.date.fromisoformat(preview['extract_date']):%-d %B %Y}: "
        f"{preview['rows_read']:,} establishments read, {preview['kept']:,} of the force's.",
        f"New: {len(plan['new'])}. Changed: {len(plan['changed'])}. "
        f"Closed: {len(plan['closed'])}. Unchanged: {plan['unchanged']}."
        + (
            f" Figures confirmed by this extract: {len(plan['refreshed'])}."
            if plan["refreshed"]
            else ""
        ),
    ]
    for entry in plan["new"]:
        lines.append(
            f"  new      {entry['urn']} {entry['name']} ({entry['phase']}, "
            f"{entry['local_authority']})"
        )
    for kind in ("changed", "closed"):
        for entry in plan[kind]:
            flag = " — has a partnership: the sergeant is told" if entry.get("partnership") else ""
            lines.append(f"  {kind:8} {entry['urn']} {entry['name']}{flag}")
            for label, old, new in entry["changes"]:
                lines.append(f"             {label}: {old} → {new}")
    for entry in plan["other_force"]:
        lines.append(f"  left     {entry['urn']} {entry['name']}: held by another force")
    return lines


class Command(BaseCommand):
    help = "Preview (and with --apply, apply) the force's schools from a GIAS extract."

    def add_arguments(self, parser):
        parser.add_argument("file", help="the GIAS extract, edubasealldataYYYYMMDD.csv")
        parser.add_argument(
            "--la", help="local authority codes, e.g. 926,940 (default: the force's)"
        )
        parser.add_argument(
            "--phases", help="phases, e.g. secondary,all_through (default: the force's)"
        )
        parser.add_argument("--force", dest="force_name", help="the force (needed if several)")
        parser.add_argument(
            "--date", help="the extract's date, YYYY-MM-DD, if the file name lacks it"
        )
        parser.add_argument("--by", help="the administrator's e-mail, recorded in the history")
        parser.add_argument("--apply", action="store_true", help="apply the preview")

    def handle(self, *args, file, la, phases, force_name, date, by, apply, **options):
        force = self._force(force_name)
        try:
            la_codes = parse_la_codes(la) if la else list(force.gias_la_codes)
        except ValueError as error:
            raise CommandError(f"--la: {error}") from None
        if not la_codes:
            raise CommandError("Give the force's local authorities with --la, e.g. --la 926,940.")
        chosen = [p for p in (phases.split(",") if phases else force.gias_phases) if p]
        unknown = sorted(set(chosen) - set(School.Phase.values))
        if unknown:
            raise CommandError(
                f"--phases: unknown {', '.join(unknown)}; choose from "
                f"{', '.join(School.Phase.values)}."
            )
        user = None
        if apply:
            user = User.objects.filter(email__iexact=by or "", is_superuser=True).first()
            if user is None:
                raise CommandError("--apply needs --by with an administrator's e-mail address.")
        extract = self._extract_date(file, date)
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"No file at {file}.")
        try:
            with path.open("rb") as stream:
                preview = gias_preview_now(
                    force=force,
                    stream=stream,
                    la_codes=la_codes,
                    phases=chosen,
                    extract_date=extract,
                )
        except IntakeRefused as refusal:
            raise CommandError(f"{path.name} is refused: {refusal}") from None
        for line in preview_lines(preview):
            self.stdout.write(line)
        if not apply:
            self.stdout.write("Nothing has been changed. Run again with --apply to apply.")
            return
        try:
            counts = gias_apply_now(
                force=force,
                preview=preview,
                options={"la_codes": la_codes, "phases": chosen},
                by=user,
            )
        except StalePreview:
            raise CommandError(
                "The register changed while the file was read: run again."
            ) from None
        self.stdout.write(
            self.style.SUCCESS(
                f"Applied: {counts['new']} new, {counts['changed']} changed, "
                f"{counts['closed']} closed."
            )
        )

    def _force(self, name):
        forces = Force.objects.all()
        if name:
            forces = forces.filter(name__iexact=name)
        found = list(forces[:2])
        if len(found) != 1:
            names = ", ".join(Force.objects.values_list("name", flat=True)) or "none yet"
            raise CommandError(f"Name the force with --force (forces: {names}).")
        return found[0]

    def _extract_date(self, file, date):
        if date:
            try:
                return datetime.date.fromisoformat(date)
            except ValueError:
                raise CommandError("--date: use YYYY-MM-DD, e.g. 2026-12-01.") from None
        return extract_date_from_name(file) or timezone.localdate()

"""A backup a force can restore: the database and the attachments, with their checksums."""

import hashlib
import os
import subprocess
import tarfile
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

DATABASE_FILE = "database.dump"
ATTACHMENTS_FILE = "attachments.tar"
MANIFEST_FILE = "MANIFEST.sha256"


def pg_environ() -> dict[str, str]:
    """libpq's variables for the default database: no password on a command line (ps)."""
    db = settings.DATABASES["default"]
    if db["ENGINE"] != "django.db.backends.postgresql":
        raise CommandError("Backups and restores need PostgreSQL (DATABASE_URL).")
    values = {
        "PGHOST": db.get("HOST") or "",
        "PGPORT": str(db.get("PORT") or ""),
        "PGUSER": db.get("USER") or "",
        "PGPASSWORD": db.get("PASSWORD") or "",
        "PGDATABASE": db["NAME"],
    }
    return {**os.environ, **{key: value for key, value in values.items() if value}}


def sha256(path: Path) -> str:
    with path.open("rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


class Command(BaseCommand):
    help = (
        "Back up PostgreSQL (pg_dump, custom format) and the attachments folder into one "
        "dated folder under DESTINATION, with a SHA-256 manifest."
    )

    def add_arguments(self, parser):
        parser.add_argument("destination", type=Path)

    def handle(self, *args, destination: Path, **options):
        stamp = timezone.now().strftime("%Y%m%dT%H%M%SZ")
        final = destination / f"ssp-backup-{stamp}"
        # Written under another name and renamed when whole: a half-made backup never
        # looks like a finished one.
        partial = destination / f".ssp-backup-{stamp}.partial"
        if final.exists() or partial.exists():
            raise CommandError(f"{final} already exists; wait a second and run it again.")
        partial.mkdir(parents=True)
        result = subprocess.run(
            ["pg_dump", "--format=custom", "--file", str(partial / DATABASE_FILE)],
            env=pg_environ(),
            capture_output=True,
            text=True,
        )
        if result.returncode:
            raise CommandError(f"pg_dump failed: {result.stderr.strip()}")
        media = Path(settings.MEDIA_ROOT)
        with tarfile.open(partial / ATTACHMENTS_FILE, "w") as tar:
            if media.is_dir():
                for child in sorted(media.iterdir()):
                    tar.add(child, arcname=child.name)
        manifest = "".join(
            f"{sha256(partial / name)}  {name}\n" for name in (DATABASE_FILE, ATTACHMENTS_FILE)
        )
        (partial / MANIFEST_FILE).write_text(manifest)
        partial.rename(final)
        self.stdout.write(str(final))

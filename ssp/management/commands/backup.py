"""A backup a force can restore: the database and the attachments, with their checksums."""

import hashlib
import os
import re
import subprocess
import tarfile
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
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


def client_major_version(program: str) -> int:
    """The major version of a PostgreSQL client program on PATH ("pg_dump (PostgreSQL) 16.4")."""
    try:
        result = subprocess.run(
            [program, "--version"], env=pg_environ(), capture_output=True, text=True
        )
    except OSError as error:
        raise CommandError(f"{program} cannot be run ({error.strerror}): install it.") from None
    found = re.search(r"\(PostgreSQL\)\s+(\d+)", result.stdout)
    if result.returncode or not found:
        raise CommandError(f"{program} --version did not say its version: {result.stdout!r}")
    return int(found.group(1))


def server_major_version() -> int:
    connection.ensure_connection()
    return connection.pg_version // 10000


def require_client_for_server(program: str) -> None:
    """pg_dump older than the server refuses to dump it (or, across some versions, leaves
    out what it does not know): refuse first, saying which versions were found."""
    client, server = client_major_version(program), server_major_version()
    if client < server:
        raise CommandError(
            f"{program} is PostgreSQL {client}'s but the database server runs PostgreSQL "
            f"{server}: install the PostgreSQL {server} client tools (or newer) and run the "
            "backup again. Nothing was written."
        )


def make_backup(destination: Path) -> Path:
    """Write one whole backup folder under `destination` and return it."""
    pg_environ()  # PostgreSQL only, before anything is checked or written
    require_client_for_server("pg_dump")
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
    return final


class Command(BaseCommand):
    help = (
        "Back up PostgreSQL (pg_dump, custom format) and the attachments folder into one "
        "dated folder under DESTINATION, with a SHA-256 manifest."
    )

    def add_arguments(self, parser):
        parser.add_argument("destination", type=Path)

    def handle(self, *args, destination: Path, **options):
        self.stdout.write(str(make_backup(destination)))

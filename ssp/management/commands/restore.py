"""Restore a backup into an empty database and an empty attachments folder, nothing else."""

import subprocess
import tarfile
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from ssp.management.commands.backup import (
    ATTACHMENTS_FILE,
    DATABASE_FILE,
    MANIFEST_FILE,
    pg_environ,
    sha256,
)


def verify(backup: Path) -> None:
    manifest = backup / MANIFEST_FILE
    if not manifest.is_file():
        raise CommandError(f"{backup} has no {MANIFEST_FILE}: it is not a finished backup.")
    expected = {}
    for line in filter(None, manifest.read_text().splitlines()):
        digest, separator, name = line.partition("  ")
        if not separator:
            raise CommandError(f"{MANIFEST_FILE} in {backup} is damaged: not restored.")
        expected[name] = digest
    for name in (DATABASE_FILE, ATTACHMENTS_FILE):
        path = backup / name
        if name not in expected or not path.is_file() or sha256(path) != expected[name]:
            raise CommandError(f"{name} in {backup} does not match its checksum: not restored.")


class Command(BaseCommand):
    help = (
        "Restore a folder made by `backup` into the EMPTY database of DATABASE_URL and the "
        "EMPTY attachments folder PRIVATE_MEDIA_ROOT; refuses either when it holds anything."
    )

    def add_arguments(self, parser):
        parser.add_argument("backup", type=Path)

    def handle(self, *args, backup: Path, **options):
        verify(backup)
        # Both targets are checked before either is touched: a restore never mixes with,
        # or writes over, records that are already there.
        tables = connection.introspection.table_names()
        if tables:
            raise CommandError(
                f"The database {connection.settings_dict['NAME']} is not empty "
                f"({len(tables)} tables): restore only into a new, empty database."
            )
        media = Path(settings.MEDIA_ROOT)
        if media.exists() and any(media.iterdir()):
            raise CommandError(
                f"The attachments folder {media} is not empty: restore only into an empty one."
            )
        connection.close()
        # One transaction: a restore that fails leaves the database empty, not half full.
        # Triggers (the append-only access log, immutable documents) come after the data.
        result = subprocess.run(
            [
                "pg_restore",
                "--exit-on-error",
                "--single-transaction",
                "--no-owner",
                "--no-privileges",
                "--dbname",
                pg_environ()["PGDATABASE"],
                str(backup / DATABASE_FILE),
            ],
            env=pg_environ(),
            capture_output=True,
            text=True,
        )
        if result.returncode:
            raise CommandError(f"pg_restore failed: {result.stderr.strip()}")
        media.mkdir(parents=True, exist_ok=True)
        with tarfile.open(backup / ATTACHMENTS_FILE) as tar:
            tar.extractall(media, filter="data")  # no paths outside the folder, no devices
        self.stdout.write(f"Restored {backup.name} into {connection.settings_dict['NAME']}.")

"""A backup restored into an empty database and folder gives back a portal that serves."""

import datetime
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.utils import timezone

from incidents.models import Attachment
from incidents.services import Involvement, concern_log, concern_triage

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n" + bytes(range(256))
MANAGE = Path(settings.BASE_DIR) / "manage.py"

# Run inside the restored portal: the concern page as its reporter sees it, and what the
# restored rows and file hold.
CHECK = """
import json
from django.test import Client
from incidents.models import Attachment, Concern
from django.db import connection
concern = Concern.objects.get(code="{code}")
client = Client(HTTP_HOST="127.0.0.1")
client.force_login(concern.reported_by)
page = client.get("/concerns/{code}/")
with Attachment.objects.get(concern=concern).file.open("rb") as f:
    data = f.read()
try:
    with connection.cursor() as cursor:
        cursor.execute("UPDATE ssp_accesslog SET outcome = outcome")
    access_log = "changed"
except Exception as error:
    access_log = str(error)
print(json.dumps({{
    "status": page.status_code,
    "reference_shown": concern.reference in page.text,
    "status_value": concern.status,
    "history": concern.history.count(),
    "events": concern.events.count(),
    "attachment": data.hex(),
    "access_log": access_log,
}}))
"""


def pg(*sql):
    db = settings.DATABASES["default"]
    env = {**os.environ, "PGPASSWORD": db.get("PASSWORD") or ""}
    for statement in sql:
        subprocess.run(
            ["psql", "-h", db["HOST"], "-p", str(db["PORT"]), "-U", db["USER"], "-d", "postgres",
             "-v", "ON_ERROR_STOP=1", "-qc", statement],
            env=env, check=True, capture_output=True,
        )  # fmt: skip


@pytest.fixture
def empty_database():
    """A new, empty database on the same server, dropped afterwards; its DATABASE_URL."""
    db = settings.DATABASES["default"]
    name = f"ssp_restore_{os.getpid()}"
    pg(f"DROP DATABASE IF EXISTS {name}", f"CREATE DATABASE {name}")
    try:
        password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
        yield f"postgres://{db['USER']}{password}@{db['HOST']}:{db['PORT']}/{name}"
    finally:
        pg(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def manage(*args, database_url, media_root):
    env = {**os.environ, "DATABASE_URL": database_url, "PRIVATE_MEDIA_ROOT": str(media_root)}
    return subprocess.run(
        [sys.executable, str(MANAGE), *args], env=env, capture_output=True, text=True, timeout=60
    )


@pytest.mark.django_db(transaction=True)
def test_a_backup_restored_into_an_empty_database_serves_the_concern_with_its_history_and_file(
    settings, tmp_path, empty_database, staff_a, spoc_a, school_a, pupil_a
):
    settings.MEDIA_ROOT = tmp_path / "media"
    concern = concern_log(
        by=staff_a,
        school=school_a,
        kind="concern",
        category="welfare",
        narrative="Said something worrying at lunch.",
        happened_at=timezone.now() - datetime.timedelta(hours=1),
        location="in_school",
        immediate_risk=False,
        involved=[Involvement(pupil=pupil_a, role="victim")],
        files=[SimpleUploadedFile("note.pdf", PDF, "application/pdf")],
    )
    concern = concern_triage(
        concern=concern,
        by=spoc_a,
        decision="in_school",
        rationale="Handled by the head of year.",
        seen_version=1,
    )
    assert Attachment.objects.filter(concern=concern).count() == 1
    history, events = concern.history.count(), concern.events.count()
    out = io.StringIO()
    call_command("backup", tmp_path / "backups", stdout=out)
    backup = Path(out.getvalue().strip())
    assert backup.name.startswith("ssp-backup-")

    restored_media = tmp_path / "restored"
    restore = manage(
        "restore", str(backup), database_url=empty_database, media_root=restored_media
    )
    assert restore.returncode == 0, restore.stderr
    check = manage(
        "shell",
        "-c",
        CHECK.format(code=concern.code),
        database_url=empty_database,
        media_root=restored_media,
    )
    assert check.returncode == 0, check.stderr
    served = json.loads(check.stdout.strip().splitlines()[-1])

    assert served["status"] == 200
    assert served["reference_shown"]
    assert served["status_value"] == concern.status
    assert served["history"] == history >= 2
    assert served["events"] == events >= 2
    assert bytes.fromhex(served["attachment"]) == PDF
    assert "append-only" in served["access_log"]

    again = manage("restore", str(backup), database_url=empty_database, media_root=tmp_path / "x")
    assert again.returncode != 0
    assert "is not empty" in again.stderr


@pytest.mark.django_db(transaction=True)
def test_a_restore_refuses_a_database_that_holds_tables(settings, tmp_path, staff_a):
    settings.MEDIA_ROOT = tmp_path / "media"
    out = io.StringIO()
    call_command("backup", tmp_path / "backups", stdout=out)
    with pytest.raises(CommandError, match="is not empty"):
        call_command("restore", out.getvalue().strip())


@pytest.mark.django_db(transaction=True)
def test_a_restore_refuses_a_backup_whose_checksum_does_not_match(settings, tmp_path, staff_a):
    settings.MEDIA_ROOT = tmp_path / "media"
    out = io.StringIO()
    call_command("backup", tmp_path / "backups", stdout=out)
    backup = Path(out.getvalue().strip())
    with (backup / "attachments.tar").open("ab") as f:
        f.write(b"tampered")
    with pytest.raises(CommandError, match="does not match its checksum"):
        call_command("restore", str(backup))


@pytest.mark.django_db(transaction=True)
def test_a_restore_refuses_a_backup_whose_manifest_is_damaged(settings, tmp_path, staff_a):
    settings.MEDIA_ROOT = tmp_path / "media"
    out = io.StringIO()
    call_command("backup", tmp_path / "backups", stdout=out)
    backup = Path(out.getvalue().strip())
    manifest = backup / "MANIFEST.sha256"
    manifest.write_text(manifest.read_text().replace("  ", " ", 1))
    with pytest.raises(CommandError, match="is damaged"):
        call_command("restore", str(backup))


@pytest.mark.django_db(transaction=True)
def test_a_restore_into_a_non_empty_attachments_folder_is_refused_before_the_database_is_touched(
    settings, tmp_path, empty_database, staff_a
):
    settings.MEDIA_ROOT = tmp_path / "media"
    out = io.StringIO()
    call_command("backup", tmp_path / "backups", stdout=out)
    occupied = tmp_path / "occupied"
    occupied.mkdir()
    (occupied / "someone-elses.pdf").write_bytes(PDF)

    refused = manage(
        "restore", out.getvalue().strip(), database_url=empty_database, media_root=occupied
    )
    assert refused.returncode != 0
    assert "attachments folder" in refused.stderr and "is not empty" in refused.stderr
    tables = manage(
        "shell",
        "--no-imports",
        "-c",
        "from django.db import connection; print(len(connection.introspection.table_names()))",
        database_url=empty_database,
        media_root=occupied,
    )
    assert tables.stdout.strip().splitlines()[-1] == "0"
    assert [p.name for p in occupied.iterdir()] == ["someone-elses.pdf"]

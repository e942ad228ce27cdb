"""The portal backs itself up on a schedule when BACKUP_DIR is set, and prunes old backups."""

import logging
from datetime import UTC, datetime

import pytest

from ssp.backups import FAILED_SUBJECT, prune_backups
from ssp.models import Notification
from ssp.tasks import scheduled_backup
from tests.faults.test_backup_versions import server_major
from tests.ssp.test_configuration import manage, production_env

SCHEDULE = (
    "from django.conf import settings as s;"
    "e = s.CELERY_BEAT_SCHEDULE.get('scheduled-backup');"
    "print(e and e['task'], e and sorted(e['schedule'].hour), s.BACKUP_KEEP_DAYS)"
)


def test_no_backup_is_scheduled_unless_backup_dir_is_set():
    result = manage("shell", "--verbosity", "0", "-c", SCHEDULE, env=production_env())
    assert result.stdout.split() == ["None", "None", "14"], result.stderr


def test_backup_dir_schedules_a_daily_backup_at_backup_hour():
    env = production_env(BACKUP_DIR="/srv/backups", BACKUP_HOUR="3", BACKUP_KEEP_DAYS="30")
    result = manage("shell", "--verbosity", "0", "-c", SCHEDULE, env=env)
    assert result.stdout.split() == ["ssp.tasks.scheduled_backup", "[3]", "30"], result.stderr


def folder(root, name):
    (root / name).mkdir(parents=True)
    return root / name


def test_pruning_removes_old_backups_and_dead_partials_and_nothing_else(tmp_path):
    now = datetime(2026, 12, 4, 2, 0, tzinfo=UTC)
    old = folder(tmp_path, "ssp-backup-20261101T020000Z")
    kept = folder(tmp_path, "ssp-backup-20261125T020000Z")
    newest = folder(tmp_path, "ssp-backup-20261204T020000Z")
    dead = folder(tmp_path, ".ssp-backup-20261202T020000Z.partial")
    running = folder(tmp_path, ".ssp-backup-20261204T015959Z.partial")
    foreign = folder(tmp_path, "copies-for-the-auditor")
    (tmp_path / "ssp-backup-20200101T000000Z.txt").write_text("a file, not a backup")

    assert prune_backups(tmp_path, keep_days=14, now=now) == [dead, old]
    for stays in (kept, newest, running, foreign, tmp_path / "ssp-backup-20200101T000000Z.txt"):
        assert stays.exists()


def test_pruning_never_removes_the_newest_backup_however_old(tmp_path):
    only = folder(tmp_path, "ssp-backup-20250101T020000Z")
    older = folder(tmp_path, "ssp-backup-20241231T020000Z")
    now = datetime(2026, 12, 4, tzinfo=UTC)
    assert prune_backups(tmp_path, keep_days=14, now=now) == [older]
    assert only.exists()


@pytest.mark.django_db(transaction=True)
def test_the_scheduled_backup_writes_a_whole_backup_and_prunes_the_old_ones(
    settings, tmp_path, admin_user
):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.BACKUP_DIR = str(tmp_path / "backups")
    settings.BACKUP_KEEP_DAYS = 7
    old = folder(tmp_path / "backups", "ssp-backup-20200101T000000Z")

    name = scheduled_backup.apply().get()

    backup = tmp_path / "backups" / name
    assert name.startswith("ssp-backup-")
    assert {p.name for p in backup.iterdir()} == {
        "database.dump",
        "attachments.tar",
        "MANIFEST.sha256",
    }
    assert not old.exists()
    assert not Notification.objects.exists()


@pytest.mark.django_db
def test_a_failed_scheduled_backup_is_logged_and_told_to_the_administrators_only(
    settings, tmp_path, admin_user, staff_a, fake_pg_dump, caplog
):
    settings.BACKUP_DIR = str(tmp_path / "backups")
    fake_pg_dump(f"{server_major() - 1}.0")
    kept = folder(tmp_path / "backups", "ssp-backup-20200101T000000Z")

    with caplog.at_level(logging.ERROR, logger="ssp.backups"):
        assert scheduled_backup.apply().get() == "failed"

    assert any("scheduled backup" in r.getMessage() for r in caplog.records)
    told = Notification.objects.get()
    assert told.recipient == admin_user
    assert told.subject == FAILED_SUBJECT
    assert told.urgent
    assert kept.exists()  # nothing is pruned after a failed backup

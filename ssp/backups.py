"""The portal backing itself up on a schedule (off unless BACKUP_DIR is set).

Beat queues `ssp.tasks.scheduled_backup` once a day at BACKUP_HOUR (Europe/London); the
worker that takes it writes the same folder as `manage.py backup`, then removes the
backups older than BACKUP_KEEP_DAYS. A failure is logged and told to every administrator
through the outbox, so a night without a backup does not pass unnoticed.
"""

import logging
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from .management.commands.backup import make_backup
from .models import User
from .notifications import Kind, notify

logger = logging.getLogger(__name__)

STAMP_FORMAT = "%Y%m%dT%H%M%SZ"
FAILED_SUBJECT = "The scheduled backup failed: the worker's log says why"


def _made_at(folder: Path) -> datetime | None:
    """When a backup folder was made, read from its name (`ssp-backup-<UTC time>`, or
    `.ssp-backup-<UTC time>.partial` for one that never finished)."""
    stamp = folder.name.removeprefix(".").removeprefix("ssp-backup-").removesuffix(".partial")
    try:
        return datetime.strptime(stamp, STAMP_FORMAT).replace(tzinfo=UTC)
    except ValueError:
        return None  # not ours: never touched


def prune_backups(destination: Path, *, keep_days: int, now: datetime) -> list[Path]:
    """Remove backups made more than `keep_days` ago; the newest whole backup always stays.
    Half-made ones (a run that died) go once they are a day old. Returns what was removed."""
    folders = [(f, _made_at(f)) for f in destination.iterdir() if f.is_dir()]
    whole = sorted((made, f) for f, made in folders if made and not f.name.endswith(".partial"))
    newest = whole[-1][1] if whole else None
    removed = []
    for folder, made in folders:
        if made is None or folder == newest:
            continue
        limit = timedelta(days=1) if folder.name.endswith(".partial") else timedelta(keep_days)
        if now - made > limit:
            shutil.rmtree(folder)
            removed.append(folder)
    return sorted(removed)


def scheduled_backup() -> str:
    """Back up into BACKUP_DIR and prune; on failure log it and tell the administrators."""
    destination = Path(settings.BACKUP_DIR)
    try:
        folder = make_backup(destination)
        removed = prune_backups(
            destination, keep_days=settings.BACKUP_KEEP_DAYS, now=timezone.now()
        )
    except Exception:
        logger.exception("The scheduled backup into BACKUP_DIR failed")
        notify(
            recipients=User.objects.filter(is_active=True, is_superuser=True),
            subject=FAILED_SUBJECT,
            link="/admin/",
            reference="",  # about no record: the backup that did not happen
            kind=Kind.BACKUP_FAILED,
        )
        return "failed"
    logger.info("Scheduled backup written: %s; %d old backups removed", folder.name, len(removed))
    return folder.name

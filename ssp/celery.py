import dbm.dumb
import os
import shelve

from celery import Celery
from celery.beat import PersistentScheduler

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ssp.settings")

app = Celery("ssp")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


class _PlainFileShelve:
    """`shelve.open` on a plain dbm file, whatever Python's default dbm is."""

    @staticmethod
    def open(filename: str, writeback: bool = False) -> shelve.Shelf:
        return shelve.Shelf(dbm.dumb.open(filename, "c"), writeback=writeback)


class ScheduleFile(PersistentScheduler):
    """Beat's own record of when each task last ran, in a plain file.

    Python 3.13's default shelve is SQLite in WAL mode. Under load beat's periodic write
    to it failed with "locking protocol", and the error ends beat's process: the worker
    kept running but nothing queued the outbox sweep again, so an e-mail that a frozen
    Redis had kept from the broker was never sent. Beat is the only writer of this file,
    so a plain dbm file is all it needs.
    """

    persistence = _PlainFileShelve

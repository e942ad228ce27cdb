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


def hand_to_worker(task, *arg_lists) -> bool:
    """Queue `task` once for each list of arguments; False when the broker cannot take them
    just now (the caller says what picks them up later). Never holds a request on a frozen
    broker: kombu would retry a refused connection for `broker_connection_timeout` even with
    retry=False, so one attempt is made here. With tasks run eagerly (the demo, which has no
    broker or worker) they run at once instead."""
    if app.conf.task_always_eager:
        for args in arg_lists:
            task.apply(args=args)
        return True
    try:
        with app.producer_or_acquire() as producer:
            producer.connection.ensure_connection(max_retries=0)
            for args in arg_lists:
                task.apply_async(args=args, producer=producer, retry=False)
    except Exception:
        return False
    return True

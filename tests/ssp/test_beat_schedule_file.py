"""Beat keeps its schedule in a plain file: Python 3.13's SQLite shelve killed beat under load."""

import dbm

from celery.utils.imports import symbol_by_name

from ssp.celery import app


def open_scheduler(path):
    scheduler_cls = symbol_by_name(app.conf.beat_scheduler)
    return scheduler_cls(app=app, schedule_filename=str(path), lazy=False)


def test_beat_as_configured_writes_its_schedule_to_a_plain_file_not_sqlite(tmp_path):
    scheduler = open_scheduler(tmp_path / "beat-schedule")
    scheduler.sync()
    scheduler.close()

    assert dbm.whichdb(str(tmp_path / "beat-schedule")) == "dbm.dumb"


def test_when_each_task_last_ran_survives_a_restart_of_beat(tmp_path):
    scheduler = open_scheduler(tmp_path / "beat-schedule")
    entry = scheduler.schedule["sweep-outbox"]
    scheduler.schedule["sweep-outbox"] = next(entry)  # as if it had just run
    ran = scheduler.schedule["sweep-outbox"].total_run_count
    scheduler.sync()
    scheduler.close()

    again = open_scheduler(tmp_path / "beat-schedule")
    assert ran == 1
    assert again.schedule["sweep-outbox"].total_run_count == ran
    again.close()

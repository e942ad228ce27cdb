"""After Redis freezes and comes back, an immediate-risk alert is e-mailed within 30 s.

A real Celery worker (with beat, as production runs them) uses our own Redis and e-mails
through an SMTP sink on loopback; the test freezes Redis, logs an immediate-risk concern,
thaws it and times the e-mail's arrival at the sink.
"""

import datetime
import os
import subprocess
import sys
import time
from contextlib import contextmanager

import pytest
from aiosmtpd.controller import Controller
from django.conf import settings as django_settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from incidents.services import Involvement, concern_log
from tests.ssp.test_outbox import _test_database_url, free_port, wait_until

FREEZE_SECONDS = 8
WITHIN_SECONDS = 30


class Sink:
    """Keeps every message the mail server is handed."""

    def __init__(self):
        self.messages: list[str] = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(envelope.content.decode("utf-8", "replace"))
        return "250 OK"


@pytest.fixture
def smtp_sink():
    sink = Sink()
    controller = Controller(sink, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield sink, controller.port
    finally:
        controller.stop()


@contextmanager
def worker_with_beat(*, redis_url: str, smtp_port: int, tmp_path):
    """`celery worker -B`, as production runs the worker and beat, on the test database."""
    env = os.environ | {
        "DATABASE_URL": _test_database_url(),
        "REDIS_URL": redis_url,
        "CELERY_BROKER_URL": redis_url,
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(smtp_port),
    }
    log = open(tmp_path / "worker.log", "wb")  # noqa: SIM115 - closed below
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "ssp", "worker", "-B", "--pool=solo",
         "--without-gossip", "--without-mingle", "--without-heartbeat", "--loglevel=INFO",
         "--schedule", str(tmp_path / "beat-schedule"),
         "--hostname", f"faults-{os.getpid()}@localhost"],
        cwd=django_settings.BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        yield worker
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=15)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait(timeout=5)
        log.close()


def worker_log(tmp_path, *, lines: int = 80) -> str:
    text = (tmp_path / "worker.log").read_text("utf-8", "replace")
    return "\n".join(text.splitlines()[-lines:])


def log_immediate_risk(*, by, school, pupil):
    with transaction.atomic():
        return concern_log(
            by=by, school=school, kind="concern", category="bullying",
            narrative="Threatened on the way home.", location="in_school",
            happened_at=timezone.now() - datetime.timedelta(hours=1), immediate_risk=True,
            involved=[Involvement(pupil=pupil, role="victim")],
        )  # fmt: skip


def emailed(sink, concern) -> bool:
    link = reverse("concern_detail", args=[concern.code])
    return any(link in message for message in sink.messages)


@pytest.mark.django_db(transaction=True)
def test_an_immediate_risk_alert_is_emailed_within_30_s_of_a_frozen_redis_returning(
    own_redis, smtp_sink, staff_a, spoc_a, school_a, pupil_a, tmp_path
):
    sink, smtp_port = smtp_sink
    with worker_with_beat(redis_url=own_redis.url, smtp_port=smtp_port, tmp_path=tmp_path):
        before = log_immediate_risk(by=staff_a, school=school_a, pupil=pupil_a)
        wait_until(lambda: emailed(sink, before), seconds=30, what="the worker to start")

        own_redis.freeze()
        try:
            # The first waits out one short socket timeout; the process then leaves the
            # broker alone for a while, so the second is left to the outbox sweep.
            during, took = [], []
            for _ in range(2):
                started = time.monotonic()
                during.append(log_immediate_risk(by=staff_a, school=school_a, pupil=pupil_a))
                took.append(time.monotonic() - started)
            time.sleep(FREEZE_SECONDS)
        finally:
            own_redis.thaw()
        returned = time.monotonic()
        try:
            wait_until(
                lambda: all(emailed(sink, concern) for concern in during),
                seconds=WITHIN_SECONDS,
                what="the immediate-risk e-mails after Redis returned",
            )
        except AssertionError as waited:
            # What the worker and beat did is the only way to tell why, on a CI machine.
            raise AssertionError(f"{waited}\n--- worker log ---\n{worker_log(tmp_path)}") from None
        arrived = time.monotonic() - returned
    print(
        f"requests {took[0]:.2f} s, {took[1]:.2f} s; e-mails {arrived:.1f} s after Redis returned"
    )
    assert max(took) < 1  # no request waits long on the frozen broker
    for concern in during:
        link = reverse("concern_detail", args=[concern.code])
        alerts = [message for message in sink.messages if link in message]
        assert alerts and all("immediate risk" in message for message in alerts)

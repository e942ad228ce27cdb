"""The outbox: nothing announced is lost, nothing is sent twice, no request waits on Redis.

Tests that need a broker they can stop, freeze or read start their own redis-server on a
free port and point the Celery app at it, so the shared Redis is never disturbed.
"""

import base64
import datetime
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from urllib.parse import quote

import pytest
import redis
from django.conf import settings as django_settings
from django.core import mail
from django.core.mail.backends import locmem
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone
from kombu import pools

from incidents.services import Involvement, concern_log
from ssp import notifications
from ssp.celery import app as celery_app
from ssp.models import Notification, User
from ssp.notifications import NotificationBusy, notify, queue_delivery, send_notification_email
from ssp.tasks import deliver_notification, sweep_outbox
from tests.factories import UserFactory

REDIS_SERVER = shutil.which("redis-server")


def needs_redis_server(test):
    # These tests stop and restart a Redis of their own. Without redis-server they fail
    # rather than skip: the suite runs on the real services or not at all.
    assert REDIS_SERVER, "redis-server is needed to stop and restart a broker"
    return test


LINK = "/concerns/7d4c1f0e-7a43-4c2b-9f9a-0d6a0f3b6c11/"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class RedisServer:
    """A throwaway redis-server this test owns: started, stopped, frozen at will."""

    def __init__(self, port: int):
        self.port = port
        self.url = f"redis://127.0.0.1:{port}/0"
        self.process = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1",
             "--save", "", "--appendonly", "no", "--daemonize", "no"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + 10
        while True:
            try:
                self.client().ping()
                return
            except redis.ConnectionError:
                if time.monotonic() > deadline or self.process.poll() is not None:
                    raise
                time.sleep(0.05)

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGCONT)  # in case a test froze it
        self.process.terminate()
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=5)

    def freeze(self) -> None:
        self.process.send_signal(signal.SIGSTOP)

    def thaw(self) -> None:
        self.process.send_signal(signal.SIGCONT)

    def client(self) -> redis.Redis:
        return redis.Redis(port=self.port, socket_timeout=1, socket_connect_timeout=1)

    def queued_pks(self) -> list[int]:
        """The notification ids waiting in the broker, oldest first."""
        pks = []
        for raw in reversed(self.client().lrange("celery", 0, -1)):
            message = json.loads(raw)
            assert message["headers"]["task"] == "ssp.tasks.deliver_notification"
            args, _kwargs, _embed = json.loads(base64.b64decode(message["body"]))
            pks.extend(args)
        return pks


def _use_broker(url: str) -> None:
    celery_app.conf.broker_url = url
    pools.reset()  # close pooled connections to the previous broker
    celery_app._pool = None
    celery_app.amqp._producer_pool = None
    notifications._broker_down_until = 0.0


@contextmanager
def celery_broker(url: str):
    previous = celery_app.conf.broker_url
    _use_broker(url)
    try:
        yield
    finally:
        _use_broker(previous)


@pytest.fixture
def spare_redis():
    server = RedisServer(free_port())
    server.start()
    try:
        with celery_broker(server.url):
            yield server
    finally:
        server.stop()


def timed(fn, *args, **kwargs) -> float:
    started = time.monotonic()
    fn(*args, **kwargs)
    return time.monotonic() - started


def log_concern(*, by, school, pupil, narrative="Pushed against the lockers by an older boy."):
    return concern_log(
        by=by, school=school, kind="concern", category="bullying", narrative=narrative,
        happened_at=timezone.now() - datetime.timedelta(hours=3), location="in_school",
        immediate_risk=False, involved=[Involvement(pupil=pupil, role="victim")],
    )  # fmt: skip


# Written with the change


@needs_redis_server
@pytest.mark.django_db(transaction=True)
def test_a_notification_in_a_rolled_back_transaction_leaves_no_row_and_queues_nothing(
    spare_redis, spoc_a
):
    with pytest.raises(RuntimeError), transaction.atomic():
        notify(recipients=[spoc_a], subject="A new concern is waiting for triage", link=LINK)
        raise RuntimeError("the change failed")
    assert not Notification.objects.exists()
    assert spare_redis.queued_pks() == []


@needs_redis_server
@pytest.mark.django_db(transaction=True)
def test_a_notification_is_queued_once_and_only_after_its_transaction_commits(spare_redis, spoc_a):
    with transaction.atomic():
        (notification,) = notify(recipients=[spoc_a, spoc_a], subject="Something", link=LINK)
        assert spare_redis.queued_pks() == []
    assert spare_redis.queued_pks() == [notification.pk]


def test_a_notification_only_ever_links_to_a_page_of_the_portal(spoc_a):
    for link in ["https://evil.example/", "//evil.example/x", "/\\evil.example", "concerns/"]:
        with pytest.raises(ValueError):
            notify(recipients=[spoc_a], subject="Something", link=link)
    assert not Notification.objects.exists()


# Delivered once


def test_delivering_sends_one_email_marks_it_and_delivering_again_sends_nothing(spoc_a):
    (notification,) = notify(recipients=[spoc_a], subject="Something to see", link=LINK)
    assert deliver_notification(notification.pk) == "sent"
    notification.refresh_from_db()
    assert notification.email_sent_at is not None
    assert notification.email_attempts == 1
    assert deliver_notification(notification.pk) == "already-sent"
    assert deliver_notification.apply(args=[notification.pk]).get() == "already-sent"
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["spoc.a@example.org"]


def test_the_email_holds_the_subject_and_link_but_nothing_about_the_concern(
    staff_a, spoc_a, school_a, pupil_a
):
    concern = log_concern(by=staff_a, school=school_a, pupil=pupil_a)
    notification = Notification.objects.get(recipient=spoc_a)
    deliver_notification(notification.pk)
    (email,) = mail.outbox
    text = email.subject + email.body + str(email.message())
    link = django_settings.SITE_URL + reverse("concern_detail", args=[concern.code])
    assert notification.subject in email.subject
    assert link in email.body
    for detail in ["Amelia", "Ashby", "lockers", concern.reference, "Ashdown", "Stella"]:
        assert detail not in text


def test_a_repeat_carries_the_same_message_id_so_a_mail_server_can_drop_it(spoc_a):
    (notification,) = notify(recipients=[spoc_a], subject="Something", link=LINK)
    first = notifications._email(notification).message()["Message-ID"]
    again = notifications._email(Notification.objects.get()).message()["Message-ID"]
    assert first == again == f"<notification-{notification.code}@ssp-portal>"


def test_a_delivery_that_fails_before_the_send_is_retried_and_sends_once(spoc_a, monkeypatch):
    (notification,) = notify(recipients=[spoc_a], subject="Something", link=LINK)
    send = locmem.EmailBackend.send_messages
    calls = []

    def mail_server_down_once(self, messages):
        calls.append(messages)
        if len(calls) == 1:
            raise ConnectionRefusedError("mail server unreachable")
        return send(self, messages)

    monkeypatch.setattr(locmem.EmailBackend, "send_messages", mail_server_down_once)
    # apply() runs the task here, retries included, as a worker would (without the wait).
    assert deliver_notification.apply(args=[notification.pk], throw=False).get() == "sent"
    assert len(calls) == 2
    assert len(mail.outbox) == 1
    notification.refresh_from_db()
    assert notification.email_sent_at is not None
    assert notification.email_attempts == 2  # the failed attempt is counted too


def test_the_delivery_task_is_acknowledged_late_and_redelivered_if_its_worker_dies():
    assert deliver_notification.acks_late is True
    assert deliver_notification.reject_on_worker_lost is True
    assert deliver_notification.max_retries is not None  # the sweep takes over after


@contextmanager
def row_locked_elsewhere(queryset):
    """Another connection holds FOR UPDATE on the rows until the block ends."""
    locked, release, failure = threading.Event(), threading.Event(), []

    def hold():
        try:
            with transaction.atomic():
                list(queryset.select_for_update())
                locked.set()
                release.wait(10)
        except Exception as error:  # pragma: no cover - surfaces in the assert below
            failure.append(error)
            locked.set()
        finally:
            connection.close()

    thread = threading.Thread(target=hold)
    thread.start()
    try:
        assert locked.wait(10) and not failure
        yield
    finally:
        release.set()
        thread.join(10)


@pytest.mark.django_db(transaction=True)
def test_a_duplicate_delivery_while_the_first_holds_the_row_sends_nothing_and_retries(spoc_a):
    (notification,) = notify(recipients=[spoc_a], subject="Something", link=LINK)
    with row_locked_elsewhere(Notification.objects.filter(pk=notification.pk)):
        with pytest.raises(NotificationBusy):
            send_notification_email(notification.pk)
        assert mail.outbox == []
    assert send_notification_email(notification.pk) == "sent"
    assert send_notification_email(notification.pk) == "already-sent"
    assert len(mail.outbox) == 1


@pytest.mark.django_db(transaction=True)
def test_a_lock_on_the_recipient_does_not_hold_up_their_email(spoc_a):
    # A sign-in updating the person's row, or another of their e-mails being sent.
    (notification,) = notify(recipients=[spoc_a], subject="Something", link=LINK)
    with row_locked_elsewhere(User.objects.filter(pk=spoc_a.pk)):
        assert send_notification_email(notification.pk) == "sent"
    assert len(mail.outbox) == 1


# The sweep


@needs_redis_server
def test_the_sweep_queues_pending_notifications_and_never_sent_ones(spare_redis, spoc_a, settings):
    settings.OUTBOX_SWEEP_AFTER_SECONDS = 0
    sent, pending = notify(recipients=[spoc_a, UserFactory()], subject="Something", link=LINK)
    deliver_notification(sent.pk)
    assert sweep_outbox() == 1
    assert spare_redis.queued_pks() == [pending.pk]


@needs_redis_server
def test_the_sweep_leaves_recent_rows_to_their_own_task(spare_redis, spoc_a, settings):
    settings.OUTBOX_SWEEP_AFTER_SECONDS = 60
    notify(recipients=[spoc_a], subject="Something", link=LINK)
    assert sweep_outbox() == 0
    assert spare_redis.queued_pks() == []


@needs_redis_server
def test_the_sweep_does_not_queue_the_same_row_again_every_minute(spare_redis, spoc_a, settings):
    settings.OUTBOX_SWEEP_AFTER_SECONDS = 0
    (notification,) = notify(recipients=[spoc_a], subject="Something", link=LINK)
    assert sweep_outbox() == 1
    assert sweep_outbox() == 0
    assert spare_redis.queued_pks() == [notification.pk]


# No request waits on the broker


@pytest.mark.django_db(transaction=True)
def test_with_redis_refusing_connections_a_notification_is_written_at_once(spoc_a):
    with celery_broker(f"redis://127.0.0.1:{free_port()}/0"):
        # Outside a transaction, notify() queues at once, as a request's commit would.
        took = timed(notify, recipients=[spoc_a], subject="Something", link=LINK)
        assert took < 1  # kombu alone retries the connection for broker_connection_timeout
        assert Notification.objects.get().email_sent_at is None
        notifications._broker_down_until = 0.0
        assert timed(queue_delivery, [Notification.objects.get().pk]) < 1


@needs_redis_server
@pytest.mark.django_db(transaction=True)
def test_queueing_with_redis_frozen_waits_one_socket_timeout_then_not_at_all(spare_redis, spoc_a):
    (notification,) = notify(recipients=[spoc_a], subject="Something", link=LINK)
    spare_redis.freeze()
    try:
        first = timed(queue_delivery, [notification.pk])
        then = timed(queue_delivery, [notification.pk])
    finally:
        spare_redis.thaw()
    assert first < 1  # the transport's socket timeout (0.5 s), not kombu's 45 s and more
    assert then < 0.1  # the process leaves the broker alone for a while: the sweep sends it


# With Redis stopped


def _test_database_url() -> str:
    s = connection.settings_dict
    auth = quote(s["USER"] or "", safe="")
    if s["PASSWORD"]:
        auth += ":" + quote(s["PASSWORD"], safe="")
    return f"postgres://{auth}@{s['HOST'] or 'localhost'}:{s['PORT'] or 5432}/{s['NAME']}"


@contextmanager
def celery_worker(broker_url: str, log_path):
    """A real `celery worker` process on the test database, e-mail printed to its log."""
    env = os.environ | {
        "DATABASE_URL": _test_database_url(),
        "CELERY_BROKER_URL": broker_url,
        "EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend",
    }
    with open(log_path, "wb") as log:
        worker = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "ssp", "worker", "--pool=solo",
             "--without-gossip", "--without-mingle", "--without-heartbeat",
             "--loglevel=INFO", "--hostname", f"outbox-test-{os.getpid()}@localhost"],
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


def wait_until(condition, *, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"Gave up after {seconds} s waiting for {what}")
        time.sleep(0.2)


@needs_redis_server
@pytest.mark.django_db(transaction=True)
def test_with_redis_stopped_logging_a_concern_succeeds_at_once_and_the_email_arrives_later(
    staff_a, spoc_a, school_a, pupil_a, settings, tmp_path
):
    broker = RedisServer(free_port())
    broker.start()
    try:
        with celery_broker(broker.url):
            # Queued while Redis was up, then lost with it (it keeps nothing on disk).
            before = log_concern(by=staff_a, school=school_a, pupil=pupil_a)
            assert len(broker.queued_pks()) == 1
            broker.stop()

            started = time.monotonic()
            during = log_concern(by=staff_a, school=school_a, pupil=pupil_a)
            assert time.monotonic() - started < 2
            rows = Notification.objects.filter(recipient=spoc_a)
            assert rows.count() == 2
            assert not rows.filter(email_sent_at__isnull=False).exists()

            broker.start()
            settings.OUTBOX_SWEEP_AFTER_SECONDS = 0
            assert sweep_outbox() == 2
            assert sorted(broker.queued_pks()) == sorted(rows.values_list("pk", flat=True))

            log_path = tmp_path / "worker.log"
            with celery_worker(broker.url, log_path):
                wait_until(
                    lambda: not rows.filter(email_sent_at__isnull=True).exists(),
                    seconds=30,
                    what="the worker to send both e-mails",
                )
            output = log_path.read_text()
    finally:
        broker.stop()

    for notification in rows:
        assert output.count(f"<notification-{notification.code}@ssp-portal>") == 1
    for concern in (before, during):
        assert reverse("concern_detail", args=[concern.code]) in output
    assert "Ashby" not in output and "lockers" not in output


# In the portal


def test_people_see_their_own_notifications_newest_first_and_not_others(client, spoc_a, spoc_b):
    notify(recipients=[spoc_a], subject="Older for A", link=LINK)
    notify(recipients=[spoc_a], subject="Newer for A", link=LINK)
    notify(recipients=[spoc_b], subject="Only for B", link=LINK)
    client.force_login(spoc_a)
    page = client.get(reverse("notifications")).content.decode()
    assert page.index("Newer for A") < page.index("Older for A")
    assert "Only for B" not in page
    assert page.count(">New</strong>") == 2


def test_opening_a_notification_marks_it_read_and_goes_to_its_page(client, spoc_a):
    (notification,) = notify(recipients=[spoc_a], subject="Something", link=LINK)
    client.force_login(spoc_a)
    response = client.get(reverse("notification_open", args=[notification.code]))
    assert response.status_code == 302
    assert response["Location"] == LINK
    notification.refresh_from_db()
    assert notification.read_at is not None
    assert ">New</strong>" not in client.get(reverse("notifications")).content.decode()


def test_opening_someone_elses_notification_is_not_found(client, spoc_a, spoc_b):
    (notification,) = notify(recipients=[spoc_b], subject="Something", link=LINK)
    client.force_login(spoc_a)
    response = client.get(reverse("notification_open", args=[notification.code]))
    assert response.status_code == 404
    notification.refresh_from_db()
    assert notification.read_at is None


def test_a_notification_whose_link_leaves_the_portal_is_never_followed(client, spoc_a):
    notification = Notification.objects.create(
        recipient=spoc_a, subject="Something", link="//evil.example/"
    )
    client.force_login(spoc_a)
    response = client.get(reverse("notification_open", args=[notification.code]))
    assert response.status_code == 400


def test_notifications_need_sign_in(client, spoc_a):
    (notification,) = notify(recipients=[spoc_a], subject="Something", link=LINK)
    for url in [reverse("notifications"), reverse("notification_open", args=[notification.code])]:
        assert client.get(url)["Location"].startswith(reverse("account_login"))


def test_the_notifications_page_answers_in_the_same_queries_however_many_there_are(
    client, spoc_a, django_assert_max_num_queries
):
    client.force_login(spoc_a)
    notify(recipients=[spoc_a], subject="Something", link=LINK)
    with django_assert_max_num_queries(8) as few:
        client.get(reverse("notifications"))
    for n in range(60):
        notify(recipients=[spoc_a], subject=f"Something {n}", link=LINK)
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get(reverse("notifications")).content.decode()
    assert page.count(">New</strong>") == 25


def test_a_disabled_account_is_not_notified(spoc_a, staff_a):
    from ssp.models import Notification
    from ssp.notifications import notify

    staff_a.is_active = False
    staff_a.save()
    created = notify(recipients=[spoc_a, staff_a], subject="Something to look at", link="/")
    assert [n.recipient for n in created] == [spoc_a]
    assert not Notification.objects.filter(recipient=staff_a).exists()

"""Staff logging concerns while one fault at a time is injected: is anything lost?

Runs gunicorn, a Celery worker with beat, a redis-server of its own and an SMTP sink of its
own, all on loopback; BENCH_FAULT_STAFF people (default 10) log concerns for
BENCH_FAULT_SECONDS (default 6) per scenario through the real form, while the scenario's
fault holds; then the fault is healed and the outbox given up to 45 s to drain. For each
scenario it prints the requests made, the 5xx answers, the concerns the server confirmed (a
redirect to the new concern), the rows in PostgreSQL, the notifications written and sent,
and the e-mails the sink received. Nothing is lost when confirmed = rows and notifications
= sent = e-mails (or more e-mails: delivery is at least once).

    .venv/bin/python bench/faults.py

It uses its own database (ssp_bench_faults, dropped afterwards) and never the machine's Redis.
"""

import http.client
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from aiosmtpd.controller import Controller  # noqa: E402

from bench import harness  # noqa: E402

STAFF = int(os.environ.get("BENCH_FAULT_STAFF", "10"))
SECONDS = float(os.environ.get("BENCH_FAULT_SECONDS", "6"))
DRAIN_SECONDS = 45
SCENARIOS = ["no fault", "Redis frozen", "Redis stopped", "worker killed", "mail server down"]
TOKEN = re.compile(rb'name="csrfmiddlewaretoken" value="([^"]+)"')
CREATED = re.compile(r"^/concerns/[0-9a-f-]{36}/$")

harness.DB_NAME = os.environ.get("BENCH_DB_NAME", "ssp_bench_faults")
harness.SCHOOLS = 2
harness.PUPILS_PER_SCHOOL = 20
harness.STAFF_PER_SCHOOL = max(2, STAFF // 2 + 1)


class Redis:
    def __init__(self):
        self.port = harness.free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process = None

    def start(self):
        self.process = subprocess.Popen(
            [shutil.which("redis-server"), "--port", str(self.port), "--bind", "127.0.0.1",
             "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        time.sleep(0.3)

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGCONT)
            self.process.terminate()
            self.process.wait(timeout=10)


class Sink:
    def __init__(self):
        self.messages = []
        self.port = harness.free_port()
        self.controller = None

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(envelope.content.decode("utf-8", "replace"))
        return "250 OK"

    def start(self):
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self):
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


class Worker:
    def __init__(self, log):
        self.log = log
        self.process = None

    def start(self):
        self.process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "ssp", "worker", "-B", "--pool=solo",
             "--without-gossip", "--without-mingle", "--without-heartbeat",
             "--loglevel=WARNING", "--schedule", str(Path(self.log.name).with_name("beat")),
             "--hostname", f"bench-faults-{os.getpid()}@localhost"],
            cwd=ROOT, stdout=self.log, stderr=subprocess.STDOUT,
        )  # fmt: skip

    def kill(self):
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()


def log_concerns(port, cookie, pupil_code, scenario, until, tally, lock):
    """One person logging concerns through the form until the time is up."""
    n = 0
    while time.monotonic() < until:
        n += 1
        outcome = "error"
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            conn.request("GET", "/concerns/new/", headers={"Cookie": cookie})
            page = conn.getresponse()
            body = page.read()
            csrf = re.search(r"csrftoken=([^;]+)", page.getheader("Set-Cookie") or "")
            token = TOKEN.search(body)
            if page.status != 200 or not csrf or not token:
                outcome = f"{page.status} form"
            else:
                yesterday = time.localtime(time.time() - 86400)
                form = {
                    "csrfmiddlewaretoken": token.group(1).decode(),
                    "category": "bullying",
                    "narrative": f"Bench fault: {scenario} #{n}",
                    "happened_on_0": str(yesterday.tm_mday),
                    "happened_on_1": str(yesterday.tm_mon),
                    "happened_on_2": str(yesterday.tm_year),
                    "happened_time": "12:30",
                    "location": "in_school",
                    "immediate_risk": random.choice(["yes", "no"]),
                    "pupils": pupil_code,
                    f"role_{pupil_code}": "victim",
                    "submit": "1",
                }
                conn.request(
                    "POST",
                    "/concerns/new/",
                    body=urlencode(form),
                    headers={
                        "Cookie": f"{cookie}; csrftoken={csrf.group(1)}",
                        "Content-Type": "application/x-www-form-urlencoded",
                    },
                )
                answer = conn.getresponse()
                answer.read()
                location = answer.getheader("Location") or ""
                if answer.status == 302 and CREATED.match(location):
                    outcome = "confirmed"
                else:
                    outcome = str(answer.status)
            conn.close()
        except OSError as error:
            outcome = type(error).__name__
        with lock:
            tally[outcome] = tally.get(outcome, 0) + 1


def run_scenario(scenario, port, people, redis, worker, sink):
    from incidents.models import Concern
    from ssp.models import Notification

    if scenario == "Redis frozen":
        redis.process.send_signal(signal.SIGSTOP)
    elif scenario == "Redis stopped":
        redis.stop()
    elif scenario == "worker killed":
        worker.kill()
    elif scenario == "mail server down":
        sink.stop()
    tally, lock = {}, threading.Lock()
    until = time.monotonic() + SECONDS
    threads = [
        threading.Thread(target=log_concerns, args=(port, c, p, scenario, until, tally, lock))
        for c, p in people
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    if scenario == "Redis frozen":
        redis.process.send_signal(signal.SIGCONT)
    elif scenario == "Redis stopped":
        redis.start()
    elif scenario == "worker killed":
        worker.start()
    elif scenario == "mail server down":
        sink.start()
    healed = time.monotonic()
    concerns = Concern.objects.filter(narrative__startswith=f"Bench fault: {scenario} #")
    links = [f"/concerns/{code}/" for code in concerns.values_list("code", flat=True)]
    notifications = Notification.objects.filter(link__in=links)
    while notifications.filter(email_sent_at__isnull=True).exists():
        if time.monotonic() - healed > DRAIN_SECONDS:
            break
        time.sleep(0.5)
    drained = time.monotonic() - healed
    emails = sum(1 for m in sink.messages for link in links if link in m)
    return {
        "scenario": scenario,
        "requests": sum(tally.values()),
        "5xx": sum(n for k, n in tally.items() if k.startswith("5")),
        "confirmed": tally.get("confirmed", 0),
        "rows": concerns.count(),
        "notifications": notifications.count(),
        "sent": notifications.filter(email_sent_at__isnull=False).count(),
        "e-mails": emails,
        "drained in": f"{drained:.0f} s",
        "other": {k: n for k, n in tally.items() if k != "confirmed"},
    }


def main() -> int:
    redis, sink = Redis(), Sink()
    redis.start()
    sink.start()
    harness.REDIS_URL = redis.url
    os.environ.update(
        {
            "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": str(sink.port),
        }
    )

    def run(server, deadline):
        from ssp.models import User

        cast = harness.seed_cast(random.Random(14))
        from schools.models import Pupil

        people = []
        for school_pk, user_pks in cast.staff.items():
            pupil = Pupil.objects.filter(pk__in=cast.pupils[school_pk]).first()
            for user in User.objects.filter(pk__in=user_pks):
                people.append((harness.session_cookie(user), str(pupil.code)))
        people = people[:STAFF]
        harness.started(server)
        with (
            tempfile.TemporaryDirectory(prefix="bench-faults-") as folder,
            open(Path(folder) / "worker.log", "w") as log,
        ):
            worker = Worker(log)
            worker.start()
            time.sleep(5)
            rows = []
            try:
                for scenario in SCENARIOS:
                    harness.check(deadline, scenario)
                    rows.append(run_scenario(scenario, server.port, people, redis, worker, sink))
                    print(rows[-1], flush=True)
            finally:
                worker.stop()
        print(f"\n{STAFF} people logging concerns for {SECONDS:g} s per scenario")
        keys = ["scenario", "requests", "5xx", "confirmed", "rows", "notifications", "sent"]
        keys += ["e-mails", "drained in"]
        print("".join(f"{k:>14}" if k != "scenario" else f"{k:<18}" for k in keys))
        for row in rows:
            print("".join(f"{row[k]!s:>14}" if k != "scenario" else f"{row[k]:<18}" for k in keys))
        lost = [
            r["scenario"]
            for r in rows
            if r["confirmed"] > r["rows"] or r["sent"] < r["notifications"]
        ]
        print("Nothing lost." if not lost else f"LOST in: {', '.join(lost)}")
        return 1 if lost else 0

    try:
        return harness.main(__doc__, run)
    finally:
        sink.stop()
        redis.stop()


if __name__ == "__main__":
    sys.exit(main())

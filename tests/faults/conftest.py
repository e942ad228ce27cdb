"""The fault suite: the portal with its own Redis (and mail server) broken on purpose.

Every test here starts a redis-server of its own on a free loopback port and points the
cache and the Celery broker at it, so stopping or freezing it never touches the machine's
shared Redis. A frozen server is always thawed and stopped in teardown.
"""

import os

import pytest
from django.core.cache import caches

from tests.ssp.test_outbox import REDIS_SERVER, RedisServer, celery_broker, free_port


@pytest.fixture
def own_redis(settings, db):
    # Without redis-server the suite fails rather than skips: it runs on real services.
    assert REDIS_SERVER, "redis-server is needed to stop and freeze a Redis of our own"
    server = RedisServer(free_port())
    server.start()
    try:
        settings.CACHES = {
            **settings.CACHES,
            "default": {**settings.CACHES["default"], "LOCATION": server.url},
        }
        if "fallback" in settings.CACHES:
            caches["fallback"].clear()  # what an earlier outage left in the database
        with celery_broker(server.url):
            yield server
    finally:
        server.stop()


@pytest.fixture(params=["stopped", "frozen"])
def redis_gone(request, own_redis):
    """The portal's Redis, stopped (connections refused) or frozen (SIGSTOP: no answers)."""
    if request.param == "stopped":
        own_redis.stop()
    else:
        own_redis.freeze()
    return request.param


@pytest.fixture
def fake_pg_dump(tmp_path, monkeypatch):
    """Put first on PATH a `pg_dump` that only prints the version it is given."""
    path = os.environ["PATH"]

    def install(version: str) -> None:
        bin_dir = tmp_path / "bin"
        bin_dir.mkdir(exist_ok=True)
        program = bin_dir / "pg_dump"
        program.write_text(f"#!/bin/sh\necho 'pg_dump (PostgreSQL) {version}'\n")
        program.chmod(0o755)
        monkeypatch.setenv("PATH", f"{bin_dir}:{path}")

    return install

"""`/healthz` tells the load balancer which services answer, without signing in."""

import json

import pytest
from health_check.exceptions import ServiceUnavailable

from tests.ssp.test_outbox import celery_broker, free_port


def test_healthz_answers_200_and_names_each_service_when_all_answer(client, own_redis):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert json.loads(response.content) == {
        "status": "ok",
        "checks": {"database": "ok", "storage": "ok", "redis": "ok", "celery_broker": "ok"},
    }
    assert "no-store" in response["Cache-Control"]


@pytest.mark.parametrize("fault", ["stopped", "frozen"])
def test_healthz_stays_200_but_degraded_naming_redis_and_the_broker_when_redis_is_gone(
    client, own_redis, fault
):
    # The portal works without Redis: every node shares it, so a 503 would take them all out.
    if fault == "stopped":
        own_redis.stop()
    else:
        own_redis.freeze()
    response = client.get("/healthz")
    assert response.status_code == 200
    assert json.loads(response.content) == {
        "status": "degraded",
        "checks": {
            "database": "ok",
            "storage": "ok",
            "redis": "unavailable",
            "celery_broker": "unavailable",
        },
    }


def test_healthz_answers_503_when_the_attachments_folder_is_not_writable(
    client, own_redis, settings, tmp_path
):
    # Under a plain file nothing can be written, whoever runs the tests (root included).
    (tmp_path / "not-a-folder").write_text("")
    settings.MEDIA_ROOT = tmp_path / "not-a-folder" / "private"
    response = client.get("/healthz")
    assert response.status_code == 503
    assert json.loads(response.content)["checks"]["storage"] == "unavailable"


def test_healthz_says_nothing_about_people_or_hosts(client, own_redis, staff_a):
    with celery_broker(f"redis://127.0.0.1:{free_port()}/0"):
        body = client.get("/healthz").content.decode()
    for secret in ["127.0.0.1", "redis://", "postgres", staff_a.email, "Stella"]:
        assert secret not in body


@pytest.mark.parametrize("fault", ["stopped", "frozen"])
def test_healthz_answers_503_when_storage_fails_even_while_redis_is_also_gone(
    client, own_redis, settings, tmp_path, fault
):
    if fault == "stopped":
        own_redis.stop()
    else:
        own_redis.freeze()
    (tmp_path / "not-a-folder").write_text("")
    settings.MEDIA_ROOT = tmp_path / "not-a-folder" / "private"
    response = client.get("/healthz")
    assert response.status_code == 503
    body = json.loads(response.content)
    assert body["status"] == "unavailable"
    assert body["checks"]["storage"] == body["checks"]["redis"] == "unavailable"


def test_healthz_answers_503_when_the_database_does_not_answer(client, own_redis, monkeypatch):
    from health_check.checks import Database

    def refuse(self):
        raise ServiceUnavailable("the database does not answer")

    monkeypatch.setattr(Database, "run", refuse)
    response = client.get("/healthz")
    assert response.status_code == 503
    body = json.loads(response.content)
    assert body["status"] == "unavailable"
    assert body["checks"] == {
        "database": "unavailable",
        "storage": "ok",
        "redis": "ok",
        "celery_broker": "ok",
    }

"""`/healthz` tells the load balancer which services answer, without signing in."""

import json

import pytest

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
def test_healthz_answers_503_naming_redis_and_the_broker_when_redis_is_gone(
    client, own_redis, fault
):
    if fault == "stopped":
        own_redis.stop()
    else:
        own_redis.freeze()
    response = client.get("/healthz")
    assert response.status_code == 503
    assert json.loads(response.content) == {
        "status": "unavailable",
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

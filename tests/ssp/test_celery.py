from django.conf import settings

from ssp.celery import app


def test_celery_uses_redis_and_never_runs_tasks_inline_in_tests():
    assert app.conf.broker_url.startswith("redis://")
    assert app.conf.task_always_eager is False
    assert app.conf.task_acks_late is True


def test_broker_calls_carry_short_timeouts():
    # A frozen Redis must not hold a request for long.
    assert settings.CELERY_BROKER_CONNECTION_TIMEOUT <= 5
    assert settings.CELERY_BROKER_TRANSPORT_OPTIONS["socket_timeout"] <= 5
    assert settings.CACHES["default"]["OPTIONS"]["socket_timeout"] <= 5

"""`/healthz` for the load balancer and monitoring: each service the portal uses, checked.

The checks are django-health-check's, each with a short timeout. The answer names only the
services and whether they answered (details go to the log): no personal data, no hosts, no
versions. 503 only when the node cannot work (the database or the attachments storage does
not answer); Redis and the Celery broker not answering is "degraded", still 200, because
the portal keeps working without them (sessions, throttling and the cache fall back to the
database, notifications wait in the outbox): a load balancer must not take every node out
for a Redis they all share. Each check is still listed with what it answered.

Celery is checked as "the broker takes connections", not "a worker answers": a worker
ping costs every probe a round trip through every worker, and with no worker running the
outbox keeps every notification until one starts (README, Operations).
"""

import asyncio
import dataclasses
import datetime

from asgiref.sync import async_to_sync
from django.conf import settings
from django.http import JsonResponse
from django.utils.cache import add_never_cache_headers
from django.views.decorators.http import require_GET
from health_check.base import HealthCheck
from health_check.checks import Database, Storage
from health_check.contrib.redis import Redis
from health_check.exceptions import ServiceUnavailable
from redis.asyncio import Redis as AsyncRedis

from .celery import app as celery_app

TIMEOUT_SECONDS = 1
# Without these the node cannot serve: the load balancer takes it out (503).
ESSENTIAL = frozenset({"database", "storage"})


@dataclasses.dataclass
class CeleryBroker(HealthCheck):
    """The Celery broker takes a connection (one attempt, short timeouts)."""

    timeout = datetime.timedelta(seconds=TIMEOUT_SECONDS)

    def run(self):
        try:
            with celery_app.connection_for_write() as connection:
                connection.ensure_connection(max_retries=0, timeout=TIMEOUT_SECONDS)
        except Exception as error:
            raise ServiceUnavailable("The Celery broker does not take connections") from error


def _redis_client():
    return AsyncRedis.from_url(
        settings.CACHES["default"]["LOCATION"],
        socket_timeout=TIMEOUT_SECONDS,
        socket_connect_timeout=TIMEOUT_SECONDS,
    )


def _checks() -> dict[str, HealthCheck]:
    checks = {"database": Database(), "storage": Storage()}
    if settings.CACHES["default"]["BACKEND"].endswith("RedisCache"):
        checks["redis"] = Redis(client_factory=_redis_client)
    if not settings.CELERY_TASK_ALWAYS_EAGER:
        checks["celery_broker"] = CeleryBroker()
    return checks


async def _run(checks: dict[str, HealthCheck]) -> dict[str, bool]:
    results = await asyncio.gather(*(check.get_result() for check in checks.values()))
    return {name: result.error is None for name, result in zip(checks, results, strict=True)}


def _status(answered: dict[str, bool]) -> str:
    if all(answered.values()):
        return "ok"
    if all(ok for name, ok in answered.items() if name in ESSENTIAL):
        return "degraded"
    return "unavailable"


@require_GET
def healthz(request):
    answered = async_to_sync(_run)(_checks())
    status = _status(answered)
    response = JsonResponse(
        {
            "status": status,
            "checks": {name: "ok" if ok else "unavailable" for name, ok in answered.items()},
        },
        status=503 if status == "unavailable" else 200,
    )
    add_never_cache_headers(response)
    return response

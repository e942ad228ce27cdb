from celery import shared_task
from django.db import InterfaceError, OperationalError

from . import services


@shared_task
def retention_sweep() -> dict:
    return services.retention_sweep()


# acks_late: a worker that dies mid-run leaves the message to run again; decisions that have
# their certificate are skipped, so a second run disposes of nothing twice.
@shared_task(
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=30,
    max_retries=5,
)
def dispose_decided(pks: list[int]) -> int:
    return services.disposal_run(decision_pks=pks)

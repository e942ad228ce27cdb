from celery import shared_task

from .intake import gias_services
from .models import Intake


# acks_late: a worker that dies mid-read leaves the message to be delivered again; the
# preview service starts over from the file and ignores an intake it has finished.
@shared_task(acks_late=True, reject_on_worker_lost=True)
def gias_preview(intake_id: int) -> str:
    intake = Intake.objects.filter(pk=intake_id, kind=Intake.Kind.GIAS).first()
    if intake is None:
        return "missing"
    return gias_services.gias_preview(intake=intake).status

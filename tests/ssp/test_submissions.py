"""The one-time tokens of create forms do not pile up: beat sweeps those older than a day."""

import uuid
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from ssp.models import Submission
from ssp.tasks import sweep_submissions


def test_beat_sweeps_tokens_older_than_a_day_and_keeps_recent_ones(staff_a):
    old, recent = (
        Submission.objects.create(token=uuid.uuid4(), user=staff_a, made="incidents.concern")
        for _ in range(2)
    )
    Submission.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(hours=25))
    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "ssp.tasks.sweep_submissions" in scheduled
    assert sweep_submissions() == 1
    assert list(Submission.objects.values_list("pk", flat=True)) == [recent.pk]

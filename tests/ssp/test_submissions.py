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


def test_a_create_says_whether_it_made_the_record_or_replayed_the_first(head_a, school_a):
    from schools.services import invitation_create
    from ssp.roles import Role

    once = uuid.uuid4()
    details = dict(
        by=head_a, role=Role.STAFF, school=school_a, email="new.teacher@example.org",
        first_name="New", last_name="Teacher",
    )  # fmt: skip
    first = invitation_create(**details, once=once)
    again = invitation_create(**details, once=once)
    without_token = invitation_create(**{**details, "email": "other@example.org"})
    assert (first.replayed, again.replayed, without_token.replayed) == (False, True, False)
    assert again.pk == first.pk
    assert first.token and without_token.token

"""An Operation Encompass notification that matched no pupil on the roll is still the school's
record about a child: the daily job reviews it from the date of birth it carries, and it is
disposed of like any other (issue 13). Before, no pupil's holdings found it, so it stayed for
ever."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from encompass import services as encompass
from encompass.models import Notification as EncompassNotification
from records import services, tasks
from records.models import DisposalCertificate, LegalHold, Review, ReviewDecision

pytestmark = pytest.mark.django_db

BORN = dt.date(2013, 9, 1)
# Date of birth + 25 years: due from 1 September 2038.
BEFORE = dt.datetime(2038, 8, 30, 9, tzinfo=dt.UTC)
AFTER = dt.datetime(2038, 9, 2, 9, tzinfo=dt.UTC)


@pytest.fixture
def unmatched(school_a, sergeant, sspo_a):
    notification, _ = encompass.receive(
        school=school_a,
        sender=sergeant,
        details={
            "child_first_name": "Ottoline",
            "child_last_name": "Quillfeather",
            "child_date_of_birth": BORN,
            "police_reference": "DA/2026/0777",
            "incident_at": timezone.now() - dt.timedelta(hours=3),
            "incident_location": "Her home",
            "child_presence": "present",
            "child_whereabouts": "",
            "voice_of_child": "",
            "circumstances": "Argument between adults.",
            "other_information": "",
        },
    )
    assert notification.pupil is None  # nobody on the roll fits
    return notification


def test_an_unmatched_notification_is_reviewed_from_the_birth_it_carries(unmatched, head_a):
    with time_machine.travel(BEFORE, tick=False):
        services.retention_sweep()
    assert not Review.objects.filter(record_code=unmatched.code).exists()

    with time_machine.travel(AFTER, tick=False):
        services.retention_sweep()
    review = Review.objects.get(record_code=unmatched.code)
    assert (review.kind, review.school_id, review.due_on) == (
        "encompass_notification",
        unmatched.school_id,
        dt.date(2038, 9, 1),
    )


def test_its_owner_sees_it_on_the_list_and_disposes_of_it(client, unmatched, head_a):
    with time_machine.travel(AFTER, tick=False):
        services.retention_sweep()
        review = Review.objects.get(record_code=unmatched.code)
        client.force_login(head_a)
        page = client.get(reverse("records:review_list")).content.decode()
        assert f"review-{review.code}" in page and "Quillfeather" not in page
        response = client.post(reverse("records:review_dispose", args=[review.code]))
        assert response.status_code == 302
    pending = ReviewDecision.objects.filter(decision="dispose", certificate_code__isnull=True)
    tasks.dispose_decided(list(pending.values_list("pk", flat=True)))

    assert not EncompassNotification.objects.filter(pk=unmatched.pk).exists()
    assert not EncompassNotification.history.model.objects.filter(id=unmatched.pk).exists()
    certificate = DisposalCertificate.objects.get(kind="encompass_notification")
    assert (certificate.disposed, certificate.school_id) == (1, unmatched.school_id)


def test_a_hold_on_the_notification_itself_keeps_it(unmatched, head_a):
    with time_machine.travel(AFTER, tick=False):
        services.retention_sweep()
        review = Review.objects.get(record_code=unmatched.code)
        LegalHold.objects.create(
            kind="encompass_notification",
            record_code=unmatched.code,
            school=unmatched.school,
            reason="Family court proceedings",
            placed_by=head_a,
        )
        assert services.held_codes([review]) == {unmatched.code}

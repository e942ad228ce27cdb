"""The issue's "Done when", walked with the clock moved (time-machine): a concern passes its
review date, the daily job lists it, the head keeps it with a reason and a new date; the clock
moves past that date, the job lists it again, the head disposes of it and a certificate stays,
and the concern is really gone. Separately, a legal hold stops the disposal until it is
lifted."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from incidents.models import Concern
from records import services, tasks
from records.models import DisposalCertificate, Review, ReviewDecision
from ssp.models import Notification

pytestmark = pytest.mark.django_db

# Amelia (pupil_a) was born on 1 May 2012: her school's records are reviewed from 1 May 2037.
DUE = dt.datetime(2037, 5, 2, 9, tzinfo=dt.UTC)
KEPT_UNTIL = dt.date(2040, 1, 1)
LATER = dt.datetime(2040, 1, 2, 9, tzinfo=dt.UTC)


def _keep(client, review):
    return client.post(
        reverse("records:review_keep", args=[review.code]),
        {
            "reason": "Her brother's case is still open",
            "next_review_on_0": str(KEPT_UNTIL.day),
            "next_review_on_1": str(KEPT_UNTIL.month),
            "next_review_on_2": str(KEPT_UNTIL.year),
        },
    )


def _run_the_workers_disposals():
    """What the worker does with the queued task (tests never run tasks inline)."""
    pending = ReviewDecision.objects.filter(
        decision="dispose", certificate_code__isnull=True
    ).values_list("pk", flat=True)
    return tasks.dispose_decided(list(pending))


def test_review_keep_review_again_dispose_certificate(client, concern_a, head_a, pupil_a):
    with time_machine.travel(DUE, tick=False):
        # The concern, and Amelia's own pupil record (reviewed from her birth too).
        assert services.retention_sweep()["due"] == 2
        assert set(Review.objects.values_list("kind", flat=True)) == {"concern", "pupil"}
        review = Review.objects.get(record_code=concern_a.code)
        assert Notification.objects.filter(recipient=head_a).count() == 1
        client.force_login(head_a)
        page = client.get(reverse("records:review_list")).content.decode()
        assert concern_a.reference in page and "AA" in page
        assert _keep(client, review).status_code == 302
    review.refresh_from_db()
    assert (review.state, review.due_on) == (Review.State.KEPT, KEPT_UNTIL)

    with time_machine.travel(dt.datetime(2039, 6, 1, tzinfo=dt.UTC), tick=False):
        swept = services.retention_sweep()
        assert (swept["due"], swept["reopened"], swept["told"]) == (0, 0, 0)

    with time_machine.travel(LATER, tick=False):
        assert services.retention_sweep()["reopened"] == 1
        client.force_login(head_a)
        assert concern_a.reference in client.get(reverse("records:review_list")).content.decode()
        page = client.get(reverse("records:review_dispose", args=[review.code])).content
        assert b"cannot be undone" in page
        response = client.post(reverse("records:review_dispose", args=[review.code]))
        assert response.status_code == 302
        assert _run_the_workers_disposals() == 1
        # The same decision's task delivered twice disposes of nothing more.
        assert _run_the_workers_disposals() == 0

        review.refresh_from_db()
        assert review.state == Review.State.DISPOSED
        assert not Concern.objects.filter(code=concern_a.code).exists()
        decision = ReviewDecision.objects.get(decision="dispose")
        certificate = DisposalCertificate.objects.get(code=decision.certificate_code)
        assert (certificate.kind, certificate.disposed, certificate.by) == ("concern", 1, head_a)
        assert "25 years after the pupil's date of birth" in certificate.rule
        response = client.get(reverse("disposal_detail", args=[certificate.code]))
        assert response.status_code == 200
        # Off the list, and the job does not list it again.
        assert (
            concern_a.reference not in client.get(reverse("records:review_list")).content.decode()
        )
        assert services.retention_sweep()["due"] == 0


def test_a_legal_hold_stops_the_disposal_until_it_is_lifted(
    client, concern_a, head_a, pupil_a, school_a
):
    with time_machine.travel(DUE, tick=False):
        services.retention_sweep()
        review = Review.objects.get(record_code=concern_a.code)
        client.force_login(head_a)
        client.post(
            reverse("records:hold_pupil", args=[pupil_a.code]),
            {"reason": "Independent inquiry into child sexual abuse", "reference": "IICSA/7"},
        )
        assert b"On legal hold" in client.get(reverse("records:review_list")).content
        refused = client.post(reverse("records:review_dispose", args=[review.code]))
        assert refused.status_code == 200 and b"on legal hold" in refused.content
        assert Concern.objects.filter(code=concern_a.code).exists()

        # Decided before the hold, disposed of after it: the worker leaves it for review.
        services.hold_lift(
            hold=pupil_a.legal_holds.get(), by=head_a, reason="Inquiry closed its hearings"
        )
        client.post(reverse("records:review_dispose", args=[review.code]))
        services.hold_place(by=head_a, school=school_a, pupil=pupil_a, reason="Reopened")
        assert _run_the_workers_disposals() == 0
        review.refresh_from_db()
        assert review.state == Review.State.DUE
        assert Concern.objects.filter(code=concern_a.code).exists()

        services.hold_lift(
            hold=pupil_a.legal_holds.get(lifted_at=None), by=head_a, reason="Closed"
        )
        client.post(reverse("records:review_dispose", args=[review.code]))
        assert _run_the_workers_disposals() == 1
        assert not Concern.objects.filter(code=concern_a.code).exists()

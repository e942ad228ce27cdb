"""A disposal run works in short batches, each its own transaction: a crash in the middle of
one loses that batch whole, and resuming finishes with the right totals and certificate.
The door the triggers open is the batch's own transaction, never another one's."""

import threading

import pytest
from django.db import DatabaseError, connection, connections, transaction

from incidents.models import Concern, ConcernEvent, ConcernPupil
from records import disposal
from records.models import DisposalCertificate, DisposalItem, DisposalRun
from tests.factories import PupilFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def concerns(make_concern, school_a, staff_a):
    pupil = PupilFactory(school=school_a)
    return [make_concern(school=school_a, reported_by=staff_a, pupils=[pupil]) for _ in range(5)]


class Crash(Exception):
    pass


def test_a_crash_mid_batch_loses_that_batch_whole_and_resume_finishes(
    concerns, head_a, monkeypatch
):
    real = disposal._forget_mentions
    calls = []

    def crash_on_the_second_batch(*args, **kwargs):
        calls.append(1)
        real(*args, **kwargs)
        if len(calls) == 2:  # the batch's rows are deleted by now, not yet committed
            raise Crash

    monkeypatch.setattr(disposal, "_forget_mentions", crash_on_the_second_batch)
    codes = [c.code for c in concerns]
    with pytest.raises(Crash):
        disposal.dispose(kind="concern", codes=codes, by=head_a, rule="R", batch_size=2)

    run = DisposalRun.objects.get()
    assert (run.state, run.batches, run.disposed) == ("running", 1, 2)
    left = Concern.objects.order_by("pk")
    assert list(left) == concerns[2:]
    for concern in left:  # nothing half-deleted: every remaining one is whole
        assert ConcernEvent.objects.filter(concern=concern).exists()
        assert ConcernPupil.objects.filter(concern=concern).exists()
        assert Concern.history.filter(id=concern.pk).exists()
    assert DisposalItem.objects.filter(run=run, state="pending").count() == 3
    assert not DisposalCertificate.objects.exists()

    certificate = disposal.resume(run=run)

    assert (certificate.disposed, certificate.held, certificate.batches) == (5, 0, 3)
    assert not Concern.objects.exists() and not ConcernEvent.objects.exists()
    assert not DisposalItem.objects.exists()
    assert disposal.resume(run=run) == certificate  # resuming a finished run changes nothing


def test_a_delete_in_another_transaction_naming_the_running_batch_is_refused(concerns, head_a):
    concern = concerns[0]
    run = disposal.start(kind="concern", codes=[concern.code], by=head_a, rule="R")
    claimed, tried = threading.Event(), threading.Event()

    def batch():  # the run's batch: claims the run and waits while the other one tries
        try:
            with transaction.atomic():
                assert disposal._claim(run)
                claimed.set()
                tried.wait(10)
        finally:
            connections.close_all()

    worker = threading.Thread(target=batch)
    worker.start()
    assert claimed.wait(10)
    try:
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT set_config('records.disposal_run', %s, true)", [str(run.pk)])
            cursor.execute(
                "DELETE FROM incidents_concernevent WHERE concern_id = %s", [concern.pk]
            )
    finally:
        tried.set()
        worker.join()
    assert ConcernEvent.objects.filter(concern=concern).exists()
    assert disposal.resume(run=run).disposed == 1

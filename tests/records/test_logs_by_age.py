"""The access log and notifications are removed by age under the force's rule, by the daily
job, with a certificate that says so (issue 13: "access-log and notification rows after a set
number of years"). The seeded rules: the access log 6 years, notifications 2."""

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from records import disposal, services
from records.models import DisposalCertificate, DisposalRun, RetentionRule
from ssp.models import AccessLog, Notification

pytestmark = pytest.mark.django_db

WRITTEN = dt.datetime(2027, 3, 1, 9, tzinfo=dt.UTC)
# Two years and a day on: notifications are due, the access log (6 years) is not.
NOTIFICATIONS_DUE = dt.datetime(2029, 3, 2, 3, 30, tzinfo=dt.UTC)
# Six years and a day on: both are due.
BOTH_DUE = dt.datetime(2033, 3, 2, 3, 30, tzinfo=dt.UTC)


def _write(when, recipient, n=1):
    with time_machine.travel(when, tick=False):
        notes = [
            Notification.objects.create(recipient=recipient, subject="Look", link="/")
            for _ in range(n)
        ]
        for note in notes:  # a history row of a change, as marking it read writes
            note.read_at = when
            note.save()
        logs = [
            AccessLog.objects.create(action="read", object_type="concern", outcome="allowed")
            for _ in range(n)
        ]
    return notes, logs


def _sweep(when):
    with time_machine.travel(when, tick=False):
        return services.retention_sweep()


def test_the_daily_job_removes_notifications_after_two_years_with_their_history(head_a):
    old_notes, old_logs = _write(WRITTEN, head_a, n=3)
    young_notes, young_logs = _write(WRITTEN + dt.timedelta(days=2), head_a)
    history = Notification.history.model.objects
    assert history.filter(id__in=[n.pk for n in old_notes]).count() == 6

    swept = _sweep(NOTIFICATIONS_DUE)

    assert swept["removed"] == {"notification": 3}
    assert set(Notification.objects.values_list("pk", flat=True)) == {young_notes[0].pk}
    assert not history.filter(id__in=[n.pk for n in old_notes]).exists()
    assert history.filter(id=young_notes[0].pk).count() == 2
    # The access log's rule is longer: all four rows stay.
    assert AccessLog.objects.filter(pk__in=[r.pk for r in old_logs + young_logs]).count() == 4

    certificate = DisposalCertificate.objects.get()
    assert certificate.kind == "notification"
    assert certificate.by is None  # the daily job
    assert (certificate.disposed, certificate.held, certificate.kept) == (3, 0, 0)
    assert certificate.parts == {"History rows": 6}
    assert "removed 2 years after they were written, by the daily job" in certificate.rule
    assert certificate.school is None and certificate.team is None


def test_the_access_log_goes_after_its_own_six_years_and_twice_removes_nothing_more(head_a):
    _, old_logs = _write(WRITTEN, head_a, n=2)
    with time_machine.travel(BOTH_DUE - dt.timedelta(days=10), tick=False):
        young = AccessLog.objects.create(action="read", object_type="concern", outcome="allowed")

    assert _sweep(BOTH_DUE)["removed"] == {"access_log": 2, "notification": 2}
    assert list(AccessLog.objects.values_list("pk", flat=True)) == [young.pk]
    assert DisposalCertificate.objects.count() == 2

    # The next day's job finds nothing more: no run, no certificate.
    assert _sweep(BOTH_DUE + dt.timedelta(days=1))["removed"] == {}
    assert DisposalCertificate.objects.count() == 2
    assert not DisposalRun.objects.filter(state=DisposalRun.State.RUNNING).exists()


def test_a_longer_rule_keeps_the_rows_longer(head_a):
    RetentionRule.objects.filter(school=None, kind="notification").update(years=5)
    _write(WRITTEN, head_a, n=2)
    assert _sweep(NOTIFICATIONS_DUE)["removed"] == {}
    assert Notification.objects.count() == 2
    assert _sweep(dt.datetime(2032, 3, 2, tzinfo=dt.UTC))["removed"] == {"notification": 2}


def test_a_run_a_crash_left_unfinished_is_carried_on_not_doubled(head_a):
    _write(WRITTEN, head_a, n=5)
    before = dt.datetime(2027, 3, 2, tzinfo=dt.UTC)
    run = DisposalRun.objects.create(
        kind="notification",
        label="Notifications",
        controller="portal",
        rule="Notifications: removed 2 years after they were written, by the daily job",
        before=before,
        batch_size=2,
    )
    # The crash came after one batch: two gone, its run still running.
    assert disposal._log_batch(run) is True
    assert Notification.objects.count() == 3

    assert _sweep(NOTIFICATIONS_DUE)["removed"] == {"notification": 5}
    assert Notification.objects.count() == 0
    assert DisposalRun.objects.count() == 1
    certificate = DisposalCertificate.objects.get()
    assert (certificate.run_id, certificate.batches) == (run.pk, 3)


def test_only_the_administrator_may_remove_log_rows_by_hand(head_a, sergeant, admin_user):
    _write(WRITTEN, head_a)
    cut_off = dt.datetime(2028, 1, 1, tzinfo=dt.UTC)
    for person in (head_a, sergeant):
        with pytest.raises(PermissionDenied):
            disposal.dispose_log(kind="notification", before=cut_off, by=person, rule="R")
    assert Notification.objects.count() == 1
    with pytest.raises(ValueError):
        disposal.dispose_log(kind="concern", before=cut_off, by=admin_user, rule="R")
    certificate = disposal.dispose_log(
        kind="notification", before=cut_off, by=admin_user, rule="R"
    )
    assert (certificate.disposed, certificate.by) == (1, admin_user)


def test_the_rules_page_says_the_daily_job_removes_them(client, head_a):
    client.force_login(head_a)
    page = client.get(reverse("records:rules")).content.decode()
    assert "removed 6 years after they were written, by the daily job" in page
    assert "not yet automatic" not in page


def test_log_certificates_are_the_administrators_to_read_not_a_schools(client, head_a, admin_user):
    _write(WRITTEN, head_a)
    _sweep(NOTIFICATIONS_DUE)
    certificate = DisposalCertificate.objects.get()

    client.force_login(head_a)
    assert str(certificate.code) not in client.get(reverse("disposal_list")).content.decode()
    assert client.get(reverse("disposal_detail", args=[certificate.code])).status_code == 404

    client.force_login(admin_user)
    listed = client.get(reverse("admin:records_disposalcertificate_changelist"))
    assert listed.status_code == 200
    assert reverse("admin:records_disposalcertificate_change", args=[certificate.pk]) in (
        listed.content.decode()
    )
    shown = client.get(
        reverse("admin:records_disposalcertificate_change", args=[certificate.pk])
    ).content.decode()
    assert "by the daily job" in shown
    # Read only: no one edits or removes a certificate, not even here.
    assert (
        client.post(
            reverse("admin:records_disposalcertificate_delete", args=[certificate.pk]),
            {"post": "yes"},
        ).status_code
        == 403
    )
    assert DisposalCertificate.objects.filter(pk=certificate.pk).exists()

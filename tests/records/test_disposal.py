"""Disposal really removes a record and everything that goes with it, leaves records of other
kinds standing without it, spares what a legal hold covers, and leaves a certificate."""

import datetime as dt
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.db import DatabaseError, connection, transaction

from agreements.models import Disclosure
from incidents.models import (
    Attachment,
    Concern,
    ConcernEvent,
    ConcernPupil,
    CorrectionNote,
    Incident,
    Share,
)
from records import disposal
from records.models import DisposalCertificate, DisposalItem, DisposalRun, LegalHold
from schools.models import Membership, Pupil
from ssp.models import AccessLog
from ssp.models import Notification as PortalNotification
from tests.factories import PupilFactory

pytestmark = pytest.mark.django_db

RULE = "School child-protection records: date of birth + 25 years"


@pytest.fixture
def world(records_about, school_a):
    pupil = PupilFactory(school=school_a, first_name="Zephyrine", last_name="Quillfeather")
    return pupil, records_about(pupil)


def _concern_rows(concern_pk):
    return {
        "concern": Concern.objects.filter(pk=concern_pk).count(),
        "events": ConcernEvent.objects.filter(concern_id=concern_pk).count(),
        "notes": CorrectionNote.objects.filter(concern_id=concern_pk).count(),
        "attachments": Attachment.objects.filter(concern_id=concern_pk).count(),
        "shares": Share.objects.filter(concern_id=concern_pk).count(),
        "links": ConcernPupil.objects.filter(concern_id=concern_pk).count(),
        "history": Concern.history.filter(id=concern_pk).count()
        + ConcernEvent.history.filter(concern_id=concern_pk).count()
        + CorrectionNote.history.filter(concern_id=concern_pk).count()
        + Attachment.history.filter(concern_id=concern_pk).count()
        + Share.history.filter(concern_id=concern_pk).count()
        + ConcernPupil.history.filter(concern_id=concern_pk).count(),
    }


def test_disposing_of_a_concern_removes_it_and_everything_that_goes_with_it(
    world, head_a, django_capture_on_commit_callbacks
):
    pupil, made = world
    concern, attachment = made["concern"], made["attachment"]
    stored = Path(attachment.file.path)
    assert stored.exists()
    assert all(_concern_rows(concern.pk).values())
    assert Disclosure.objects.filter(record_code=concern.code).exists()
    unsent = PortalNotification.objects.filter(link__contains=str(concern.code))
    assert unsent.exists()

    with django_capture_on_commit_callbacks(execute=True):
        certificate = disposal.dispose(kind="concern", codes=[concern.code], by=head_a, rule=RULE)

    assert not any(_concern_rows(concern.pk).values())
    assert not stored.exists()
    assert not Disclosure.objects.filter(record_code=concern.code).exists()
    assert not Disclosure.history.filter(record_code=concern.code).exists()
    assert not unsent.exists()
    assert (certificate.disposed, certificate.held, certificate.school) == (1, 0, concern.school)
    assert certificate.rule == RULE and certificate.by == head_a
    assert certificate.parts["Stored files"] == 1
    assert certificate.parts["Sharing log entries"] >= 1
    assert not DisposalItem.objects.exists()  # the run keeps no record ids once it ends
    # the pupil is still on the roll, and other records are about them: they stay
    assert Pupil.objects.filter(pk=pupil.pk).exists()


def test_a_record_made_from_a_disposed_one_keeps_itself_and_says_its_source_went(world, head_a):
    _pupil, made = world
    incident, referral = made["incident"], made["referral"]
    disposal.dispose(kind="concern", codes=[made["concern"].code], by=head_a, rule=RULE)
    incident.refresh_from_db()
    referral.refresh_from_db()
    assert incident.concern_id is None and incident.concern_disposed
    assert referral.concern_id is None and referral.concern_disposed
    assert incident.events.exists()  # the police record is untouched otherwise


def test_a_legal_hold_on_the_record_or_its_pupil_holds_it_back(
    make_concern, school_a, staff_a, head_a, pupil_a
):
    other = PupilFactory(school=school_a)
    on_record = make_concern(school=school_a, reported_by=staff_a, pupils=[other])
    on_pupil = make_concern(school=school_a, reported_by=staff_a, pupils=[pupil_a])
    free = make_concern(school=school_a, reported_by=staff_a, pupils=[other])
    LegalHold.objects.create(
        school=school_a,
        kind="concern",
        record_code=on_record.code,
        reason="IICSA",
        placed_by=head_a,
    )
    LegalHold.objects.create(school=school_a, pupil=pupil_a, reason="Inquiry", placed_by=head_a)
    lifted = LegalHold.objects.create(
        school=school_a, kind="concern", record_code=free.code, reason="Old", placed_by=head_a
    )
    LegalHold.objects.filter(pk=lifted.pk).update(lifted_at="2026-01-01T00:00Z", lifted_by=head_a)

    certificate = disposal.dispose(
        kind="concern", codes=[on_record.code, on_pupil.code, free.code], by=head_a, rule=RULE
    )

    assert (certificate.disposed, certificate.held) == (1, 2)
    assert set(Concern.objects.values_list("pk", flat=True)) == {on_record.pk, on_pupil.pk}
    # the lifted hold on the disposed record kept its code and reason: it went with it
    assert not LegalHold.objects.filter(pk=lifted.pk).exists()
    assert not LegalHold.history.filter(id=lifted.pk).exists()
    assert LegalHold.objects.in_force().count() == 2


@pytest.mark.parametrize("who", ["staff_a", "spoc_a", "head_b", "sergeant", "sspo_a"])
def test_only_the_schools_records_owners_dispose_of_its_records(
    request, who, make_concern, school_a, staff_a, pupil_a
):
    concern = make_concern(school=school_a, reported_by=staff_a, pupils=[pupil_a])
    with pytest.raises(PermissionDenied):
        disposal.dispose(
            kind="concern", codes=[concern.code], by=request.getfixturevalue(who), rule=RULE
        )
    assert Concern.objects.filter(pk=concern.pk).exists()
    assert not DisposalRun.objects.exists()


def test_the_data_protection_lead_disposes_of_the_schools_records(
    make_concern, school_a, staff_a, staff_a2, pupil_a
):
    Membership.objects.filter(user=staff_a2, school=school_a).update(is_data_protection_lead=True)
    concern = make_concern(school=school_a, reported_by=staff_a, pupils=[pupil_a])
    certificate = disposal.dispose(kind="concern", codes=[concern.code], by=staff_a2, rule=RULE)
    assert certificate.disposed == 1


def test_police_records_are_the_sergeants_to_dispose_of(world, sergeant, other_sergeant, head_a):
    _pupil, made = world
    for who in (head_a, other_sergeant):
        with pytest.raises(PermissionDenied):
            disposal.dispose(kind="incident", codes=[made["incident"].code], by=who, rule="MoPI")
    certificate = disposal.dispose(
        kind="incident", codes=[made["incident"].code], by=sergeant, rule="MoPI group 2"
    )
    assert certificate.disposed == 1 and certificate.team == sergeant.officer.team
    assert certificate.parts["Incident summaries"] == 1
    assert not Incident.objects.exists()


def test_a_pupil_who_has_left_goes_with_their_last_record(make_concern, school_a, staff_a, head_a):
    left = PupilFactory(school=school_a, left_on=dt.date(2020, 7, 20))
    staying = PupilFactory(school=school_a)
    concern = make_concern(school=school_a, reported_by=staff_a, pupils=[left, staying])
    certificate = disposal.dispose(kind="concern", codes=[concern.code], by=head_a, rule=RULE)
    assert not Pupil.objects.filter(pk=left.pk).exists()
    assert not Pupil.history.filter(id=left.pk).exists()
    assert Pupil.objects.filter(pk=staying.pk).exists()  # still on the roll
    assert certificate.parts["Pupils"] == 1


def test_a_pupil_record_is_disposed_of_only_when_nothing_is_about_them(
    make_concern, school_a, staff_a, head_a
):
    bare = PupilFactory(school=school_a)
    busy = PupilFactory(school=school_a)
    make_concern(school=school_a, reported_by=staff_a, pupils=[busy])
    certificate = disposal.dispose(
        kind="pupil", codes=[bare.code, busy.code], by=head_a, rule=RULE
    )
    assert (certificate.disposed, certificate.kept) == (1, 1)
    assert list(Pupil.objects.filter(pk__in=[bare.pk, busy.pk])) == [busy]


def test_a_certificate_names_no_record_and_cannot_be_changed(world, head_a):
    _pupil, made = world
    certificate = disposal.dispose(
        kind="concern", codes=[made["concern"].code], by=head_a, rule=RULE
    )
    text = str(DisposalCertificate.objects.filter(pk=certificate.pk).values().get())
    assert str(made["concern"].code) not in text and made["concern"].reference not in text
    for sql in (
        "UPDATE records_disposalcertificate SET disposed = 0",
        "DELETE FROM records_disposalcertificate",
    ):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql)


# --- Append-only for everyone else --------------------------------------------------------


def _refused(sql, params=(), setup=()):
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        for statement, args in setup:
            cursor.execute(statement, args)
        cursor.execute(sql, params)


def test_a_plain_delete_of_a_record_or_its_events_is_still_refused(world):
    _pupil, made = world
    concern = made["concern"]
    AccessLog.objects.create(action="read", object_type="concern", outcome="allowed")
    _refused("DELETE FROM incidents_concernevent WHERE concern_id = %s", [concern.pk])
    _refused("DELETE FROM incidents_correctionnote WHERE concern_id = %s", [concern.pk])
    _refused("DELETE FROM incidents_enquirymessage")
    _refused("DELETE FROM ssp_accesslog")
    _refused("UPDATE ssp_accesslog SET outcome = 'denied'")
    assert ConcernEvent.objects.filter(concern=concern).exists()


def test_setting_the_variable_in_another_transaction_does_not_open_the_door(world, head_a):
    """A run is running (its batch crashed, say): a transaction that names it in the variable,
    but is not its batch, is refused, even for rows the run covers."""
    _pupil, made = world
    concern = made["concern"]
    run = disposal.start(kind="concern", codes=[concern.code], by=head_a, rule=RULE)
    assert DisposalItem.objects.filter(run=run, record_id=concern.pk, state="pending").exists()
    name_it = [("SELECT set_config('records.disposal_run', %s, true)", [str(run.pk)])]
    _refused("DELETE FROM incidents_concernevent WHERE concern_id = %s", [concern.pk], name_it)
    assert ConcernEvent.objects.filter(concern=concern).exists()
    # and the run itself still finishes
    assert disposal.resume(run=run).disposed == 1


def test_the_access_log_stays_when_a_record_goes_and_names_no_one(world, head_a, client):
    _pupil, made = world
    concern = made["concern"]
    client.force_login(head_a)
    client.get(f"/concerns/{concern.code}/")
    rows = AccessLog.objects.filter(object_code=concern.code)
    assert rows.exists()
    disposal.dispose(kind="concern", codes=[concern.code], by=head_a, rule=RULE)
    assert rows.exists()  # kept under the access log's own rule: codes only, nothing to read


def test_the_file_of_an_attachment_added_by_hand_goes_too(
    make_concern,
    school_a,
    staff_a,
    head_a,
    pupil_a,
    private_storage,
    django_capture_on_commit_callbacks,
):
    concern = make_concern(school=school_a, reported_by=staff_a, pupils=[pupil_a])
    for n in range(3):
        Attachment.objects.create(
            concern=concern,
            file=ContentFile(b"%PDF-1.4", name=f"{n}.pdf"),
            original_name=f"{n}.pdf",
            content_type="application/pdf",
            size=8,
            uploaded_by=staff_a,
        )
    paths = [Path(a.file.path) for a in concern.attachments.all()]
    assert all(p.exists() for p in paths)
    with django_capture_on_commit_callbacks(execute=True):
        disposal.dispose(kind="concern", codes=[concern.code], by=head_a, rule=RULE)
    assert not any(p.exists() for p in paths)


def test_the_access_log_is_disposed_of_by_its_own_rule_and_only_before_the_cut_off(
    admin_user, head_a
):
    import time_machine
    from django.utils import timezone

    cut_off = timezone.now() - dt.timedelta(days=365 * 6)
    with time_machine.travel(cut_off - dt.timedelta(days=1)):
        old = AccessLog.objects.create(action="read", object_type="concern", outcome="allowed")
    new = AccessLog.objects.create(action="read", object_type="concern", outcome="allowed")
    assert old.at < cut_off < new.at
    with pytest.raises(PermissionDenied):
        disposal.dispose_log(
            kind="access_log", before=cut_off, by=head_a, rule="Access log: 6 years"
        )
    certificate = disposal.dispose_log(
        kind="access_log", before=cut_off, by=admin_user, rule="Access log: 6 years"
    )
    assert certificate.disposed == 1
    assert list(AccessLog.objects.values_list("pk", flat=True)) == [new.pk]


def test_a_running_access_log_batch_still_cannot_delete_a_row_after_its_cut_off(admin_user):
    from django.utils import timezone

    row = AccessLog.objects.create(action="read", object_type="concern", outcome="allowed")
    run = DisposalRun.objects.create(
        kind="access_log",
        label="Access log rows",
        controller="portal",
        rule="R",
        by=admin_user,
        before=timezone.now() - dt.timedelta(days=1),
    )
    with pytest.raises(DatabaseError), transaction.atomic():
        assert disposal._claim(run)
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM ssp_accesslog WHERE id = %s", [row.pk])
    assert AccessLog.objects.filter(pk=row.pk).exists()

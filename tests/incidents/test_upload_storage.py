"""A storage failure never loses a concern, and never leaves a file without its row.

The attachments folder is made unwritable with a regular file where the folder should be:
the tests run as root, for whom chmod stops nothing, but nobody (root included) can create
a directory or a file beneath a regular file.
"""

import datetime
import io
import os
import time

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import DataError
from django.urls import reverse
from django.utils import timezone

from incidents.models import Attachment, Concern, ConcernEvent
from incidents.services import Involvement, attachment_orphans_remove, concern_log
from incidents.tasks import remove_orphan_attachments
from incidents.uploads import CleanFile
from ssp.models import Notification
from tests.incidents.test_bad_input import PDF, post

DAY = 24 * 3600


def pdf(name="statement.pdf"):
    return SimpleUploadedFile(name, PDF, "application/pdf")


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "private"
    return settings.MEDIA_ROOT


@pytest.fixture
def unwritable_media(media):
    media.write_text("a file where the attachments folder should be")
    with pytest.raises(OSError):
        (media / "attachments").mkdir(parents=True)  # really unwritable, for root too
    return media


def files_under(media):
    return sorted(p for p in media.rglob("*") if p.is_file()) if media.is_dir() else []


def test_a_concern_is_saved_when_its_file_cannot_be_stored_and_the_reporter_is_told(
    client, staff_a, spoc_a, pupil_a, unwritable_media
):
    response = post(client, staff_a, pupil_a, files=[pdf("bruise-photo-notes.pdf")])
    concern = Concern.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("concern_detail", args=[concern.code])
    assert concern.narrative == "Pushed against the lockers and called names."
    assert not Attachment.objects.exists()
    assert Notification.objects.filter(recipient=spoc_a).exists()
    receipt = client.get(response["Location"]).content.decode()
    assert concern.reference in receipt
    assert "“bruise-photo-notes.pdf” could not be stored" in receipt
    assert "Everything you typed was saved. Give the file to your SPOC" in receipt


def test_the_spoc_sees_on_the_concern_that_a_file_is_missing(
    client, staff_a, spoc_a, pupil_a, unwritable_media
):
    post(client, staff_a, pupil_a, files=[pdf("statement.pdf")])
    concern = Concern.objects.get()
    logged = concern.events.get(kind=ConcernEvent.Kind.LOGGED)
    assert "“statement.pdf”" in logged.rationale
    client.force_login(spoc_a)
    page = client.get(reverse("concern_detail", args=[concern.code])).content.decode()
    assert "The reporter attached “statement.pdf”, but the portal could not store it." in page


def test_a_concern_whose_files_are_stored_has_no_missing_file_note(
    client, staff_a, pupil_a, media
):
    post(client, staff_a, pupil_a, files=[pdf()])
    assert Attachment.objects.get().file.read() == PDF
    assert Concern.objects.get().events.get().rationale == ""


def test_a_failure_after_the_file_is_written_leaves_no_orphan_file(
    staff_a, school_a, pupil_a, media
):
    # The row cannot be inserted (its name is longer than the column) after the file is written.
    upload = CleanFile(
        name="n" * 300 + ".pdf",
        content_type="application/pdf",
        size=len(PDF),
        file=ContentFile(PDF, name="statement.pdf"),
    )
    with pytest.raises(DataError):
        concern_log(
            by=staff_a,
            school=school_a,
            kind="concern",
            category="bullying",
            narrative="Pushed against the lockers.",
            happened_at=timezone.now() - datetime.timedelta(hours=1),
            location="in_school",
            immediate_risk=False,
            involved=[Involvement(pupil_a, "victim")],
            files=[upload],
        )
    assert not Concern.objects.exists()
    assert files_under(media) == []


def orphan(media, school, *, age_seconds, name="0" * 32):
    path = media / "attachments" / str(school.pk) / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(PDF)
    then = time.time() - age_seconds
    os.utime(path, (then, then))
    return path


def test_the_sweep_removes_files_older_than_a_day_that_no_row_names(
    client, staff_a, pupil_a, school_a, media
):
    post(client, staff_a, pupil_a, files=[pdf()])
    kept = media / Attachment.objects.get().file.name
    os.utime(kept, (time.time() - 30 * DAY,) * 2)  # an old file with its row stays
    old = orphan(media, school_a, age_seconds=DAY + 60, name="a" * 32)
    recent = orphan(media, school_a, age_seconds=DAY - 600, name="b" * 32)
    removed = attachment_orphans_remove()
    assert removed == [f"attachments/{school_a.pk}/{'a' * 32}"]
    assert not old.exists() and recent.exists() and kept.exists()


def test_the_sweep_keeps_a_file_that_only_history_still_names(staff_a, school_a, media):
    path = orphan(media, school_a, age_seconds=2 * DAY, name="c" * 32)
    Attachment.history.model.objects.create(
        id=999,
        code="00000000-0000-0000-0000-000000000999",
        concern_id=None,
        file=f"attachments/{school_a.pk}/{'c' * 32}",
        original_name="statement.pdf",
        content_type="application/pdf",
        size=len(PDF),
        uploaded_by_id=staff_a.pk,
        uploaded_at=timezone.now(),
        history_date=timezone.now(),
        history_type="-",
    )
    assert attachment_orphans_remove() == []
    assert path.exists()


def test_the_sweep_runs_daily_from_beat_as_a_task(settings, school_a, media):
    schedule = [
        entry
        for entry in settings.CELERY_BEAT_SCHEDULE.values()
        if entry["task"] == remove_orphan_attachments.name
    ]
    assert schedule and schedule[0]["schedule"] <= DAY
    path = orphan(media, school_a, age_seconds=2 * DAY)
    assert remove_orphan_attachments.apply().get() == 1
    assert not path.exists()


def test_the_sweep_has_a_management_command(school_a, media):
    path = orphan(media, school_a, age_seconds=2 * DAY)
    out = io.StringIO()
    call_command("remove_orphan_attachments", stdout=out)
    assert "1 orphan attachment file(s) removed." in out.getvalue()
    assert not path.exists()


def test_the_sweep_with_no_attachments_folder_removes_nothing(media):
    assert attachment_orphans_remove() == []

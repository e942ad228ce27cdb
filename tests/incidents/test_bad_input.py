"""Bad input is refused with a message beside the field, and what was typed comes back."""

import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from incidents.models import Attachment, Concern
from tests.incidents.test_logging import base_form

NEW = reverse("concern_new")
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def post(client, user, pupil, files=None, **overrides):
    client.force_login(user)
    data = base_form(pupils=[str(pupil.code)], **{f"role_{pupil.code}": "victim"}) | overrides
    if files:
        data["attachments"] = files
    return client.post(NEW, data)


def assert_refused_and_kept(response, message):
    body = response.content.decode()
    assert response.status_code == 200
    assert message in body
    assert "govuk-error-summary" in body
    assert "Pushed against the lockers and called names." in body  # the narrative is kept
    assert not Concern.objects.exists()
    return body


@pytest.mark.parametrize(
    "missing, message",
    [
        ("category", "Choose the category that fits best"),
        ("narrative", "Say what happened, in your own words"),
        ("happened_on", "Enter the date it happened"),
        ("location", "Choose where it happened"),
        ("immediate_risk", "Choose yes if you believe a child is at immediate risk"),
    ],
)
def test_each_missing_field_is_named_and_the_rest_kept(client, staff_a, pupil_a, missing, message):
    blank = {f"{missing}_{i}": "" for i in range(3)} if missing == "happened_on" else {missing: ""}
    response = post(client, staff_a, pupil_a, **blank)
    body = response.content.decode()
    assert message in body and "govuk-error-summary" in body
    assert not Concern.objects.exists()
    if missing != "narrative":
        assert "Pushed against the lockers and called names." in body
    if missing != "category":
        assert 'value="bullying" selected' in body


def test_no_pupil_is_refused(client, staff_a):
    client.force_login(staff_a)
    response = client.post(NEW, base_form())
    assert_refused_and_kept(response, "Add at least one pupil.")


def test_a_pupil_role_is_required(client, staff_a, pupil_a):
    response = post(client, staff_a, pupil_a, **{f"role_{pupil_a.code}": ""})
    assert_refused_and_kept(response, "role")


def test_a_pupil_from_another_school_is_refused(client, staff_a, pupil_a, pupil_b):
    client.force_login(staff_a)
    data = base_form(pupils=[str(pupil_b.code)], **{f"role_{pupil_b.code}": "victim"})
    body = assert_refused_and_kept(client.post(NEW, data), "Choose pupils from your own school")
    assert "Bella" not in body


def test_search_never_finds_pupils_of_another_school(client, staff_a, pupil_a, pupil_b):
    client.force_login(staff_a)
    body = client.post(NEW, {"search": "1", "pupil_query": "Bella"}).content.decode()
    assert 'Add <span class="govuk-visually-hidden">pupil </span>Bella' not in body
    assert "No pupil at" in body


def test_a_date_in_the_future_is_refused(client, staff_a, pupil_a):
    tomorrow = timezone.localdate() + timezone.timedelta(days=1)
    response = post(
        client,
        staff_a,
        pupil_a,
        happened_on_0=tomorrow.day,
        happened_on_1=tomorrow.month,
        happened_on_2=tomorrow.year,
    )
    assert_refused_and_kept(response, "must be today or in the past")


@pytest.mark.parametrize(
    "parts, message",
    [
        (("31", "2", "2026"), "must be a real date"),
        (("", "11", "2026"), "must include a day, month and year"),
        (("x", "11", "2026"), "must be numbers"),
    ],
)
def test_a_date_that_is_not_a_date_is_refused_and_kept(client, staff_a, pupil_a, parts, message):
    response = post(
        client, staff_a, pupil_a, **{f"happened_on_{i}": v for i, v in enumerate(parts)}
    )
    body = assert_refused_and_kept(response, message)
    assert f'name="happened_on_1" type="text" value="{parts[1]}"' in body
    assert 'href="#id_happened_on_0"' in body  # the summary links to the day box


def test_searching_keeps_a_typed_date(client, staff_a, pupil_a):
    client.force_login(staff_a)
    body = client.post(
        NEW,
        {
            "search": "1",
            "pupil_query": "Ash",
            "happened_on_0": "3",
            "happened_on_1": "11",
            "happened_on_2": "2026",
        },
    ).content.decode()
    assert 'name="happened_on_0" type="text" value="3"' in body


def test_searching_keeps_what_was_typed_and_shows_no_errors(client, staff_a, pupil_a):
    client.force_login(staff_a)
    response = client.post(
        NEW, {"search": "1", "pupil_query": "Ash", "narrative": "Kept while searching"}
    )
    body = response.content.decode()
    assert "Kept while searching" in body
    assert "govuk-error-summary" not in body


def test_an_oversized_file_is_refused(client, staff_a, pupil_a, settings):
    big = SimpleUploadedFile("report.pdf", PDF + b"0" * (10 * 1024 * 1024), "application/pdf")
    assert_refused_and_kept(post(client, staff_a, pupil_a, files=[big]), "larger than 10 MB")


def test_a_disguised_file_is_refused(client, staff_a, pupil_a):
    fake = SimpleUploadedFile(
        "notes.pdf", b"MZ\x90\x00 this is a windows program", "application/pdf"
    )
    assert_refused_and_kept(
        post(client, staff_a, pupil_a, files=[fake]), "is not really a PDF file"
    )


def test_a_type_outside_the_allow_list_is_refused(client, staff_a, pupil_a):
    html = SimpleUploadedFile("page.html", b"<script>alert(1)</script>", "text/html")
    assert_refused_and_kept(post(client, staff_a, pupil_a, files=[html]), "not an allowed type")


def test_a_filename_with_path_tricks_is_stored_under_a_server_made_name(
    client, staff_a, pupil_a, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    tricky = SimpleUploadedFile("../../../etc/passwd.pdf", PDF, "application/pdf")
    response = post(client, staff_a, pupil_a, files=[tricky])
    assert response.status_code == 302
    attachment = Attachment.objects.get()
    assert attachment.original_name == "passwd.pdf"
    assert ".." not in attachment.file.name and "passwd" not in attachment.file.name
    assert re.fullmatch(r"attachments/\d+/[0-9a-f]{32}", attachment.file.name)
    assert (tmp_path / attachment.file.name).resolve().is_relative_to(tmp_path)


@pytest.mark.parametrize(
    "category", ["indecent_images", "extreme_pornography", "extreme_violence_images"]
)
def test_image_categories_refuse_any_upload(client, staff_a, pupil_a, category):
    upload = SimpleUploadedFile("notes.pdf", PDF, "application/pdf")
    response = post(
        client,
        staff_a,
        pupil_a,
        files=[upload],
        category=category,
        image_description="Described",
        device_location="Locked in office",
        who_has_been_told="Head teacher",
    )
    assert_refused_and_kept(response, "Do not attach any file for this category")


def test_image_categories_need_a_description_instead(client, staff_a, pupil_a):
    response = post(client, staff_a, pupil_a, category="indecent_images")
    assert_refused_and_kept(response, "Say where the device is now")


def test_image_category_without_files_is_logged(client, staff_a, pupil_a):
    response = post(
        client,
        staff_a,
        pupil_a,
        category="indecent_images",
        image_description="Pupil showed a photo on their phone",
        device_location="Phone locked in the head's safe",
        who_has_been_told="DSL and parent",
    )
    assert response.status_code == 302
    assert Concern.objects.get().device_location == "Phone locked in the head's safe"


def test_image_uploads_lose_their_gps_metadata(client, staff_a, pupil_a, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    image = Image.new("RGB", (8, 8), "red")
    exif = Image.Exif()
    exif[0x010F] = "SpyCam"  # camera make
    exif[0x8825] = {1: "N", 2: (51.0, 30.0, 0.0)}  # GPS
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", exif=exif)
    assert b"SpyCam" in buffer.getvalue()
    upload = SimpleUploadedFile("photo.jpg", buffer.getvalue(), "image/jpeg")
    assert post(client, staff_a, pupil_a, files=[upload]).status_code == 302
    stored = Attachment.objects.get().file.read()
    assert b"SpyCam" not in stored
    assert not Image.open(io.BytesIO(stored)).getexif()

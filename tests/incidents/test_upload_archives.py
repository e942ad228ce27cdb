"""Word documents are ZIP archives: what their central directory declares is bounded."""

import io
import random
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from incidents.models import Attachment
from tests.incidents.test_bad_input import assert_refused_and_kept, post

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
DOCUMENT_XML = b'<?xml version="1.0"?><w:document><w:body>Statement</w:body></w:document>'


def docx(*, extra=(), zeros=0, method=zipfile.ZIP_DEFLATED) -> bytes:
    """A minimal Word document, with extra parts and optionally one part of `zeros` bytes."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=method) as archive:
        archive.writestr("[Content_Types].xml", b"<Types/>")
        archive.writestr("word/document.xml", DOCUMENT_XML)
        for name, data in extra:
            archive.writestr(name, data)
        if zeros:
            with archive.open("word/media/padding.bin", "w", force_zip64=True) as part:
                chunk = bytes(1024 * 1024)
                for _ in range(zeros // len(chunk)):
                    part.write(chunk)
    return buffer.getvalue()


def upload(data: bytes, name="statement.docx"):
    return SimpleUploadedFile(name, data, DOCX)


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def test_a_docx_that_unpacks_to_200_mb_is_refused_beside_the_field(
    client, staff_a, pupil_a, media
):
    bomb = docx(zeros=200 * 1024 * 1024)
    assert len(bomb) < 1024 * 1024  # small on disk, huge unpacked
    body = assert_refused_and_kept(
        post(client, staff_a, pupil_a, files=[upload(bomb)]),
        "“statement.docx” would unpack to 200 MB, more than the 100 MB allowed",
    )
    assert "Save it as a PDF and attach that instead." in body
    assert not Attachment.objects.exists()
    assert not list(media.rglob("*.*")) and not (media / "attachments").exists()


def test_a_docx_with_too_many_parts_is_refused(client, staff_a, pupil_a, media):
    parts = [(f"word/part{i}.xml", b"<p/>") for i in range(1001)]
    assert_refused_and_kept(
        post(client, staff_a, pupil_a, files=[upload(docx(extra=parts))]),
        "has 1,003 parts, more than the 1,000 allowed",
    )


def test_a_docx_part_packed_more_than_a_hundred_times_is_refused(client, staff_a, pupil_a, media):
    # 20 MB of zeros is within the total but no real document part packs like that.
    assert_refused_and_kept(
        post(client, staff_a, pupil_a, files=[upload(docx(zeros=20 * 1024 * 1024))]),
        "is packed far more tightly than a real document",
    )


@pytest.mark.parametrize(
    "inner", ["word/embeddings/sheet.xlsx", "word/media/more.zip", "evil/bomb.gz"]
)
def test_a_docx_with_an_archive_inside_is_refused(client, staff_a, pupil_a, media, inner):
    nested = docx()  # unpacking it is what a nested bomb relies on: never done here
    assert_refused_and_kept(
        post(client, staff_a, pupil_a, files=[upload(docx(extra=[(inner, nested)]))]),
        "has another archive or document embedded in it",
    )


def test_an_ordinary_docx_with_a_picture_is_stored(client, staff_a, pupil_a, media):
    picture = random.Random(1).randbytes(1024 * 1024)  # barely compresses, as images do
    text = b"<w:p>" + b"The pupil said they were scared to walk home. " * 5000 + b"</w:p>"
    document = docx(extra=[("word/media/image1.png", picture), ("word/notes.xml", text)])
    response = post(client, staff_a, pupil_a, files=[upload(document)])
    assert response.status_code == 302
    stored = Attachment.objects.get()
    assert stored.file.read() == document


def crafted(kind: str) -> bytes:
    data = bytearray(docx(extra=[("word/caf\u00e9.xml", b"<x/>")]))
    if kind == "a name that is not the UTF-8 it claims":
        return bytes(data.replace("caf\u00e9".encode(), b"caf\xff\xfe"))
    directory = data.find(b"PK\x01\x02")
    data[directory + 6] = 100  # needs zip version 10.0 to extract
    return bytes(data)


@pytest.mark.parametrize(
    "kind", ["a name that is not the UTF-8 it claims", "an unknown zip version"]
)
def test_a_crafted_docx_directory_is_refused_not_a_server_error(
    client, staff_a, pupil_a, media, kind
):
    assert_refused_and_kept(
        post(client, staff_a, pupil_a, files=[upload(crafted(kind))]),
        "“statement.docx” is not really a DOCX file",
    )

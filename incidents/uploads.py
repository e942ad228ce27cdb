"""Attachments: a documented allow-list, checked by content as well as by name.

| type | extensions | what the content must start with |
| --- | --- | --- |
| PDF | .pdf | `%PDF-` |
| PNG image | .png | the PNG signature |
| JPEG image | .jpg, .jpeg | `FF D8 FF` |
| Word document | .docx | a ZIP holding `word/document.xml` |
| Plain text | .txt | valid UTF-8, no NUL bytes |

At most 10 MB each, counted while the upload is read. Images are re-encoded without their
metadata (EXIF, GPS). Image categories accept no file at all (see incidents.models).
"""

import io
import zipfile
from dataclasses import dataclass
from pathlib import PurePath

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadhandler import FileUploadHandler, SkipFile
from django.utils.text import get_valid_filename
from PIL import Image, ImageOps, UnidentifiedImageError

MAX_BYTES = 10 * 1024 * 1024
MAX_FILES = 5
TYPES = {
    ".pdf": "application/pdf",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".txt": "text/plain",
}
ALLOWED_DESCRIPTION = "PDF, PNG, JPEG, Word (.docx) or plain text, up to 10 MB each"


class SizeCapUploadHandler(FileUploadHandler):
    """Stops reading a file the moment it passes the cap, and remembers that it did."""

    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        self.received = 0

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.received > MAX_BYTES:
            self.request.too_large_uploads = [
                *getattr(self.request, "too_large_uploads", []),
                self.file_name,
            ]
            raise SkipFile
        return raw_data

    def file_complete(self, file_size):
        return None


@dataclass
class CleanFile:
    name: str
    content_type: str
    size: int
    file: ContentFile


def _content_matches(ext: str, data: bytes) -> bool:
    if ext == ".pdf":
        return data.startswith(b"%PDF-")
    if ext == ".png":
        return data.startswith(b"\x89PNG\r\n\x1a\n")
    if ext in (".jpg", ".jpeg"):
        return data.startswith(b"\xff\xd8\xff")
    if ext == ".docx":
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                return "word/document.xml" in archive.namelist()
        except zipfile.BadZipFile:
            return False
    if ext == ".txt":
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            return False
        return b"\x00" not in data
    return False


def _without_metadata(data: bytes, fmt: str) -> bytes:
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            clean = ImageOps.exif_transpose(image)
            out = io.BytesIO()
            # Saving without exif=/pnginfo= writes none of the original metadata.
            clean.save(out, format=fmt)
            return out.getvalue()
    except (UnidentifiedImageError, OSError) as error:
        raise ValidationError("The image could not be read. It may be damaged.") from error


def clean_upload(upload) -> CleanFile:
    original = PurePath(upload.name.replace("\\", "/")).name  # no directories, ever
    ext = PurePath(original).suffix.lower()
    if ext not in TYPES:
        raise ValidationError(f"“{original}” is not an allowed type: {ALLOWED_DESCRIPTION}.")
    if upload.size > MAX_BYTES:
        raise ValidationError(f"“{original}” is larger than 10 MB.")
    data = upload.read()
    if not _content_matches(ext, data):
        raise ValidationError(
            f"“{original}” is not really a {ext[1:].upper()} file. Only {ALLOWED_DESCRIPTION}."
        )
    if ext in (".png", ".jpg", ".jpeg"):
        data = _without_metadata(data, "PNG" if ext == ".png" else "JPEG")
    safe_name = get_valid_filename(original)[:150] or f"attachment{ext}"
    return CleanFile(
        name=safe_name,
        content_type=TYPES[ext],
        size=len(data),
        file=ContentFile(data, name=safe_name),
    )

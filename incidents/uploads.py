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

Word documents are ZIP archives, the only archive type the list takes. Their central directory
(what each entry declares, read without unpacking anything) must stay within ARCHIVE_LIMITS:
at most 1,000 entries, 100 MB unpacked in all, no entry over 1 MB that claims to unpack to
more than 100 times its packed size, no archive inside, no encrypted entry, and only the
stored and deflated methods Office writes. A document that breaks one is refused beside the
field; a PDF of the same document is always accepted.

When CLAMD_ADDRESS is set, every accepted file is streamed to clamd (INSTREAM) before it is
stored. A file clamd finds malware in is refused and the finding logged; when clamd gives no
verdict (unreachable, too slow, an error) the file is refused too: fail closed for the file,
while the form comes back with everything typed.
"""

import hashlib
import io
import logging
import socket
import struct
import zipfile
from dataclasses import dataclass
from pathlib import PurePath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils.text import get_valid_filename
from PIL import Image, ImageOps, UnidentifiedImageError

logger = logging.getLogger(__name__)

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
ARCHIVE_TYPES = frozenset({".docx"})


@dataclass(frozen=True)
class ArchiveLimits:
    entries: int = 1000
    unpacked_bytes: int = 100 * 1024 * 1024
    ratio: int = 100
    ratio_from_bytes: int = 1024 * 1024  # small XML parts compress very well, legitimately


ARCHIVE_LIMITS = ArchiveLimits()
# What zipfile raises for a damaged or crafted directory (a file name that is not the UTF-8
# it claims, a version or method it does not know), beyond BadZipFile.
UNREADABLE_ZIP = (
    zipfile.BadZipFile,
    NotImplementedError,
    UnicodeDecodeError,
    ValueError,
    EOFError,
)
# An archive inside the document could hide a bomb that its own directory would reveal only
# once unpacked, so none is taken (Office packages included).
NESTED_ARCHIVE_SUFFIXES = (
    ".zip", ".7z", ".rar", ".gz", ".tgz", ".bz2", ".xz", ".tar", ".cab", ".jar",
    ".docx", ".docm", ".dotx", ".xlsx", ".xlsm", ".xlsb", ".pptx", ".pptm", ".odt", ".ods",
)  # fmt: skip


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
        except UNREADABLE_ZIP:
            return False
    if ext == ".txt":
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            return False
        return b"\x00" not in data
    return False


def _archive_problem(data: bytes) -> str | None:
    """Why a ZIP's central directory is out of bounds, or None. Nothing is decompressed."""
    limits = ARCHIVE_LIMITS
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        entries = archive.infolist()
    if len(entries) > limits.entries:
        return f"has {len(entries):,} parts, more than the {limits.entries:,} allowed"
    unpacked = sum(entry.file_size for entry in entries)
    if unpacked > limits.unpacked_bytes:
        return (
            f"would unpack to {unpacked / 1024 / 1024:,.0f} MB, more than the "
            f"{limits.unpacked_bytes // 1024 // 1024} MB allowed"
        )
    for entry in entries:
        if entry.flag_bits & 0x1:
            return "is password-protected, so it cannot be checked"
        if entry.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            return "is packed in a way Word does not use"
        if entry.filename.lower().endswith(NESTED_ARCHIVE_SUFFIXES):
            return "has another archive or document embedded in it"
        if entry.file_size > limits.ratio_from_bytes and entry.file_size > limits.ratio * max(
            entry.compress_size, 1
        ):
            return "is packed far more tightly than a real document"
    return None


class ScanUnavailable(Exception):
    """clamd is configured but gave no verdict."""


SCAN_CHUNK = 64 * 1024


def _clamd_socket(address: str, timeout: float) -> socket.socket:
    if address.startswith("/"):
        conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        conn.settimeout(timeout)
        try:
            conn.connect(address)
        except OSError:
            conn.close()
            raise
        return conn
    host, _, port = address.rpartition(":")
    return socket.create_connection((host.strip("[]"), int(port)), timeout=timeout)


def malware_found(data: bytes) -> str | None:
    """What clamd names in `data`; None when it is clean or no scanner is configured.

    Raises ScanUnavailable when a scanner is configured but gives no verdict.
    """
    address = settings.CLAMD_ADDRESS
    if not address:
        return None
    try:
        with _clamd_socket(address, settings.CLAMD_TIMEOUT_SECONDS) as conn:
            conn.sendall(b"zINSTREAM\0")
            for start in range(0, len(data), SCAN_CHUNK):
                chunk = data[start : start + SCAN_CHUNK]
                conn.sendall(struct.pack("!I", len(chunk)) + chunk)
            conn.sendall(struct.pack("!I", 0))
            reply = b""
            while not reply.endswith(b"\0") and len(reply) < 4096:
                received = conn.recv(4096)
                if not received:
                    break
                reply += received
    except (OSError, ValueError) as error:
        raise ScanUnavailable(f"clamd at {address}: {error!r}") from error
    verdict = reply.rstrip(b"\0\n").decode("utf-8", "replace")
    if verdict == "stream: OK":
        return None
    if verdict.startswith("stream: ") and verdict.endswith(" FOUND"):
        return verdict.removeprefix("stream: ").removesuffix(" FOUND")
    raise ScanUnavailable(f"clamd at {address} answered {verdict!r}")


def scan_unavailable(original: str) -> ValidationError:
    return ValidationError(
        f"“{original}” could not be checked for viruses just now, so it has not been "
        "stored, and nothing has been logged yet. Remove the file and submit again to log "
        "this without it (then give the file to your SPOC), or try again in a few minutes.",
        code="scan_unavailable",
    )


def _scan(original: str, data: bytes, uploader) -> None:
    try:
        signature = malware_found(data)
    except ScanUnavailable as error:
        logger.error("Upload refused: the virus check gave no verdict (%s)", error)
        raise scan_unavailable(original) from error
    if signature:
        # The uploader's file name may name a child: the digest identifies the file instead.
        logger.warning(
            "Upload refused: malware %s found in a file from user %s (%d bytes, sha256 %s)",
            signature,
            getattr(uploader, "pk", None),
            len(data),
            hashlib.sha256(data).hexdigest(),
        )
        raise ValidationError(
            f"“{original}” has not been stored: the virus check found malware in it. "
            "Do not open or forward it; tell your IT support."
        )


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


def original_name(upload) -> str:
    """The file's own name as the person's computer gave it: no directories, ever."""
    return PurePath(upload.name.replace("\\", "/")).name


def clean_upload(upload, *, uploader=None) -> CleanFile:
    original = original_name(upload)
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
    if ext in ARCHIVE_TYPES and (problem := _archive_problem(data)):
        raise ValidationError(
            f"“{original}” {problem}, so it has not been stored. "
            "Save it as a PDF and attach that instead."
        )
    _scan(original, data, uploader)
    if ext in (".png", ".jpg", ".jpeg"):
        data = _without_metadata(data, "PNG" if ext == ".png" else "JPEG")
    safe_name = get_valid_filename(original)[:150] or f"attachment{ext}"
    return CleanFile(
        name=safe_name,
        content_type=TYPES[ext],
        size=len(data),
        file=ContentFile(data, name=safe_name),
    )

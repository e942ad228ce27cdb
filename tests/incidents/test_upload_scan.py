"""Uploads are streamed to clamd before they are stored, when a deployment configures it.

The daemon here is a real socket server speaking clamd's INSTREAM protocol: it reads the
`zINSTREAM` command and the length-prefixed chunks, and answers as clamd does.
"""

import logging
import socketserver
import struct
import threading
import time

import pytest
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile

from incidents.models import Attachment
from tests.incidents.test_bad_input import assert_refused_and_kept, post

# Split so that no file of the repository is itself the test signature.
EICAR = rb"X5O!P%@AP[4\PZX54(P^)7CC)7}$" + rb"EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"


class FakeClamd:
    """Answers INSTREAM like clamd: EICAR is found, everything else is OK (or as told)."""

    def __init__(self):
        self.received: list[bytes] = []
        self.answer: bytes | None = None  # None: judge the stream as clamd would
        self.freeze = False

    def handle(self, rfile, wfile):
        if rfile.read(10) != b"zINSTREAM\0":
            wfile.write(b"UNKNOWN COMMAND\0")
            return
        data = b""
        while (size := struct.unpack("!I", rfile.read(4))[0]) != 0:
            data += rfile.read(size)
        self.received.append(data)
        if self.freeze:
            time.sleep(3)
            return
        if self.answer is not None:
            wfile.write(self.answer)
        elif EICAR in data:
            wfile.write(b"stream: Eicar-Signature FOUND\0")
        else:
            wfile.write(b"stream: OK\0")


def serve(server_class, address, daemon):
    class Handler(socketserver.StreamRequestHandler):
        def handle(self):
            daemon.handle(self.rfile, self.wfile)

    server = server_class(address, Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@pytest.fixture(params=["unix", "tcp"])
def clamd(request, settings, tmp_path_factory):
    daemon = FakeClamd()
    if request.param == "unix":
        path = str(tmp_path_factory.mktemp("clamd") / "clamd.ctl")
        server = serve(socketserver.ThreadingUnixStreamServer, path, daemon)
        settings.CLAMD_ADDRESS = path
    else:
        server = serve(socketserver.ThreadingTCPServer, ("127.0.0.1", 0), daemon)
        settings.CLAMD_ADDRESS = f"127.0.0.1:{server.server_address[1]}"
    yield daemon
    server.shutdown()
    server.server_close()


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "private"
    return settings.MEDIA_ROOT


def text_file(data: bytes, name="note.txt"):
    return SimpleUploadedFile(name, data, "text/plain")


def stored_files(media):
    return [p for p in media.rglob("*") if p.is_file()] if media.exists() else []


def test_no_malware_scan_is_configured_by_default():
    assert django_settings.CLAMD_ADDRESS == ""


def test_a_file_with_the_eicar_signature_is_refused_logged_and_not_kept(
    client, staff_a, pupil_a, media, clamd, caplog
):
    upload = text_file(b"Copied from the pupil's phone:\n" + EICAR, name="messages.txt")
    with caplog.at_level(logging.WARNING, logger="incidents.uploads"):
        response = post(client, staff_a, pupil_a, files=[upload])
    body = assert_refused_and_kept(
        response, "“messages.txt” has not been stored: the virus check found malware in it."
    )
    assert "Choose your files again" in body
    assert len(clamd.received) == 1 and EICAR in clamd.received[0]
    assert not Attachment.objects.exists() and stored_files(media) == []
    finding = [r for r in caplog.records if "Eicar-Signature" in r.getMessage()]
    assert len(finding) == 1 and finding[0].levelno == logging.WARNING
    assert f"from user {staff_a.pk} " in finding[0].getMessage()
    assert "messages.txt" not in finding[0].getMessage()


def test_a_clean_file_is_streamed_to_clamd_whole_and_then_stored(
    client, staff_a, pupil_a, media, clamd
):
    content = b"Line of a statement, in the pupil's words.\n" * 5000  # several chunks
    response = post(client, staff_a, pupil_a, files=[text_file(content)])
    assert response.status_code == 302
    assert clamd.received == [content]
    assert Attachment.objects.get().file.read() == content


def test_clamd_unreachable_refuses_the_file_but_keeps_the_form(
    client, staff_a, pupil_a, media, settings, tmp_path
):
    settings.CLAMD_ADDRESS = str(tmp_path / "no-clamd-here.ctl")
    body = assert_refused_and_kept(
        post(client, staff_a, pupil_a, files=[text_file(b"A statement.")]),
        "“note.txt” could not be checked for viruses just now, so it has not been stored",
    )
    assert "nothing has been logged yet" in body
    assert not Attachment.objects.exists() and stored_files(media) == []


def test_clamd_that_does_not_answer_in_time_refuses_the_file(
    client, staff_a, pupil_a, media, clamd, settings
):
    clamd.freeze = True
    settings.CLAMD_TIMEOUT_SECONDS = 0.5
    started = time.monotonic()
    assert_refused_and_kept(
        post(client, staff_a, pupil_a, files=[text_file(b"A statement.")]),
        "could not be checked for viruses just now",
    )
    assert time.monotonic() - started < 2.5
    assert stored_files(media) == []


def test_a_silent_clamd_is_waited_for_once_however_many_files_are_attached(
    client, staff_a, pupil_a, media, clamd, settings
):
    clamd.freeze = True
    settings.CLAMD_TIMEOUT_SECONDS = 0.5
    files = [text_file(b"A statement.", name=f"note{i}.txt") for i in range(1, 4)]
    body = assert_refused_and_kept(post(client, staff_a, pupil_a, files=files), "“note1.txt”")
    assert len(clamd.received) == 1
    for name in ("note2.txt", "note3.txt"):
        assert f"“{name}” could not be checked for viruses just now" in body
    assert stored_files(media) == []


def test_a_clamd_error_is_no_verdict_and_refuses_the_file(client, staff_a, pupil_a, media, clamd):
    clamd.answer = b"INSTREAM size limit exceeded. ERROR\0"
    assert_refused_and_kept(
        post(client, staff_a, pupil_a, files=[text_file(b"A statement.")]),
        "could not be checked for viruses just now",
    )
    assert stored_files(media) == []

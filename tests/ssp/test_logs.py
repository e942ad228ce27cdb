import json
import os
import runpy
import subprocess
import sys
from pathlib import Path

from django.conf import settings

MANAGE = Path(settings.BASE_DIR) / "manage.py"

LOG_SOME_LINES = """
import logging
from django.test import Client
logging.getLogger("incidents.services").warning(
    "Concern %s read by %s", "0b7c", "amelia.ashby@example.org"
)
Client(HTTP_HOST="127.0.0.1").get("/no-such-page/")
"""


def portal_lines(log_format):
    env = {**os.environ, "LOG_FORMAT": log_format, "LOG_LEVEL": "INFO"}
    done = subprocess.run(
        [sys.executable, str(MANAGE), "shell", "--no-imports", "-c", LOG_SOME_LINES],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return [line for line in done.stdout.splitlines() if line.strip()]


def test_with_log_format_json_each_line_is_a_json_object_with_level_time_logger_and_message():
    lines = [json.loads(line) for line in portal_lines("json")]
    warning = next(line for line in lines if line["logger"] == "incidents.services")
    assert warning["level"] == "WARNING"
    assert warning["time"].endswith("+00:00")  # UTC
    assert warning["message"] == "Concern 0b7c read by [e-mail]"
    assert "example.org" not in json.dumps(lines)


def test_a_line_logged_while_serving_a_request_carries_that_requests_id():
    lines = [json.loads(line) for line in portal_lines("json")]
    not_found = next(line for line in lines if line["logger"] == "django.request")
    assert not_found["level"] == "WARNING"
    assert len(not_found["request_id"]) == 32
    outside = next(line for line in lines if line["logger"] == "incidents.services")
    assert outside["request_id"] == ""


def test_with_log_format_text_the_lines_are_plain_text():
    lines = portal_lines("text")
    warning = next(line for line in lines if "incidents.services" in line)
    assert not warning.startswith("{")
    assert "WARNING incidents.services Concern 0b7c read by [e-mail]" in warning


def test_gunicorns_access_log_leaves_out_the_query_string():
    config = runpy.run_path(str(Path(settings.BASE_DIR) / "gunicorn.conf.py"))
    line = config["access_log_format"]
    assert config["accesslog"] == "-"
    assert "%(U)s" in line
    for atom in ("%(q)s", "%(r)s", "%(f)s", "%(a)s"):  # query, request line, referer, agent
        assert atom not in line

"""ssp.audit.log_records writes one access-log row per record read, on PostgreSQL in one
INSERT of arrays and, where the database has no arrays (the demo's SQLite), row by row: the
same rows either way."""

import uuid

import pytest
from django.db import connection

from ssp.audit import log_records
from ssp.models import AccessLog

pytestmark = pytest.mark.django_db

CLIENT = uuid.uuid4()


def written(sspo_a, records):
    who = {
        "user": sspo_a,
        "role": "sspo",
        "ip_address": "192.0.2.7",
        "purpose": "Records system pull",
        "api_client": CLIENT,
    }
    log_records(who, action="api_read", outcome=AccessLog.Outcome.ALLOWED, records=records)
    rows = AccessLog.objects.order_by("object_type", "object_code").values_list(
        "user", "role", "action", "object_type", "object_code", "ip_address", "outcome",
        "purpose", "api_client",
    )  # fmt: skip
    return list(rows)


@pytest.fixture
def records():
    incident, pupil = uuid.uuid4(), uuid.uuid4()
    # The same pupil twice (named in two incidents) is logged once.
    return [("incident", incident), ("pupil", pupil), ("pupil", pupil)]


@pytest.mark.parametrize("arrays", [True, False], ids=["postgresql", "without arrays"])
def test_one_row_per_record_read(sspo_a, records, arrays, monkeypatch):
    if not arrays:
        monkeypatch.setattr(connection, "vendor", "sqlite")  # the demo's path, row by row
    rows = written(sspo_a, records)
    assert [(r[3], r[4]) for r in rows] == sorted({(k, c) for k, c in records})
    assert {r[:3] + r[5:] for r in rows} == {
        (sspo_a.pk, "sspo", "api_read", "192.0.2.7", "allowed", "Records system pull", CLIENT)
    }

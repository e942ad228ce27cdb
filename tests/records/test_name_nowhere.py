"""Done when: a disposed pupil's name appears nowhere in the database. Records of every kind
about one pupil with a name found nowhere else, disposed of kind by kind in the order the
holdings give; then every text and JSON column of every table (history tables too) is
searched for either name, and the attachment's file must be gone from storage."""

import datetime as dt
from pathlib import Path

import pytest
from django.db import connection
from django.urls import reverse
from psycopg import sql

from records import disposal
from schools.models import Intake, Pupil
from ssp.held import Controller, held_about_pupils
from ssp.models import AccessLog
from tests.factories import PupilFactory

pytestmark = pytest.mark.django_db

FIRST, LAST = "Zephyrine", "Quillfeather"
TEXT_TYPES = ("text", "character varying", "character", "json", "jsonb")


def _where_the_name_is() -> list[str]:
    """Every table.column holding either name, searched in the database itself."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_name, column_name FROM information_schema.columns "
            "WHERE table_schema = current_schema() AND data_type = ANY(%s)",
            [list(TEXT_TYPES)],
        )
        columns = cursor.fetchall()
        found = []
        for table, column in columns:
            query = sql.SQL(
                "SELECT count(*) FROM {} WHERE {}::text ILIKE %s OR {}::text ILIKE %s"
            ).format(sql.Identifier(table), sql.Identifier(column), sql.Identifier(column))
            cursor.execute(query, [f"%{FIRST}%", f"%{LAST}%"])
            if cursor.fetchone()[0]:
                found.append(f"{table}.{column}")
    return found


def test_a_disposed_pupils_name_is_nowhere_in_the_database(
    records_about,
    school_a,
    head_a,
    sergeant,
    spoc_a,
    client,
    django_capture_on_commit_callbacks,
):
    pupil = PupilFactory(
        school=school_a, first_name=FIRST, last_name=LAST, date_of_birth=dt.date(2000, 5, 1)
    )
    made = records_about(pupil)
    stored = Path(made["attachment"].file.path)
    # Found by name in the school's pupil search: access-log rows (codes only).
    client.force_login(spoc_a)
    client.post(
        reverse("pupil_find", args=[school_a.code]), {"name": LAST, "year_group": "", "upn": ""}
    )
    assert AccessLog.objects.filter(object_code=pupil.code, action="search_result").exists()
    # A roll import waiting to be checked names them, as the roll preview writes it.
    Intake.objects.create(
        kind=Intake.Kind.ROLL_CSV,
        school=school_a,
        status=Intake.Status.PREVIEWED,
        created_by=spoc_a,
        preview={
            "changed": [
                {
                    "line": 2,
                    "name": f"{FIRST} {LAST}",
                    "pupil": str(pupil.code),
                    "fields": [["Year group", "Year 9", "Year 10"]],
                }
            ],
            "counts": {"changed": 1},
        },
    )
    Pupil.objects.filter(pk=pupil.pk).update(left_on=dt.date(2016, 7, 20))
    assert len(_where_the_name_is()) > 10  # the search can find it: it is everywhere now

    pupils = Pupil.objects.filter(pk=pupil.pk)
    held = {h.kind: h for h in held_about_pupils(pupils)}
    certificates = []
    with django_capture_on_commit_callbacks(execute=True):
        for kind in disposal.kinds_in_order():
            holding = held[kind]
            codes = list(holding.rows.values_list("code", flat=True))
            if not codes:
                continue
            by = sergeant if holding.controller == Controller.POLICE else head_a
            certificates.append(
                disposal.dispose(kind=kind, codes=codes, by=by, rule=f"Test rule for {kind}")
            )

    assert not Pupil.objects.filter(pk=pupil.pk).exists()  # went with their last record
    assert {c.kind for c in certificates} >= {
        "concern",
        "incident",
        "enquiry",
        "referral",
        "conference",
        "encompass_notification",
    }
    assert all(c.held == 0 and c.disposed >= 1 for c in certificates)
    assert _where_the_name_is() == []
    assert not stored.exists()
    assert Intake.objects.get().preview == {}  # the pending import was abandoned

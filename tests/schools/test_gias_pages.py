"""The GIAS import through its pages and the command line: the administrator uploads, the
worker reads, the preview is checked and applied; who may reach which page, both ways."""

import datetime
import io
import json
from decimal import Decimal

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from schools import tasks
from schools.intake.gias_services import gias_upload
from schools.models import Force, Intake, LocalAuthority, School
from tests.factories import SchoolFactory
from tests.gias_files import gias_bytes, school_row

FILE_NAME = "edubasealldata20261201.csv"


@pytest.fixture(autouse=True)
def _private_storage(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def small_file():
    return gias_bytes(
        [
            school_row(137001, number="4001", name="Wymondham High Academy", pupils="1650",
                       fsm="14.2"),
            school_row(137002, number="4002", name="Thorpe St Andrew School"),
            school_row(121001, number="2001", name="Little Melton Primary", phase="Primary"),
        ]
    )  # fmt: skip


def post_upload(client, force, data=None, *, name=FILE_NAME, la="926", **extra):
    return client.post(
        reverse("gias_import_new"),
        {
            "force": force.pk,
            "la_codes": la,
            "phases": ["secondary", "all_through"],
            "file": SimpleUploadedFile(name, small_file() if data is None else data),
            **extra,
        },
    )


def history_rows():
    return School.history.count() + LocalAuthority.history.count() + Force.history.count()


# The whole walk, through HTTP


def test_the_administrator_uploads_previews_and_applies(
    signed_in, admin_user, force, django_capture_on_commit_callbacks
):
    client = signed_in(admin_user)
    assert client.get(reverse("gias_import_new")).status_code == 200

    response = post_upload(client, force)

    intake = Intake.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("gias_import_detail", args=[intake.code])
    assert intake.status == Intake.Status.UPLOADED and intake.created_by == admin_user
    assert intake.file_name.startswith("intake/gias/") and FILE_NAME not in intake.file_name
    assert intake.options == {"la_codes": ["926"], "phases": ["secondary", "all_through"],
                              "extract_date": "2026-12-01"}  # fmt: skip
    body = client.get(response["Location"]).content.decode()
    assert 'data-progress-url="' in body and "<noscript>" in body  # refreshes while it waits
    progress = json.loads(client.get(reverse("gias_import_progress", args=[intake.code])).content)
    assert progress == {"status": "uploaded", "status_label": "Uploaded", "percent": 0,
                        "done": False}  # fmt: skip

    assert tasks.gias_preview(intake.pk) == "previewed"  # what the worker runs

    progress = json.loads(client.get(reverse("gias_import_progress", args=[intake.code])).content)
    assert progress["done"] is True and progress["percent"] == 100
    body = client.get(reverse("gias_import_detail", args=[intake.code])).content.decode()
    assert "Wymondham High Academy" in body and "Little Melton Primary" not in body
    assert "2 new" in body and "Apply these changes" in body
    assert "GIAS extract of 1 December 2026: 3 establishments read" in body
    assert "Secondary, All-through" in body
    assert not School.objects.exists()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("gias_import_apply", args=[intake.code]))
    assert response.status_code == 302
    assert set(School.objects.values_list("urn", flat=True)) == {"137001", "137002"}
    body = client.get(response["Location"]).content.decode()
    assert "Applied: 2 new, 0 changed and 0 closed schools." in body
    assert "Apply these changes" not in body
    intake.refresh_from_db()
    assert intake.status == Intake.Status.APPLIED and intake.file_name == ""


def test_the_administrator_abandons_an_import_and_nothing_changes(signed_in, admin_user, force):
    client = signed_in(admin_user)
    post_upload(client, force)
    intake = Intake.objects.get()
    tasks.gias_preview(intake.pk)
    response = client.post(reverse("gias_import_abandon", args=[intake.code]))
    assert response.status_code == 302 and response["Location"] == reverse("gias_imports")
    intake.refresh_from_db()
    assert intake.status == Intake.Status.ABANDONED
    assert not School.objects.exists()
    assert "Abandoned" in client.get(reverse("gias_imports")).content.decode()


def test_a_refused_file_is_shown_with_where_and_why(signed_in, admin_user, force):
    client = signed_in(admin_user)
    post_upload(client, force, gias_bytes([school_row("12345")]))
    intake = Intake.objects.get()
    tasks.gias_preview(intake.pk)
    body = client.get(reverse("gias_import_detail", args=[intake.code])).content.decode()
    assert "The file was refused" in body
    assert "Line 2, column “URN”: “12345” is not a URN" in body
    assert "Apply these changes" not in body
    assert not School.objects.exists()


# Bad input on the form: a message next to the field, nothing changed


@pytest.mark.parametrize(
    "extra, name, field, message",
    [
        ({"la": "926, Norfolk"}, FILE_NAME, "la_codes", "“Norfolk” is not a local authority code"),
        ({"la": ""}, FILE_NAME, "la_codes", "Enter the force&#x27;s local authorities"),
        ({}, "schools.xlsx", "file", "“schools.xlsx” is not a CSV file"),
        ({}, "schools.csv", "extract_date", "Enter the date of the extract"),
        ({"phases": []}, FILE_NAME, "phases", "Choose at least one phase of education"),
    ],
)
def test_a_bad_upload_is_explained_next_to_the_field_and_nothing_is_written(
    signed_in, admin_user, force, extra, name, field, message
):
    client = signed_in(admin_user)
    before = history_rows()
    if "phases" in extra:
        response = client.post(
            reverse("gias_import_new"),
            {"force": force.pk, "la_codes": "926",
             "file": SimpleUploadedFile(name, small_file())},
        )  # fmt: skip
    else:
        response = post_upload(client, force, name=name, **extra)
    assert response.status_code == 200
    body = response.content.decode()
    assert message in body
    assert f'id="id_{field}_error"' in body or f'id="id_{field}_0_error"' in body
    assert not Intake.objects.exists() and history_rows() == before


def test_the_date_is_asked_for_when_the_file_name_lacks_it(signed_in, admin_user, force):
    client = signed_in(admin_user)
    response = post_upload(
        client, force, name="schools.csv",
        extract_date_0="1", extract_date_1="12", extract_date_2="2026",
    )  # fmt: skip
    assert response.status_code == 302
    assert Intake.objects.get().options["extract_date"] == "2026-12-01"


def test_a_file_over_the_size_limit_is_refused_while_it_arrives(
    signed_in, admin_user, force, settings
):
    settings.GIAS_MAX_UPLOAD_BYTES = 1_000
    client = signed_in(admin_user)
    response = post_upload(client, force)
    assert response.status_code == 200
    assert "The file is larger than 0 MB" in response.content.decode()
    assert not Intake.objects.exists()


# Who may reach what


@pytest.fixture
def intake(force, admin_user):
    return gias_upload(
        force=force,
        upload=ContentFile(small_file(), name=FILE_NAME),
        la_codes=["926"],
        phases=["secondary"],
        extract_date=datetime.date(2026, 12, 1),
        by=admin_user,
    )


def _pages(intake):
    return {
        "list": ("get", reverse("gias_imports")),
        "new": ("get", reverse("gias_import_new")),
        "detail": ("get", reverse("gias_import_detail", args=[intake.code])),
        "progress": ("get", reverse("gias_import_progress", args=[intake.code])),
        "start": ("post", reverse("gias_import_restart", args=[intake.code])),
        "apply": ("post", reverse("gias_import_apply", args=[intake.code])),
        "abandon": ("post", reverse("gias_import_abandon", args=[intake.code])),
        "register": ("get", reverse("gias_register")),
    }


IMPORT_PAGES = ["list", "new", "detail", "progress", "start", "apply", "abandon"]
EXPECTED = {
    "admin_user": dict.fromkeys(IMPORT_PAGES, None) | {"register": 403},
    # In scope (their force's register), not allowed to import.
    "sergeant": dict.fromkeys(IMPORT_PAGES, 403) | {"register": 200},
    # Another force's intake is outside their scope: as if it did not exist.
    "other_sergeant": {"list": 403, "new": 403, "detail": 404, "progress": 404, "start": 404,
                       "apply": 404, "abandon": 404, "register": 200},
}  # fmt: skip
for person in ("head_a", "spoc_a", "staff_a", "sspo_a", "yet_officer"):
    EXPECTED[person] = dict.fromkeys([*IMPORT_PAGES, "register"], 404)


@pytest.mark.parametrize("person", EXPECTED)
def test_who_may_reach_the_gias_pages(request, signed_in, intake, person):
    user = request.getfixturevalue(person)
    client = signed_in(user)
    for page, (method, url) in _pages(intake).items():
        status = getattr(client, method)(url).status_code
        expected = EXPECTED[person][page]
        if expected is None:  # allowed: a page, or a redirect after a POST
            assert status in (200, 302), (person, page, status)
        else:
            assert status == expected, (person, page, status)
    intake.refresh_from_db()
    if person != "admin_user":
        assert intake.status == Intake.Status.UPLOADED  # nobody else moved it


def test_signed_out_people_are_sent_to_sign_in(client, intake):
    for _, url in _pages(intake).values():
        assert client.get(url).status_code == 302


# The sergeant's register


def test_the_sergeant_reads_their_forces_register_with_the_gias_date(
    signed_in, sergeant, force, other_sergeant
):
    SchoolFactory(force=force, name="Wymondham High Academy", number_of_pupils=1650,
                  percentage_fsm=Decimal("14.2"), gias_extract_date=datetime.date(2026, 12, 1),
                  school_type="Academy converter", postcode="NR18 9SZ")  # fmt: skip
    SchoolFactory(force=other_sergeant.officer.team.force, name="Southshire High")
    body = signed_in(sergeant).get(reverse("gias_register")).content.decode()
    assert "Wymondham High Academy" in body and "Academy converter" in body
    assert "14.2%" in body and "from GIAS, extract of 1 Dec 2026" in body
    assert "NR18 9SZ" in body
    assert "Southshire High" not in body


# The command line


def test_the_command_prints_the_preview_and_changes_nothing(force, tmp_path):
    path = tmp_path / FILE_NAME
    path.write_bytes(small_file())
    out = io.StringIO()
    before = history_rows()
    call_command("import_gias", str(path), "--la", "926", stdout=out)
    text = out.getvalue()
    assert "GIAS extract of 1 December 2026: 3 establishments read, 2 of the force's." in text
    assert "New: 2. Changed: 0. Closed: 0. Unchanged: 0." in text
    assert "new      137001 Wymondham High Academy (Secondary, Norfolk)" in text
    assert "Nothing has been changed" in text
    assert not School.objects.exists() and history_rows() == before


def test_the_command_applies_with_apply_and_names_who_did_it(force, admin_user, tmp_path):
    path = tmp_path / FILE_NAME
    path.write_bytes(small_file())
    with pytest.raises(CommandError, match="--apply needs --by"):
        call_command("import_gias", str(path), "--la", "926", "--apply", stdout=io.StringIO())
    assert not School.objects.exists()
    out = io.StringIO()
    call_command("import_gias", str(path), "--la", "926", "--apply", "--by", admin_user.email,
                 "--force", force.name, stdout=out)  # fmt: skip
    assert "Applied: 2 new, 0 changed, 0 closed." in out.getvalue()
    school = School.objects.get(urn="137001")
    assert school.history.get().history_user == admin_user
    force.refresh_from_db()
    assert force.gias_la_codes == ["926"]
    # The same file again: nothing written.
    before = history_rows()
    call_command("import_gias", str(path), "--apply", "--by", admin_user.email,
                 stdout=io.StringIO())  # fmt: skip
    assert history_rows() == before


def test_the_command_refuses_a_bad_file_with_where_and_why(force, tmp_path):
    path = tmp_path / FILE_NAME
    path.write_bytes(gias_bytes([school_row(137001, name="École")], encoding="utf-8"))
    with pytest.raises(CommandError, match="Line 2 is encoded as UTF-8"):
        call_command("import_gias", str(path), "--la", "926", stdout=io.StringIO())
    with pytest.raises(CommandError, match="“92” is not a local authority code"):
        call_command("import_gias", str(path), "--la", "92", stdout=io.StringIO())
    assert not School.objects.exists()


def test_the_register_and_the_imports_list_read_in_a_flat_number_of_queries(
    signed_in, sergeant, admin_user, force
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries(user, url):
        client = signed_in(user)
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    def grow(n):
        for _ in range(n):
            SchoolFactory(force=force, gias_extract_date=datetime.date(2026, 12, 1))
            gias_upload(force=force, upload=ContentFile(small_file(), name=FILE_NAME),
                        la_codes=["926"], phases=["secondary"],
                        extract_date=datetime.date(2026, 12, 1), by=admin_user)  # fmt: skip

    grow(2)
    few = (
        queries(sergeant, reverse("gias_register")),
        queries(admin_user, reverse("gias_imports")),
    )
    grow(20)
    many = (
        queries(sergeant, reverse("gias_register")),
        queries(admin_user, reverse("gias_imports")),
    )
    assert many == few

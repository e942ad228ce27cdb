"""The force's schools from GIAS, at service level: the parser, the preview (writes only the
Intake), apply (all or nothing, with history), a closure flagged to the sergeant, the same
file twice changing nothing, and bad files refused with where and why."""

import datetime
import io
from decimal import Decimal

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from schools.intake.gias import SIX_DIGITS, extract_date_from_name, parse_la_codes, read_gias
from schools.intake.gias_services import (
    StalePreview,
    gias_abandon,
    gias_apply,
    gias_preview,
    gias_upload,
)
from schools.intake.rows import IntakeRefused
from schools.models import Force, Intake, LocalAuthority, School
from ssp.models import Notification
from tests.factories import PartnershipFactory, SchoolFactory
from tests.gias_files import COLUMNS, gias_bytes, school_row

EXTRACT = datetime.date(2026, 12, 1)
MB = 1024 * 1024


@pytest.fixture(autouse=True)
def _private_storage(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def norfolk_file():
    """Two Norfolk (926) secondaries, an all-through, a primary, a closed school we never
    held, and a Suffolk (935) secondary; the force serves Norfolk."""
    return gias_bytes(
        [
            school_row(137001, number="4001", name="Wymondham High Academy", pupils="1650",
                       fsm="14.2"),
            school_row(137002, number="4002", name="Thorpe St Andrew School", fsm="9.0",
                       street="Laundry Lane", town="Thorpe St Andrew", postcode="NR7 0XS"),
            school_row(137003, number="4003", name="Hethersett Old Hall School",
                       phase="All-through", low="4", high="18"),
            school_row(121001, number="2001", name="Little Melton Primary", phase="Primary",
                       low="4", high="11"),
            school_row(121002, number="4099", name="Long Gone High", status="Closed",
                       closed="31-08-2010"),
            school_row(124001, la="935", la_name="Suffolk", number="4001",
                       name="Ipswich Academy"),
        ]
    )  # fmt: skip


def upload(force, admin, data=None, *, name="edubasealldata20261201.csv", la="926",
           phases=("secondary", "all_through"), extract=EXTRACT):  # fmt: skip
    return gias_upload(
        force=force,
        upload=ContentFile(data if data is not None else norfolk_file(), name=name),
        la_codes=[la],
        phases=list(phases),
        extract_date=extract,
        by=admin,
    )


def previewed(force, admin, data=None, **kwargs):
    intake = upload(force, admin, data, **kwargs)
    return gias_preview(intake=intake)


def history_rows() -> int:
    return School.history.count() + LocalAuthority.history.count() + Force.history.count()


# The parser


def test_the_extract_date_comes_from_the_file_name():
    assert extract_date_from_name("edubasealldata20261201.csv") == datetime.date(2026, 12, 1)
    assert extract_date_from_name("C:\\Downloads\\edubasealldata20250109.csv") == datetime.date(
        2025, 1, 9
    )
    assert extract_date_from_name("schools.csv") is None
    assert extract_date_from_name("edubasealldata20261399.csv") is None


def test_la_codes_are_three_digits_and_anything_else_is_named():
    assert parse_la_codes("940, 926 926;  ") == ["926", "940"]
    with pytest.raises(ValueError, match="“Norfolk” is not a local authority code"):
        parse_la_codes("926, Norfolk")


def test_the_parser_keeps_only_the_chosen_authorities_and_phases():
    read = read_gias(
        io.BytesIO(norfolk_file()),
        la_codes=["926"],
        phases=["secondary", "all_through"],
        max_bytes=MB,
    )
    assert [s.urn for s in read.schools] == ["137001", "137002", "137003", "121002"]
    assert read.rows_read == 6
    assert read.local_authorities == {"926": "Norfolk", "935": "Suffolk"}
    wymondham = read.schools[0]
    assert wymondham.laestab == "9264001" and wymondham.phase == "secondary"
    assert wymondham.number_of_pupils == 1650 and wymondham.percentage_fsm == Decimal("14.2")
    assert wymondham.opened_on == datetime.date(2011, 9, 1) and wymondham.closed_on is None
    assert wymondham.address == "School Lane, Norwich" and wymondham.postcode == "NR1 1AA"
    assert read.schools[2].phase == "all_through" and read.schools[2].statutory_low_age == 4


def test_windows_1252_names_are_read_as_gias_wrote_them():
    data = gias_bytes([school_row(137010, name="Ysgol Gyfun Gŵyr".replace("ŵ", "w") + " – École")])
    read = read_gias(io.BytesIO(data), la_codes=["926"], phases=["secondary"], max_bytes=MB)
    assert read.schools[0].name == "Ysgol Gyfun Gwyr – École"


def test_the_parser_reads_the_file_a_line_at_a_time(monkeypatch):
    """It reads from the stream as it goes: a file whose later lines are bad is refused only
    once the reader gets there, after the earlier rows were handled."""
    reported = []
    rows = [school_row(100000 + n, number=f"{n:04d}") for n in range(1, 5001)]
    data = gias_bytes(rows)
    read = read_gias(
        io.BytesIO(data),
        la_codes=["926"],
        phases=["secondary"],
        max_bytes=10 * MB,
        on_progress=lambda rows, done: reported.append((rows, done)),
    )
    assert len(read.schools) == 5000
    assert reported[0] == (2000, pytest.approx(len(data) * 2000 / 5001, rel=0.01))
    assert reported[-1] == (5000, len(data))


# Preview


def test_the_preview_lists_new_changed_and_closed_and_writes_only_the_intake(
    force, admin_user, school_a
):
    held = SchoolFactory(force=force, urn="137002", name="Thorpe St Andrew School",
                         laestab="9264002", local_authority="Norfolk",
                         school_type="Academy converter", opened_on=datetime.date(2011, 9, 1),
                         statutory_low_age=11, statutory_high_age=18, number_of_pupils=1000,
                         percentage_fsm=Decimal("12.0"), address="Laundry Lane, Thorpe St Andrew",
                         postcode="NR7 0XS")  # fmt: skip
    schools, las, before = School.objects.count(), LocalAuthority.objects.count(), history_rows()

    intake = previewed(force, admin_user)

    assert intake.status == Intake.Status.PREVIEWED
    plan = intake.preview["plan"]
    assert [n["urn"] for n in plan["new"]] == ["137001", "137003"]  # not the closed one
    assert plan["changed"] == [
        {
            "urn": "137002",
            "name": "Thorpe St Andrew School",
            "changes": [["Free school meals (%)", "12.0", "9.0"]],
        }
    ]
    assert plan["closed"] == []
    assert intake.summary == {"new": 2, "changed": 1, "closed": 0, "closed_with_partnership": 0,
                              "other_force": 0, "refreshed": 0, "unchanged": 0,
                              "rows_read": 6, "kept": 4}  # fmt: skip
    assert intake.progress_done == intake.progress_total == intake.file_size
    # Nothing but the Intake was written.
    assert School.objects.count() == schools and LocalAuthority.objects.count() == las
    assert history_rows() == before
    held.refresh_from_db()
    assert held.percentage_fsm == Decimal("12.0")


def test_a_school_held_by_another_force_is_left_alone(force, admin_user, other_sergeant):
    south = other_sergeant.officer.team.force
    SchoolFactory(force=south, urn="137001", name="Wymondham High (Southshire's)")
    intake = previewed(force, admin_user)
    assert intake.preview["plan"]["other_force"] == [
        {"urn": "137001", "name": "Wymondham High (Southshire's)"}
    ]
    gias_apply(intake=intake, by=admin_user)
    assert School.objects.get(urn="137001").force == south


# Apply


def test_apply_writes_the_schools_with_history_and_the_local_authorities(
    force, admin_user, django_capture_on_commit_callbacks
):
    intake = previewed(force, admin_user)
    name = intake.file_name
    assert default_storage.exists(name)

    with pytest.raises(Exception):  # noqa: B017 - nothing yet: applying is what writes
        School.objects.get(urn="137001")
    with django_capture_on_commit_callbacks(execute=True):
        intake = gias_apply(intake=intake, by=admin_user)

    assert intake.status == Intake.Status.APPLIED and intake.applied_by == admin_user
    wymondham = School.objects.get(urn="137001")
    assert wymondham.force == force and wymondham.laestab == "9264001"
    assert wymondham.number_of_pupils == 1650 and wymondham.gias_extract_date == EXTRACT
    assert wymondham.status == School.Status.OPEN and not wymondham.meets_sspo_criteria
    record = wymondham.history.get()
    assert record.history_user == admin_user
    assert record.history_change_reason == "GIAS extract of 1 December 2026"
    assert set(LocalAuthority.objects.values_list("code", "name", "seen_in_gias_on")) == {
        ("926", "Norfolk", EXTRACT),
        ("935", "Suffolk", EXTRACT),
    }
    force.refresh_from_db()
    assert force.gias_la_codes == ["926"]
    # The file is gone; what stays is the summary, and no head teacher's name anywhere.
    assert intake.file_name == "" and not default_storage.exists(name)
    assert intake.summary["new"] == 3 and "rows" not in intake.preview
    assert "Héloïse" not in str(intake.preview) + str(intake.summary)


def test_importing_the_same_file_twice_changes_nothing(force, admin_user):
    gias_apply(intake=previewed(force, admin_user), by=admin_user)
    schools = {s.urn: s for s in School.objects.all()}
    before = history_rows()

    second = previewed(force, admin_user)
    assert second.summary["unchanged"] == 3
    assert second.summary["new"] == second.summary["changed"] == second.summary["refreshed"] == 0
    gias_apply(intake=second, by=admin_user)

    assert history_rows() == before  # no writes, no history rows
    for school in School.objects.all():
        assert school.history.count() == 1
        assert school.name == schools[school.urn].name


def test_a_newer_extract_with_the_same_figures_only_moves_the_date_on(force, admin_user):
    gias_apply(intake=previewed(force, admin_user), by=admin_user)
    later = datetime.date(2026, 12, 8)
    intake = previewed(force, admin_user, name="edubasealldata20261208.csv", extract=later)
    assert intake.summary["refreshed"] == 3 and intake.summary["changed"] == 0
    gias_apply(intake=intake, by=admin_user)
    assert set(School.objects.values_list("gias_extract_date", flat=True)) == {later}


def test_an_older_extract_than_the_one_applied_is_refused(force, admin_user):
    gias_apply(intake=previewed(force, admin_user), by=admin_user)
    intake = previewed(
        force, admin_user, name="edubasealldata20261101.csv", extract=datetime.date(2026, 11, 1)
    )
    assert intake.status == Intake.Status.REFUSED
    assert "older than the one already applied (1 December 2026)" in intake.error


def test_a_closing_school_with_a_partnership_is_flagged_to_the_sergeant_and_kept(
    force, admin_user, sergeant, other_sergeant
):
    school = PartnershipFactory(school__force=force, school__urn="137001",
                                school__name="Wymondham High Academy").school  # fmt: skip
    data = gias_bytes([school_row(137001, name="Wymondham High Academy", status="Closed",
                                  closed="31-08-2026")])  # fmt: skip
    intake = previewed(force, admin_user, data)
    closed = intake.preview["plan"]["closed"]
    assert [(c["urn"], c["partnership"], c["closed_on"]) for c in closed] == [
        ("137001", True, "31 August 2026")
    ]

    gias_apply(intake=intake, by=admin_user)

    school.refresh_from_db()
    assert school.status == School.Status.CLOSED  # kept, marked closed, never deleted
    assert school.closed_on == datetime.date(2026, 8, 31)
    assert school.partnership.status == "active"
    flagged = Notification.objects.get()
    assert flagged.recipient == sergeant  # not the other force's sergeant
    assert flagged.link == f"/allocation/schools/{school.code}/"
    assert "Wymondham" not in flagged.subject
    # Its pupils and officer need a plan now: urgent, and quoted by the school.
    assert flagged.urgent
    assert flagged.reference == "School: Wymondham High Academy"


def test_apply_refuses_a_preview_the_register_has_moved_past(force, admin_user):
    intake = previewed(force, admin_user)
    SchoolFactory(force=force, urn="137001", name="Made meanwhile")
    before = history_rows()
    with pytest.raises(StalePreview):
        gias_apply(intake=intake, by=admin_user)
    assert history_rows() == before
    assert not School.objects.filter(urn="137002").exists()  # all or nothing
    intake.refresh_from_db()
    assert intake.status == Intake.Status.PREVIEWED


def test_an_intake_is_applied_once(force, admin_user):
    intake = gias_apply(intake=previewed(force, admin_user), by=admin_user)
    with pytest.raises(IntakeRefused, match="only a preview ready to check can be applied"):
        gias_apply(intake=intake, by=admin_user)


def test_abandoning_removes_the_file_and_keeps_the_summary(
    force, admin_user, django_capture_on_commit_callbacks
):
    intake = previewed(force, admin_user)
    name = intake.file_name
    with django_capture_on_commit_callbacks(execute=True):
        intake = gias_abandon(intake=intake, by=admin_user)
    assert intake.status == Intake.Status.ABANDONED and intake.file_name == ""
    assert not default_storage.exists(name)
    assert intake.summary["new"] == 3 and intake.preview == {}
    assert not School.objects.filter(urn="137001").exists()
    assert intake.history.first().history_user == admin_user


# Bad input: refused with where and why, the database unchanged


def _without(column):
    return [c for c in COLUMNS if c != column]


def _closing_quote_missing():
    return norfolk_file().replace(b'Hethersett Old Hall School"', b"Hethersett Old Hall School")


def _last_quote_missing():
    data = norfolk_file()
    assert data.endswith(b'""\r\n')
    return data[: -len(b'"\r\n')] + b"\r\n"  # the last field's closing quote gone


BAD_FILES = {
    "columns missing": (
        lambda: gias_bytes([school_row(137001)], columns=_without("PhaseOfEducation (name)")),
        "lacks the column “PhaseOfEducation (name)”",
    ),
    "saved as UTF-8": (
        lambda: gias_bytes([school_row(137001, name="École Sainte-Thérèse")], encoding="utf-8"),
        "Line 2 is encoded as UTF-8, not Windows-1252",
    ),
    "a UTF-8 byte order mark": (
        lambda: b"\xef\xbb\xbf" + norfolk_file(),
        "Line 1 starts with a UTF-8 byte order mark",
    ),
    "undecodable bytes": (
        lambda: norfolk_file().replace(b"Wymondham", b"Wym\x81ondham"),
        "Line 2 has a byte (0x81) that is not Windows-1252 text",
    ),
    "semicolons": (
        lambda: gias_bytes([school_row(137001)], delimiter=";"),
        "Line 1 is separated by semicolons, not commas",
    ),
    "an unbalanced quote": (_closing_quote_missing, "Line 4 is not well-formed CSV"),
    "a quote left open at the end": (_last_quote_missing, "Line 7 is not well-formed CSV"),
    "a URN of five digits": (
        lambda: gias_bytes([school_row(137001), school_row(13700, name="Short URN")]),
        "Line 3, column “URN”: “13700” is not a URN. A URN is 6 digits",
    ),
    "a URN with letters": (
        lambda: gias_bytes([school_row("13700A")]),
        "Line 2, column “URN”: “13700A” is not a URN",
    ),
    "an impossible date": (
        lambda: gias_bytes([school_row(137001, opened="31-02-2011")]),
        "Line 2, column “OpenDate”: “31-02-2011” is not a date",
    ),
    "an empty file": (lambda: b"", "The file is empty"),
}


@pytest.mark.parametrize("case", BAD_FILES)
def test_a_bad_file_is_refused_with_where_and_why_and_nothing_changes(
    case, force, admin_user, school_a
):
    make, message = BAD_FILES[case]
    counts = (School.objects.count(), LocalAuthority.objects.count(), history_rows())
    intake = previewed(force, admin_user, make())
    assert intake.status == Intake.Status.REFUSED
    assert message in intake.error
    assert intake.file_name == "" and intake.preview == {}
    assert (School.objects.count(), LocalAuthority.objects.count(), history_rows()) == counts
    with pytest.raises(IntakeRefused):
        gias_apply(intake=intake, by=admin_user)


def test_a_file_over_the_size_limit_is_refused_while_reading(force, admin_user, settings):
    settings.GIAS_MAX_UPLOAD_BYTES = 2_000
    intake = previewed(force, admin_user, norfolk_file() * 3)
    assert intake.status == Intake.Status.REFUSED
    assert "larger than" in intake.error
    assert not School.objects.exists()


def test_no_damaged_file_gets_past_the_parser_with_anything_but_a_refusal():
    """Bytes flipped, cut, doubled or inserted anywhere: the parser returns rows or refuses
    the file with a message, never an error of its own (which would answer 500)."""
    import random

    rng = random.Random(9)
    good = norfolk_file()
    odd = [b'"', b",", b"\r\n", b"\x00", b"\x81", b"\xc3\xa9", b";", b"\n\n", b"\xff" * 3]
    outcomes = {"read": 0, "refused": 0}
    for _ in range(400):
        data = bytearray(good)
        for _ in range(rng.randint(1, 4)):
            at = rng.randrange(len(data))
            move = rng.choice(["flip", "cut", "insert", "double"])
            if move == "flip":
                data[at] = rng.randrange(256)
            elif move == "cut":
                del data[at : at + rng.randint(1, 200)]
            elif move == "insert":
                data[at:at] = rng.choice(odd)
            else:
                data[at:at] = data[at : at + rng.randint(1, 400)]
        try:
            read = read_gias(io.BytesIO(bytes(data)), la_codes=["926"],
                             phases=["secondary", "all_through"], max_bytes=MB)  # fmt: skip
        except IntakeRefused as refusal:
            assert str(refusal)
            outcomes["refused"] += 1
        else:
            assert all(SIX_DIGITS.fullmatch(s.urn) for s in read.schools)
            outcomes["read"] += 1
    assert outcomes["refused"] > 100 and outcomes["read"] > 10


def test_progress_is_saved_as_the_file_is_read_without_history_rows(force, admin_user):
    rows = [school_row(100000 + n, number=f"{n:04d}") for n in range(1, 6001)]
    intake = upload(force, admin_user, gias_bytes(rows))
    seen = []
    original = Intake.save_without_historical_record

    def spy(self, *args, **kwargs):
        seen.append(Intake.objects.get(pk=self.pk).progress_done)  # what the page reads now
        return original(self, *args, **kwargs)

    Intake.save_without_historical_record = spy
    try:
        intake = gias_preview(intake=intake)
    finally:
        Intake.save_without_historical_record = original
    assert len(seen) >= 2 and seen == sorted(seen)
    # Uploaded, reading, ready to check: the progress bar itself leaves no history.
    assert [h.status for h in intake.history.order_by("history_id")] == [
        "uploaded",
        "previewing",
        "previewed",
    ]


def test_a_preview_delivered_twice_reads_the_file_once(force, admin_user):
    from schools import tasks

    intake = upload(force, admin_user)
    assert tasks.gias_preview(intake.pk) == "previewed"
    history = intake.history.count()
    assert tasks.gias_preview(intake.pk) == "previewed"
    assert intake.history.count() == history
    assert tasks.gias_preview(987654321) == "missing"


@pytest.mark.django_db(transaction=True)
def test_two_previews_of_the_same_file_applied_at_once_write_it_once(force, admin_user):
    """The force's row is locked first: the second apply then finds the schools the first
    made, so its plan is no longer the one shown, and it is told so."""
    import threading

    from django.db import connection

    first, second = previewed(force, admin_user), previewed(force, admin_user)
    barrier = threading.Barrier(2)
    outcomes = []

    def run(intake):
        try:
            barrier.wait()
            gias_apply(intake=intake, by=admin_user)
            outcomes.append("applied")
        except StalePreview:
            outcomes.append("stale")
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(intake,)) for intake in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["applied", "stale"]
    assert School.objects.filter(force=force).count() == 3
    assert School.history.filter(urn="137001").count() == 1

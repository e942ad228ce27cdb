"""Matching a roll with the pupils held, previewing it, deciding, and applying it."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bench.ctf_file import ctf_document, pupil_xml, roll_pupils
from schools.intake import roll as roll_service
from schools.intake.rows import IntakeRefused
from schools.models import Intake, Pupil, School
from tests.factories import PupilFactory

from .roll_fixtures import MAPPING, big_roll, pupil_line, roll, upn

pytestmark = pytest.mark.usefixtures("media")


def start(school, by, data, mapping=MAPPING):
    intake = roll_service.roll_upload(school=school, by=by, name="roll.csv", data=data)
    return roll_service.roll_preview(intake=intake, by=by, mapping=mapping)


def import_roll(school, by, data, mapping=MAPPING):
    intake = start(school, by, data, mapping)
    return roll_service.roll_apply(intake=intake, by=by)


def pupil_rows():
    """Every pupil and every history row, as values: to show nothing was written."""
    return (
        sorted(Pupil.objects.values_list()),
        Pupil.history.count(),
    )


def test_a_first_import_adds_every_pupil_with_history_and_who_did_it(
    school_a, head_a, media, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        intake = import_roll(school_a, head_a, roll(pupil_line(1), pupil_line(2, known="Sam")))
    pupils = Pupil.objects.filter(school=school_a).order_by("last_name")
    assert [(p.upn, p.first_name, p.preferred_forename) for p in pupils] == [
        (upn(1), "Forename1", ""),
        (upn(2), "Forename2", "Sam"),
    ]
    assert Pupil.history.filter(history_type="+", history_user=head_a).count() == 2
    assert intake.status == Intake.Status.APPLIED
    assert (intake.applied_by, intake.created_by) == (head_a, head_a)
    assert intake.summary["new"] == 2
    # What stays is counts: no names, no file, no preview.
    assert "Forename" not in str(intake.summary)
    assert (intake.preview, intake.decisions, intake.file_name) == ({}, {}, "")
    assert list(media.rglob("*")) == [media / "intake", media / "intake" / "roll"]


def test_reimporting_the_same_roll_writes_nothing(school_a, head_a):
    data = roll(pupil_line(1), pupil_line(2))
    import_roll(school_a, head_a, data)
    before = pupil_rows()
    intake = import_roll(school_a, head_a, data)
    assert pupil_rows() == before
    assert intake.summary["unchanged"] == 2
    assert (intake.summary["new"], intake.summary["changed"], intake.summary["leaving"]) == (
        0,
        0,
        0,
    )


def test_a_changed_field_is_previewed_old_to_new_and_kept_in_history(school_a, head_a):
    import_roll(school_a, head_a, roll(pupil_line(1, year="Year 8")))
    intake = start(school_a, head_a, roll(pupil_line(1, year="Year 9", surname="Newname")))
    changed = intake.preview["changed"]
    assert changed[0]["fields"] == [
        ["Legal surname", "Surname1", "Newname"],
        ["Year group", "Year 8", "Year 9"],
    ]
    roll_service.roll_apply(intake=intake, by=head_a)
    pupil = Pupil.objects.get(upn=upn(1))
    assert (pupil.last_name, pupil.year_group) == ("Newname", 9)
    assert [h.last_name for h in pupil.history.order_by("history_date")] == [
        "Surname1",
        "Newname",
    ]


def test_pupils_missing_from_the_file_are_marked_left_never_deleted(school_a, head_a):
    import_roll(school_a, head_a, roll(pupil_line(1), pupil_line(2)))
    intake = import_roll(school_a, head_a, roll(pupil_line(1)))
    gone = Pupil.objects.get(upn=upn(2))
    assert gone.left_on == datetime.date.today()
    assert intake.summary["leaving"] == 1
    assert Pupil.objects.filter(school=school_a).count() == 2


def test_a_pupil_who_returns_is_matched_back_not_added_again(school_a, head_a):
    import_roll(school_a, head_a, roll(pupil_line(1), pupil_line(2)))
    import_roll(school_a, head_a, roll(pupil_line(1)))
    intake = start(school_a, head_a, roll(pupil_line(1), pupil_line(2)))
    assert intake.preview["counts"]["returning"] == 1
    roll_service.roll_apply(intake=intake, by=head_a)
    assert Pupil.objects.get(upn=upn(2)).left_on is None
    assert Pupil.objects.filter(school=school_a).count() == 2


def test_pupils_of_other_schools_are_never_touched_or_marked_left(school_a, school_b, head_a):
    other = PupilFactory(school=school_b)
    import_roll(school_a, head_a, roll(pupil_line(1)))
    other.refresh_from_db()
    assert other.left_on is None
    assert other.history.count() == 1


def test_a_new_upn_matches_by_former_upn_and_keeps_the_old_one(school_a, head_a):
    pupil = PupilFactory(school=school_a, upn=upn(5), first_name="Ann", last_name="Lee")
    header = "UPN,Former UPN,Legal Surname,Legal Forename,DOB,Year"
    mapping = {**MAPPING, "former_upn": "Former UPN"}
    del mapping["preferred_forename"]
    import_roll(
        school_a, head_a, roll(f"{upn(6)},{upn(5)},Lee,Ann,01/05/2012,9", header=header), mapping
    )
    pupil.refresh_from_db()
    assert (pupil.upn, pupil.former_upn) == (upn(6), upn(5))
    assert Pupil.objects.filter(school=school_a).count() == 1


def test_a_pupil_without_upn_is_matched_by_name_and_birth_date_without_accents(school_a, head_a):
    pupil = PupilFactory(
        school=school_a,
        upn="",
        first_name="Zoe",
        last_name="OBRIEN",
        date_of_birth=datetime.date(2012, 5, 1),
    )
    intake = import_roll(school_a, head_a, roll(pupil_line(1, surname="O'Brien", forename="Zoë")))
    pupil.refresh_from_db()
    assert (pupil.upn, pupil.first_name, pupil.last_name) == (upn(1), "Zoë", "O'Brien")
    assert intake.summary["new"] == 0


def test_two_candidates_wait_for_a_person_and_apply_refuses_meanwhile(school_a, head_a):
    twins = [
        PupilFactory(
            school=school_a,
            upn="",
            first_name="Ann",
            last_name="Lee",
            date_of_birth=datetime.date(2012, 5, 1),
        )
        for _ in range(2)
    ]
    intake = start(school_a, head_a, roll(pupil_line(1, surname="Lee", forename="Ann")))
    question = intake.preview["questions"][0]
    assert {c["code"] for c in question["candidates"]} == {str(p.code) for p in twins}
    # Neither candidate is counted as leaving while the question is open.
    assert intake.preview["counts"]["leaving"] == 0
    before = pupil_rows()
    with pytest.raises(ValidationError, match="still need your decision"):
        roll_service.roll_apply(intake=intake, by=head_a)
    assert pupil_rows() == before

    intake = roll_service.roll_decide(
        intake=intake, by=head_a, decisions={question["key"]: str(twins[1].code)}
    )
    assert intake.preview["questions"] == []
    roll_service.roll_apply(intake=intake, by=head_a)
    twins[1].refresh_from_db()
    twins[0].refresh_from_db()
    assert twins[1].upn == upn(1)
    assert twins[0].left_on == datetime.date.today()


def test_a_decision_must_name_one_of_the_candidates(school_a, head_a, pupil_a):
    PupilFactory(school=school_a, upn="", first_name="Ann", last_name="Lee")
    PupilFactory(school=school_a, upn="", first_name="Ann", last_name="Lee")
    intake = start(school_a, head_a, roll(pupil_line(1, surname="Lee", forename="Ann")))
    key = intake.preview["questions"][0]["key"]
    with pytest.raises(ValidationError, match="choose one of the pupils listed"):
        roll_service.roll_decide(intake=intake, by=head_a, decisions={key: str(pupil_a.code)})


def test_a_row_added_as_new_after_a_question_becomes_a_new_pupil(school_a, head_a):
    PupilFactory(school=school_a, upn="", first_name="Ann", last_name="Lee")
    PupilFactory(school=school_a, upn="", first_name="Ann", last_name="Lee")
    intake = start(school_a, head_a, roll(pupil_line(1, surname="Lee", forename="Ann")))
    key = intake.preview["questions"][0]["key"]
    intake = roll_service.roll_decide(intake=intake, by=head_a, decisions={key: "new"})
    roll_service.roll_apply(intake=intake, by=head_a)
    assert Pupil.objects.filter(school=school_a, last_name="Lee").count() == 3


def test_a_name_match_with_a_different_upn_is_asked_not_guessed(school_a, head_a):
    PupilFactory(school=school_a, upn=upn(7), first_name="Ann", last_name="Lee")
    intake = start(school_a, head_a, roll(pupil_line(1, surname="Lee", forename="Ann")))
    assert intake.preview["questions"][0]["why"] == (
        "Same name and date of birth, but a different UPN."
    )


def test_two_rows_claiming_one_pupil_are_both_asked(school_a, head_a):
    PupilFactory(school=school_a, upn="", first_name="Ann", last_name="Lee")
    data = roll(
        "," + pupil_line(1, surname="Lee", forename="Ann").split(",", 1)[1],
        "," + pupil_line(2, surname="Lee", forename="Ann").split(",", 1)[1],
    )
    intake = start(school_a, head_a, data)
    assert [q["line"] for q in intake.preview["questions"]] == [2, 3]


def test_refused_rows_mean_nobody_is_marked_left(school_a, head_a):
    import_roll(school_a, head_a, roll(pupil_line(1), pupil_line(2)))
    intake = import_roll(school_a, head_a, roll(pupil_line(1), pupil_line(2, born="31/02/2012")))
    assert intake.summary["refused"] == 1
    assert intake.summary["leaving"] == 0
    assert Pupil.objects.get(upn=upn(2)).left_on is None


def test_a_upn_on_the_roll_of_another_school_is_refused(school_a, school_b, head_a):
    PupilFactory(school=school_b, upn=upn(1))
    intake = start(school_a, head_a, roll(pupil_line(1)))
    assert intake.preview["refused"][0]["why"].startswith(
        "This UPN belongs to a pupil on the roll"
    )
    roll_service.roll_apply(intake=intake, by=head_a)
    assert Pupil.objects.filter(upn=upn(1)).count() == 1


def test_a_pupil_who_left_another_school_can_join_with_the_same_upn(school_a, school_b, head_a):
    PupilFactory(school=school_b, upn=upn(1), left_on=datetime.date(2026, 7, 20))
    import_roll(school_a, head_a, roll(pupil_line(1)))
    assert Pupil.objects.filter(upn=upn(1), left_on=None).get().school == school_a


def test_apply_refuses_a_stale_preview_and_previews_again(school_a, head_a):
    intake = start(school_a, head_a, roll(pupil_line(1)))
    PupilFactory(school=school_a)  # added by hand meanwhile: it would now be marked left
    before = pupil_rows()
    with pytest.raises(roll_service.StalePreview):
        roll_service.roll_apply(intake=intake, by=head_a)
    assert pupil_rows() == before
    intake.refresh_from_db()
    assert intake.preview["counts"]["leaving"] == 1


def test_a_failed_apply_changes_nothing(school_a, head_a, monkeypatch):
    import_roll(school_a, head_a, roll(pupil_line(1), pupil_line(2)))
    intake = start(school_a, head_a, roll(pupil_line(1, year="Year 10"), pupil_line(3)))
    before = pupil_rows()

    def broken(*args, **kwargs):
        raise RuntimeError("the disk is full")

    # The last write of the apply fails, after the updates and the new pupils.
    monkeypatch.setattr(Intake, "save", broken)
    with pytest.raises(RuntimeError):
        roll_service.roll_apply(intake=intake, by=head_a)
    assert pupil_rows() == before


def test_abandoning_removes_the_file_and_the_preview_and_keeps_counts(
    school_a, head_a, media, django_capture_on_commit_callbacks
):
    intake = start(school_a, head_a, roll(pupil_line(1)))
    stored = media / intake.file_name
    assert stored.exists()
    with django_capture_on_commit_callbacks(execute=True):
        intake = roll_service.roll_abandon(intake=intake, by=head_a)
    assert not stored.exists()
    assert (intake.status, intake.preview, intake.summary["new"]) == ("abandoned", {}, 1)
    assert Pupil.objects.count() == 0
    assert intake.history.first().history_user == head_a


def test_a_file_the_disk_will_not_delete_still_leaves_the_import_abandoned_and_logged(
    school_a, head_a, media, django_capture_on_commit_callbacks, monkeypatch, caplog
):
    from django.core.files.storage import default_storage

    intake = start(school_a, head_a, roll(pupil_line(1)))

    def disk_blinks(name):
        raise OSError("Input/output error")

    monkeypatch.setattr(default_storage, "delete", disk_blinks)
    with django_capture_on_commit_callbacks(execute=True):
        intake = roll_service.roll_abandon(intake=intake, by=head_a)
    intake.refresh_from_db()
    assert (intake.status, intake.file_name) == ("abandoned", "")
    assert f"Could not remove the upload of intake {intake.code}" in caplog.text


def test_an_applied_import_cannot_be_applied_again(school_a, head_a):
    intake = import_roll(school_a, head_a, roll(pupil_line(1)))
    with pytest.raises(ValidationError, match="is applied"):
        roll_service.roll_apply(intake=intake, by=head_a)


def test_the_mapping_is_remembered_for_the_school(school_a, head_a):
    start(school_a, head_a, roll(pupil_line(1)))
    assert School.objects.get(pk=school_a.pk).roll_csv_mapping == MAPPING


def test_a_refused_file_records_nothing(school_a, head_a, media):
    with pytest.raises(IntakeRefused):
        roll_service.roll_upload(
            school=school_a,
            by=head_a,
            name="roll.csv",
            data=roll(pupil_line(1)).replace(b",", b";"),
        )
    assert Intake.objects.count() == 0
    assert list(media.iterdir()) == []


def test_a_file_over_the_size_limit_is_refused(school_a, head_a):
    data = roll(pupil_line(1)) + b"x" * (5 * 1024 * 1024)
    with pytest.raises(IntakeRefused, match="larger than 5 MB"):
        roll_service.roll_upload(school=school_a, by=head_a, name="roll.csv", data=data)
    assert Intake.objects.count() == 0


def test_an_unchanged_roll_keeps_its_query_count_whatever_its_size(school_a, head_a):
    counts = {}
    for size in (20, 200):
        school = School.objects.create(name=f"S{size}", urn=f"9{size:05d}", force=school_a.force)
        data = big_roll(size, start=size * 10)
        import_roll(school, head_a, data)
        with CaptureQueriesContext(connection) as ctx:
            import_roll(school, head_a, data)
        counts[size] = len(ctx)
    assert counts[20] == counts[200]


@pytest.mark.parametrize("size", [30, 300])
def test_a_first_import_takes_as_many_queries_at_any_size(
    school_a, head_a, size, django_assert_max_num_queries
):
    data = big_roll(size)
    with django_assert_max_num_queries(30):
        intake = import_roll(school_a, head_a, data)
    assert intake.summary["new"] == size
    changed = big_roll(size).replace(b"Year 7", b"Year 8")
    with django_assert_max_num_queries(30):
        intake = import_roll(school_a, head_a, changed)
    assert intake.summary["changed"] == size // 5


def _ctf(school, pupils):
    return ctf_document(dest_laestab=school.laestab, pupils=[pupil_xml(**p) for p in pupils])


def test_a_ctf_is_recognised_by_its_content_and_applied_like_a_csv(school_a, head_a):
    people = roll_pupils(laestab=school_a.laestab, pupils=3)
    intake = roll_service.roll_upload(
        school=school_a, by=head_a, name="roll.csv", data=_ctf(school_a, people)
    )
    assert intake.kind == Intake.Kind.ROLL_CTF
    intake = roll_service.roll_preview(intake=intake, by=head_a)
    assert intake.preview["counts"]["new"] == 3
    roll_service.roll_apply(intake=intake, by=head_a)
    assert set(Pupil.objects.values_list("upn", flat=True)) == {p["upn"] for p in people}
    # The same pupils from a CSV afterwards are matched, not added again.
    csv = roll(
        *(
            f"{p['upn']},{p['surname']},{p['forename']},,"
            f"{p['dob'][8:]}/{p['dob'][5:7]}/{p['dob'][:4]},{p['year']}"
            for p in people[:2]
        )
    )
    intake = import_roll(school_a, head_a, csv)
    assert (intake.summary["new"], intake.summary["unchanged"], intake.summary["leaving"]) == (
        0,
        2,
        1,
    )


def test_a_ctf_for_another_school_is_refused_at_upload(school_a, school_b, head_a):
    people = roll_pupils(laestab=school_b.laestab, pupils=2)
    with pytest.raises(IntakeRefused):
        roll_service.roll_upload(
            school=school_a, by=head_a, name="roll.xml", data=_ctf(school_b, people)
        )
    assert Intake.objects.count() == 0
    assert Pupil.objects.count() == 0


def test_a_new_upload_abandons_the_schools_unfinished_import_and_its_file(
    school_a, school_b, head_a, head_b, media, django_capture_on_commit_callbacks
):
    earlier = start(school_a, head_a, roll(pupil_line(1)))
    elsewhere = start(school_b, head_b, roll(pupil_line(2)))
    with django_capture_on_commit_callbacks(execute=True):
        start(school_a, head_a, roll(pupil_line(1)))
    earlier.refresh_from_db()
    elsewhere.refresh_from_db()
    assert (earlier.status, earlier.file_name, earlier.preview) == ("abandoned", "", {})
    assert elsewhere.status == "previewed"
    assert len(list((media / "intake" / "roll").iterdir())) == 2


BAD_INPUT = {
    "wrong delimiter": roll(pupil_line(1), pupil_line(2)).replace(b",", b";"),
    "unbalanced quotes": roll(pupil_line(1), '"' + pupil_line(2)),
    "wrong encoding": roll(pupil_line(1), pupil_line(2, forename="Zoë")).decode().encode("cp1252"),
    "over the size limit": roll(pupil_line(1), pupil_line(2)) + b" " * (5 * 1024 * 1024),
    "duplicate UPNs": roll(pupil_line(1), pupil_line(2), pupil_line(1, forename="Other")),
    "impossible date": roll(pupil_line(1), pupil_line(2, born="30/02/2012")),
    "year outside the range": roll(pupil_line(1), pupil_line(2, year="Year 5")),
    "missing mapped column": roll(
        pupil_line(1), header="UPN,Legal Surname,Legal Forename,Preferred Forename,Born,Year"
    ),
    "a BOM, accepted": roll(pupil_line(1), pupil_line(2), bom=True),
}


@pytest.mark.parametrize("bad", BAD_INPUT)
def test_bad_input_is_refused_with_where_and_why_and_changes_nothing(school_a, head_a, bad):
    import_roll(school_a, head_a, roll(pupil_line(1), pupil_line(2)))
    before = pupil_rows()
    try:
        intake = import_roll(school_a, head_a, BAD_INPUT[bad])
    except IntakeRefused as error:
        assert str(error)  # the whole file, with why (and the line where there is one)
    else:
        assert intake.summary["refused"] == (
            0 if bad.endswith("accepted") else 1 + (bad == "duplicate UPNs")
        )
    assert pupil_rows() == before


def test_swapped_upns_match_by_upn_and_show_both_names_changing_in_the_preview(school_a, head_a):
    import_roll(school_a, head_a, roll(pupil_line(1), pupil_line(2)))
    swapped = (
        roll(
            pupil_line(1).replace(upn(1), "X"),
            pupil_line(2).replace(upn(2), "Y"),
        )
        .replace(b"X,", upn(2).encode() + b",")
        .replace(b"Y,", upn(1).encode() + b",")
    )
    # Matched by UPN, each row now carries the other pupil's names: the names change.
    intake = start(school_a, head_a, swapped)
    before = pupil_rows()
    assert [c["fields"][0][1:] for c in intake.preview["changed"]] == [
        ["Surname2", "Surname1"],
        ["Surname1", "Surname2"],
    ]
    roll_service.roll_apply(intake=intake, by=head_a)
    # The UPN is the key: the names moved, the UPNs stayed, no constraint was broken.
    assert Pupil.objects.get(upn=upn(1)).last_name == "Surname2"
    assert pupil_rows() != before

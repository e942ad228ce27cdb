"""Reading a MIS export: what is taken, what is refused, and where and why."""

import datetime

import pytest

from schools.intake.roll_csv import (
    guess_mapping,
    parse_roll_csv,
    parse_year_group,
    read_header,
    year_groups_of,
)
from schools.intake.rows import IntakeRefused
from schools.models import School

from .roll_fixtures import HEADER, MAPPING, pupil_line, roll, upn


@pytest.fixture
def school():
    # Not saved: the parser never touches the database.
    return School(
        name="Ashdown Academy", urn="100001", statutory_low_age=11, statutory_high_age=16
    )


def parse(data, school, mapping=MAPPING):
    return parse_roll_csv(data, school=school, mapping=mapping)


def test_a_clean_roll_gives_one_row_per_pupil_with_its_line(school):
    parsed = parse(roll(pupil_line(1), pupil_line(2, surname="Ó Briain", known="Aoife")), school)
    assert parsed.refused == []
    assert [r.line for r in parsed.rows] == [2, 3]
    second = parsed.rows[1]
    assert (second.upn, second.legal_surname, second.preferred_forename) == (
        upn(2),
        "Ó Briain",
        "Aoife",
    )
    assert second.date_of_birth == datetime.date(2012, 5, 1)
    assert second.year_group == 9


@pytest.mark.parametrize(
    ("written", "year"),
    [
        ("7", 7),
        ("Year 7", 7),
        ("Y7", 7),
        ("yr 11", 11),
        ("R", 0),
        ("Reception", 0),
        ("NC Year 9", 9),
    ],
)
def test_year_groups_are_read_as_the_mis_writes_them(written, year):
    assert parse_year_group(written) == year


def test_a_utf8_byte_order_mark_is_accepted_cleanly(school):
    data = roll(pupil_line(1), bom=True)
    assert read_header(data)[0] == "UPN"
    assert len(parse(data, school).rows) == 1


def test_a_file_in_windows_1252_is_refused_with_its_line(school):
    data = roll(pupil_line(1), pupil_line(2, forename="Zoë")).decode().encode("cp1252")
    with pytest.raises(IntakeRefused, match=r"Line 3: the file is not in UTF-8"):
        parse(data, school)


def test_a_file_in_utf16_is_refused(school):
    with pytest.raises(IntakeRefused, match="UTF-16"):
        parse(roll(pupil_line(1)).decode().encode("utf-16"), school)


@pytest.mark.parametrize(("delimiter", "name"), [(";", "semicolons"), ("\t", "tabs")])
def test_another_delimiter_is_refused_with_what_it_is(school, delimiter, name):
    data = roll(pupil_line(1)).replace(b",", delimiter.encode())
    with pytest.raises(IntakeRefused, match=f"Line 1: the columns are separated by {name}"):
        parse(data, school)


def test_an_unbalanced_quote_is_refused_at_the_line_it_opens(school):
    data = roll(pupil_line(1), f'{upn(2)},"Smith,Ann,,01/05/2012,9', pupil_line(3), pupil_line(4))
    with pytest.raises(IntakeRefused, match=r"Line 3: a quotation mark"):
        parse(data, school)


def test_quoted_values_with_commas_are_read(school):
    parsed = parse(roll(f'{upn(1)},"Smith, Jones",Ann,,01/05/2012,9'), school)
    assert parsed.rows[0].legal_surname == "Smith, Jones"


def test_a_mapped_column_missing_from_the_file_refuses_the_file(school):
    with pytest.raises(IntakeRefused, match="the file has no column “DOB”"):
        parse(roll(pupil_line(1), header=HEADER.replace("DOB", "Birthday")), school)


def test_a_required_field_left_unmapped_refuses_the_file(school):
    mapping = {k: v for k, v in MAPPING.items() if k != "year_group"}
    with pytest.raises(IntakeRefused, match="Choose the column for: Year group"):
        parse(roll(pupil_line(1)), school, mapping)


def test_impossible_and_future_dates_are_refused_with_line_and_column(school):
    parsed = parse(
        roll(
            pupil_line(1, born="31/02/2012"),
            pupil_line(2, born="2012-13-01"),
            pupil_line(3, born="01/05/2999"),
            pupil_line(4, born="1/5/12"),
            pupil_line(5),
        ),
        school,
    )
    assert [r.line for r in parsed.rows] == [6]
    assert [(r.line, r.field) for r in parsed.refused] == [(n, "DOB") for n in (2, 3, 4, 5)]
    assert "is not a real date" in parsed.refused[0].why
    assert "not in the past" in parsed.refused[2].why


def test_year_groups_outside_the_schools_range_are_refused(school):
    parsed = parse(roll(pupil_line(1, year="Year 5"), pupil_line(2, year="Year 12")), school)
    assert parsed.rows == []
    assert [(r.line, r.field) for r in parsed.refused] == [(2, "Year"), (3, "Year")]
    assert parsed.refused[0].why == "Year 5 is not taught at this school (Year 7 to Year 11)."


def test_a_year_group_that_is_not_one_is_refused(school):
    parsed = parse(roll(pupil_line(1, year="Blue")), school)
    assert "“Blue” is not a year group" in parsed.refused[0].why


def test_the_schools_statutory_ages_set_its_year_groups():
    assert year_groups_of(School(statutory_low_age=11, statutory_high_age=18)) == range(7, 14)
    assert year_groups_of(School(statutory_low_age=4, statutory_high_age=16)) == range(0, 12)
    assert year_groups_of(School()) == range(7, 14)


def test_duplicate_upns_within_the_file_refuse_every_row_that_shares_one(school):
    data = roll(pupil_line(1), pupil_line(2), f"{upn(1)},Other,Person,,02/02/2012,9")
    parsed = parse(data, school)
    assert [r.line for r in parsed.rows] == [3]
    assert [(r.line, r.field, r.why) for r in parsed.refused] == [
        (2, "UPN", "The same UPN is also on line 4."),
        (4, "UPN", "The same UPN is also on line 2."),
    ]


def test_a_upn_that_does_not_check_is_refused(school):
    bad = "A" + upn(1)[1:] if upn(1)[0] != "A" else "B" + upn(1)[1:]
    parsed = parse(roll(f"{bad},Smith,Ann,,01/05/2012,9"), school)
    assert (parsed.refused[0].line, parsed.refused[0].field) == (2, "UPN")


def test_a_row_with_the_wrong_number_of_values_is_refused(school):
    parsed = parse(roll(pupil_line(1), f"{upn(2)},Smith,Ann"), school)
    assert parsed.refused[0].line == 3
    assert "3 values for 6 columns" in parsed.refused[0].why


def test_blank_lines_at_the_end_are_ignored(school):
    parsed = parse(roll(pupil_line(1), ",,,,,", ""), school)
    assert (len(parsed.rows), parsed.refused) == (1, [])


def test_the_mapping_is_guessed_from_common_mis_headings():
    header = [
        "Adno",
        "UPN",
        "Legal Surname",
        "Legal Forename",
        "Preferred Forename",
        "DOB",
        "NC Year Actual",
        "Reg",
    ]
    assert guess_mapping(header) == {
        "upn": "UPN",
        "legal_surname": "Legal Surname",
        "legal_forename": "Legal Forename",
        "preferred_forename": "Preferred Forename",
        "date_of_birth": "DOB",
        "year_group": "NC Year Actual",
    }


def test_damaged_files_are_refused_or_read_never_crash(school):
    """Seeded damage to a good roll (bytes changed, cut, doubled): a refusal or rows, no 500."""
    import random

    rng = random.Random(9)
    good = roll(*(pupil_line(n) for n in range(1, 12)))
    odd = [b'"', b",", b"\x00", b"\xff", b"\r", b"\n", "é".encode(), b";", b"31/02/2012"]
    for _ in range(400):
        data = bytearray(good)
        for _ in range(rng.randint(1, 6)):
            at = rng.randrange(len(data))
            if rng.random() < 0.5:
                data[at:at] = rng.choice(odd)
            else:
                del data[at : at + rng.randint(1, 20)]
        try:
            parsed = parse(bytes(data), school)
        except IntakeRefused as error:
            assert str(error)
        else:
            assert all(r.line >= 2 for r in parsed.rows + parsed.refused)

"""The UPN, checked properly: every current local authority, the library's check letter."""

import pytest
from django.core.exceptions import ValidationError
from stdnum.gb import upn as stdnum_upn

from schools.models import LocalAuthority, Pupil, validate_upn
from schools.upn import KNOWN_LA_CODES, LA_CODES_CHECKED_ON, NEWER_LA_CODES, upn_problem

from ..factories import PupilFactory, SchoolFactory


def real_format(la: str, *, estab="4001", year="24", serial="017") -> str:
    """A UPN as a school in that authority would issue it, check letter by the library."""
    body = f"{la}{estab}{year}{serial}"
    return stdnum_upn.calc_check_digit(body) + body


@pytest.mark.parametrize("la", ["838", "839", "940", "941", "942", "943"])
def test_upns_from_authorities_created_since_2011_are_accepted(la):
    upn = real_format(la)
    assert not stdnum_upn.is_valid(upn), "the library refuses these: the reason for our table"
    validate_upn(upn)


@pytest.mark.parametrize("la", ["201", "873", "909", "928", "660", "681"])
def test_upns_from_older_authorities_and_wales_are_still_accepted(la):
    validate_upn(real_format(la))


def test_a_wrong_check_letter_is_refused():
    upn = real_format("940")
    wrong = next(c for c in "ABCDEFGH" if c != upn[0])
    with pytest.raises(ValidationError) as error:
        validate_upn(wrong + upn[1:])
    assert "check letter does not match" in error.value.messages[0]


def test_an_unknown_authority_is_refused(db):
    with pytest.raises(ValidationError) as error:
        validate_upn(real_format("999"))
    assert "999 is not the number of a local authority" in error.value.messages[0]


def test_an_authority_the_gias_import_has_named_is_accepted_without_a_release(db):
    upn = real_format("944")
    with pytest.raises(ValidationError):
        validate_upn(upn)
    LocalAuthority.objects.create(code="944", name="A future authority")
    validate_upn(upn)


@pytest.mark.parametrize("la", ["873", "942"])
def test_a_temporary_upn_ending_in_a_letter_is_accepted(la):
    upn = real_format(la, serial="01T")
    assert upn[-1] == "T"
    validate_upn(upn)
    assert upn_problem(upn) == ""


@pytest.mark.parametrize("last", ["I", "O", "S"])
def test_a_temporary_upn_cannot_end_in_i_o_or_s(last):
    body = f"94240012401{last}"
    assert "last character" in upn_problem("A" + body)


def test_lower_case_and_spaces_are_compacted_before_checking():
    upn = real_format("941")
    validate_upn(f" {upn[:5].lower()} {upn[5:]} ")


def test_a_check_letter_must_be_a_letter():
    assert "starts with a check letter" in upn_problem("1942400124017")


def test_the_table_is_dated_and_holds_the_new_authorities():
    assert LA_CODES_CHECKED_ON.year >= 2023
    assert set(NEWER_LA_CODES) <= KNOWN_LA_CODES
    assert {"909", "928", "835", "836", "837"} <= KNOWN_LA_CODES  # abolished, UPNs live on


def test_a_pupil_with_a_cumberland_upn_can_be_saved_through_full_clean(db):
    upn = real_format("942")
    pupil = PupilFactory.build(school=SchoolFactory(), upn=upn)
    pupil.full_clean()
    pupil.save()
    assert Pupil.objects.get(pk=pupil.pk).upn == upn

import random

import pytest
from django.core.exceptions import ValidationError
from stdnum.gb import upn as stdnum_upn

from schools.models import validate_laestab, validate_upn, validate_urn

ALPHABET = "ABCDEFGHJKLMNPQRTUVWXYZ"  # the check letters: A-Z without I, O and S


def _check_letter(body: str) -> str:
    """The DfE rule, written out independently: weights 2..13, sum mod 23."""
    values = {c: i for i, c in enumerate(ALPHABET)} | {str(d): d for d in range(10)}
    return ALPHABET[sum(w * values[c] for w, c in zip(range(2, 14), body, strict=True)) % 23]


@pytest.mark.parametrize("upn", ["B801200005001", "M80120000500A", "P207000016049"])
def test_known_good_upns_are_accepted(upn):
    validate_upn(upn)


@pytest.mark.parametrize(
    "upn",
    ["A801200005001", "B80120000500", "B8012000050011", "B80120000A001", "", "B801 2000 0500"],
)
def test_known_bad_upns_are_refused(upn):
    with pytest.raises(ValidationError) as error:
        validate_upn(upn)
    assert "valid UPN" in error.value.messages[0]


def test_body_207000016049_takes_check_letter_p():
    assert _check_letter("207000016049") == "P"
    assert stdnum_upn.calc_check_digit("207000016049") == "P"


def test_random_upns_agree_with_the_dfe_rule():
    rng = random.Random(7)
    for _ in range(500):
        body = "873" + "".join(rng.choice("0123456789") for _ in range(9))
        if rng.random() < 0.3:  # a temporary UPN ends in a letter
            body = body[:-1] + rng.choice(ALPHABET)
        good = _check_letter(body) + body
        validate_upn(good)
        wrong = rng.choice([c for c in ALPHABET if c != good[0]])
        with pytest.raises(ValidationError):
            validate_upn(wrong + body)


@pytest.mark.parametrize("urn", ["100000", "137001", "999999"])
def test_six_digit_urns_are_accepted(urn):
    validate_urn(urn)


@pytest.mark.parametrize("urn", ["12345", "1234567", "12345a", " 123456", "123456\n", ""])
def test_urns_that_are_not_six_digits_are_refused(urn):
    with pytest.raises(ValidationError):
        validate_urn(urn)


def test_random_urns_and_laestabs():
    rng = random.Random(11)
    for _ in range(200):
        validate_urn(f"{rng.randint(100000, 999999)}")
        validate_laestab(f"{rng.randint(1000000, 9999999)}")
        with pytest.raises(ValidationError):
            validate_urn(f"{rng.randint(0, 99999)}")
        with pytest.raises(ValidationError):
            validate_laestab(f"{rng.randint(10_000_000, 99_999_999)}")

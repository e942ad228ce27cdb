"""Reading a school's roll from a common transfer file: what is taken, and what is refused."""

import datetime
import io
import tempfile
import time
from pathlib import Path

import pytest

from bench.ctf_file import write_ctf
from schools.intake.ctf import accepted_versions, looks_like_ctf, parse_ctf
from schools.intake.rows import IntakeRefused
from schools.intake.rows import year_groups_of as year_range
from schools.models import LocalAuthority, School
from schools.upn import with_check_letter

TODAY = datetime.date(2026, 12, 4)  # CTF 26 is current (from September 2026), 25 the one before


def upn(body: str) -> str:
    return with_check_letter(body)


def school(**fields) -> School:
    defaults = {
        "name": "Ashdown Academy",
        "laestab": "8734001",
        "statutory_low_age": 11,
        "statutory_high_age": 16,
    }
    return School(**(defaults | fields))


def pupil(
    upn_="",
    surname="Smith",
    forename="Amelia",
    dob="2013-05-01",
    year="8",
    *,
    former="",
    preferred_surname="",
    preferred_forename="",
    in_basic=True,
) -> str:
    extra = ""
    if former:
        extra += f"<FormerUPN>{former}</FormerUPN>"
    if preferred_surname:
        extra += f"<PreferredSurname>{preferred_surname}</PreferredSurname>"
    if preferred_forename:
        extra += f"<PreferredForename>{preferred_forename}</PreferredForename>"
    year_xml = f"<NCyearActual>{year}</NCyearActual>" if year is not None else ""
    body = f"<BasicDetails>{extra}{year_xml}<EnrolStatus>C</EnrolStatus></BasicDetails>"
    if not in_basic:
        body = extra + year_xml
    return (
        f"<Pupil><UPN>{upn_}</UPN><Surname>{surname}</Surname><Forename>{forename}</Forename>"
        f"<DOB>{dob}</DOB><Sex>F</Sex>{body}<Address><PostCode>NN1 1AA</PostCode></Address>"
        "</Pupil>"
    )


def ctf(*pupils: str, version="26.0", la="873", estab="4001", prolog="") -> io.BytesIO:
    text = (
        f'<?xml version="1.0" encoding="UTF-8"?>{prolog}<CTfile><Header>'
        "<DocumentName>Common Transfer File</DocumentName>"
        f"<CTFversion>{version}</CTFversion><DateTime>2026-11-02T09:30:00</DateTime>"
        "<DocumentQualifier>full</DocumentQualifier>"
        "<SourceSchool><LEA>873</LEA><Estab>2001</Estab><SchoolName>Northfield Primary"
        "</SchoolName><AcademicYear>2026</AcademicYear></SourceSchool>"
        f"<DestSchool><LEA>{la}</LEA><Estab>{estab}</Estab></DestSchool></Header>"
        f"<CTFpupilData>{''.join(pupils)}</CTFpupilData></CTfile>"
    )
    return io.BytesIO(text.encode())


def parse(stream, **fields):
    return parse_ctf(stream, school=school(**fields), today=TODAY)


def refused(stream, **fields) -> str:
    with pytest.raises(IntakeRefused) as error:
        parse(stream, **fields)
    return str(error.value)


# What is read -------------------------------------------------------------------------------


def test_a_pupil_is_read_with_upn_former_upn_names_date_of_birth_and_year():
    the_upn, former = upn("873400124001"), upn("873200119002")
    parsed = parse(
        ctf(
            pupil(
                the_upn,
                "Okonkwo-Smith",
                "Chidi",
                "2012-10-31",
                "9",
                former=former,
                preferred_surname="Smith",
                preferred_forename="Chid",
            )
        )
    )
    assert parsed.refused == []
    [row] = parsed.rows
    assert (row.line, row.upn, row.former_upn) == (1, the_upn, former)
    assert (row.legal_surname, row.legal_forename) == ("Okonkwo-Smith", "Chidi")
    assert (row.preferred_surname, row.preferred_forename) == ("Smith", "Chid")
    assert row.date_of_birth == datetime.date(2012, 10, 31)
    assert row.year_group == 9


def test_fields_written_directly_on_the_pupil_are_read_too():
    parsed = parse(ctf(pupil(upn("873400124001"), year="10", former="", in_basic=False)))
    assert parsed.rows[0].year_group == 10


def test_reception_is_year_0_in_an_all_through_school():
    parsed = parse(
        ctf(pupil(upn("873400124001"), dob="2022-01-10", year="R")),
        statutory_low_age=4,
        statutory_high_age=18,
    )
    assert parsed.rows[0].year_group == 0


def test_the_current_version_and_the_one_before_are_accepted_with_or_without_a_minor_number():
    assert accepted_versions(TODAY) == (26, 25)
    assert accepted_versions(datetime.date(2027, 8, 31)) == (26, 25)
    assert accepted_versions(datetime.date(2027, 9, 1)) == (27, 26)
    for version in ("26.0", "25.0", "26", "25.1"):
        assert len(parse(ctf(pupil(upn("873400124001")), version=version)).rows) == 1


def test_a_namespace_on_the_elements_does_not_matter():
    stream = ctf(pupil(upn("873400124001")))
    text = stream.getvalue().replace(b"<CTfile>", b'<CTfile xmlns="urn:example:ctf">')
    assert len(parse(io.BytesIO(text)).rows) == 1


def test_a_pupil_without_a_upn_is_taken_for_matching_by_name_and_date_of_birth():
    [row] = parse(ctf(pupil(""))).rows
    assert row.upn == ""


def test_the_years_a_school_teaches_come_from_its_statutory_ages():
    assert list(year_range(school())) == [7, 8, 9, 10, 11]
    assert list(year_range(school(statutory_high_age=18))) == [7, 8, 9, 10, 11, 12, 13]
    assert list(year_range(school(statutory_low_age=4, statutory_high_age=11))) == list(range(7))
    assert list(year_range(school(statutory_low_age=None, statutory_high_age=None))) == list(
        range(7, 14)
    )


# The whole file refused ---------------------------------------------------------------------


def test_a_ctf_for_another_school_is_refused_naming_both():
    why = refused(ctf(pupil(upn("873400124001")), la="940", estab="4123"))
    assert "LA number 940" in why and "establishment number 4123" in why
    assert "LA 873, establishment 4001" in why and "Ashdown Academy" in why


def test_a_ctf_for_another_establishment_in_the_same_authority_is_refused():
    assert "establishment number 4002" in refused(ctf(estab="4002"))


def test_a_school_without_a_laestab_cannot_take_a_ctf():
    assert "no LAESTAB" in refused(ctf(), laestab="")


@pytest.mark.parametrize("version", ["24.0", "19.0", "27.0", "abc", "2026"])
def test_a_version_not_accepted_is_refused_saying_which_are(version):
    why = refused(ctf(pupil(upn("873400124001")), version=version))
    assert "CTF 26 or CTF 25" in why


def test_a_header_without_a_version_is_refused():
    assert "no CTFversion" in refused(ctf(version=""))


def test_a_file_that_is_not_xml_is_refused_with_where():
    why = refused(io.BytesIO(b"UPN,Surname,Forename\nA123,Smith,Amelia\n"))
    assert "not a well-formed XML document (line 1, column 1)" in why


def test_an_empty_file_is_refused():
    assert "not a well-formed XML document" in refused(io.BytesIO(b""))


def test_a_truncated_file_is_refused_with_the_line_it_stops_at():
    whole = ctf(*[pupil(upn(f"873400124{n:03d}")) for n in range(3)]).getvalue()
    cut = whole[: len(whole) // 2].replace(b"><", b">\n<")
    why = refused(io.BytesIO(cut))
    assert "not a well-formed XML document" in why
    assert f"line {cut.count(b'\n') + 1}," in why


def test_xml_that_is_not_a_ctf_is_refused():
    why = refused(io.BytesIO(b"<?xml version='1.0'?><Roll><Pupil/></Roll>"))
    assert "not a common transfer file" in why and "<Roll>" in why


def test_a_ctf_without_a_header_is_refused():
    assert "no CTF header" in refused(io.BytesIO(b"<CTfile><CTFpupilData/></CTfile>"))


def test_a_dtd_is_refused():
    why = refused(ctf(prolog="<!DOCTYPE CTfile [<!ELEMENT CTfile ANY>]>"))
    assert "document type (DTD)" in why


def test_the_billion_laughs_are_refused_before_they_expand():
    laughs = '<!ENTITY lol "lol">' + "".join(
        f'<!ENTITY lol{n} "{f"&lol{n - 1};" * 10 if n > 1 else "&lol;" * 10}">'
        for n in range(1, 10)
    )
    stream = ctf(pupil(upn("873400124001"), "&lol9;"), prolog=f"<!DOCTYPE CTfile [{laughs}]>")
    started = time.perf_counter()
    why = refused(stream)
    assert time.perf_counter() - started < 1
    assert "DTD" in why and "entity" in why


def test_an_external_entity_is_refused():
    stream = ctf(
        pupil(upn("873400124001"), "&xxe;"),
        prolog='<!DOCTYPE CTfile [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>',
    )
    why = refused(stream)
    assert "DTD" in why
    assert "root:" not in why


def test_an_external_dtd_is_refused():
    stream = ctf(prolog='<!DOCTYPE CTfile SYSTEM "http://example.org/ctf.dtd">')
    assert "DTD" in refused(stream)


# Pupils refused with where and why ----------------------------------------------------------


def test_a_upn_with_a_wrong_check_letter_is_refused_for_that_pupil_only():
    good = upn("873400124001")
    bad = ("A" if good[0] != "A" else "B") + good[1:]
    parsed = parse(ctf(pupil(good), pupil(bad, forename="Ben")))
    assert [r.line for r in parsed.rows] == [1]
    [refusal] = parsed.refused
    assert (refusal.line, refusal.field) == (2, "UPN")
    assert "check letter" in refusal.why


def test_a_upn_from_an_unknown_authority_is_refused(db):
    [refusal] = parse(ctf(pupil(upn("999400124001")))).refused
    assert refusal.field == "UPN" and "999 is not the number of a local authority" in refusal.why


def test_a_upn_from_an_authority_gias_has_named_is_accepted(db):
    LocalAuthority.objects.create(code="944", name="A new authority")
    parsed = parse(ctf(pupil(upn("944400124001"))))
    assert parsed.refused == [] and len(parsed.rows) == 1


def test_a_bad_former_upn_is_refused_as_such():
    [refusal] = parse(ctf(pupil(upn("873400124001"), former="X12"))).refused
    assert refusal.field == "FormerUPN" and "13 characters" in refusal.why


def test_duplicate_upns_in_one_file_refuse_every_pupil_holding_it():
    twice = upn("873400124001")
    parsed = parse(ctf(pupil(twice), pupil(upn("873400124002")), pupil(twice, forename="Zoe")))
    assert [r.line for r in parsed.rows] == [2]
    assert [(r.line, r.field) for r in parsed.refused] == [(1, "UPN"), (3, "UPN")]
    assert "also given to pupil 3" in parsed.refused[0].why
    assert "also given to pupil 1" in parsed.refused[1].why


def test_a_duplicate_upn_counts_even_when_the_other_pupil_was_refused_for_something_else():
    twice = upn("873400124001")
    parsed = parse(ctf(pupil(twice, dob="2013-02-30"), pupil(twice, forename="Zoe")))
    assert parsed.rows == []
    assert [(r.line, r.field) for r in parsed.refused] == [(1, "DOB"), (2, "UPN")]
    assert "also given to pupil 1" in parsed.refused[1].why


@pytest.mark.parametrize(
    ("dob", "words"),
    [
        ("2013-02-30", "not a date of birth"),
        ("2013-13-01", "not a date of birth"),
        ("01/05/2013", "not a date of birth"),
        ("", "no date of birth"),
        ("2031-01-01", "not a possible date of birth"),
        ("20130501", "not a possible date of birth"),
    ],
)
def test_impossible_dates_of_birth_are_refused(dob, words):
    [refusal] = parse(ctf(pupil(upn("873400124001"), dob=dob))).refused
    assert refusal.field == "DOB" and words in refusal.why


@pytest.mark.parametrize("year", ["6", "12", "R", "N2", "X", "", None, "-1", "٣"])
def test_a_year_the_school_does_not_teach_is_refused_naming_its_range(year):
    [refusal] = parse(ctf(pupil(upn("873400124001"), year=year))).refused
    assert refusal.field == "NCyearActual"
    assert "Year 7 to Year 11" in refusal.why


def test_missing_legal_names_are_refused():
    parsed = parse(ctf(pupil(upn("873400124001"), surname=""), pupil("", forename=" ")))
    assert [(r.line, r.field) for r in parsed.refused] == [(1, "Surname"), (2, "Forename")]


def test_names_too_long_to_keep_are_refused_not_cut():
    [refusal] = parse(ctf(pupil(upn("873400124001"), surname="A" * 101))).refused
    assert refusal.field == "Surname" and "100 characters" in refusal.why


def test_parsing_writes_nothing(django_assert_num_queries, db):
    with django_assert_num_queries(0):
        parse(ctf(pupil(upn("873400124001")), pupil(upn("940400124001"))))


# Speed ---------------------------------------------------------------------------------------


def test_a_2000_pupil_ctf_parses_well_under_a_second():
    # The best of five, so a neighbour's busy moment on a shared machine does not count.
    timings = []
    with tempfile.TemporaryDirectory() as folder:
        path = write_ctf(Path(folder) / "roll.xml", laestab="8734001", pupils=2000, version="26.0")
        for _ in range(5):
            with open(path, "rb") as stream:
                started = time.perf_counter()
                parsed = parse_ctf(stream, school=school(), today=TODAY)
                timings.append(time.perf_counter() - started)
    assert len(parsed.rows) == 2000 and parsed.refused == []
    assert len({r.upn for r in parsed.rows}) == 2000
    assert min(timings) < 1.0, f"{min(timings):.2f} s"


def test_names_with_accents_are_read_in_the_encoding_the_file_declares():
    text = ctf(pupil(upn("873400124001"), surname="Núñez", forename="Zoë")).getvalue()
    latin = text.decode().replace('encoding="UTF-8"', 'encoding="ISO-8859-1"').encode("latin-1")
    [row] = parse(io.BytesIO(latin)).rows
    assert (row.legal_surname, row.legal_forename) == ("Núñez", "Zoë")


def test_a_ctf_is_told_from_a_csv_by_its_first_bytes():
    whole = ctf(pupil(upn("873400124001"))).getvalue()
    assert looks_like_ctf(whole)
    assert looks_like_ctf(b"\xef\xbb\xbf" + whole)
    assert looks_like_ctf(whole.decode().replace("UTF-8", "UTF-16").encode("utf-16"))
    assert looks_like_ctf(b"<!-- from the MIS -->\n<CTfile><Header/></CTfile>")
    assert not looks_like_ctf(b"UPN,Surname,Forename\n")
    assert not looks_like_ctf(b"<?xml version='1.0'?><Roll/>")


def test_a_file_over_the_size_limit_is_refused_while_reading():
    data = ctf(*[pupil(upn(f"873400124{n:03d}")) for n in range(400)]).getvalue()
    assert len(data) > 100 * 1024
    with pytest.raises(IntakeRefused) as error:
        parse_ctf(io.BytesIO(data), school=school(), today=TODAY, max_bytes=100 * 1024)
    assert "larger than 0.1 MB" in str(error.value)
    parsed = parse_ctf(io.BytesIO(data), school=school(), today=TODAY, max_bytes=len(data))
    assert len(parsed.rows) == 400

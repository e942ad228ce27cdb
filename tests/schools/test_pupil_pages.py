"""A school's pupils through HTTP: who may reach them, the form, and the roll import pages."""

import datetime

import pytest
from django.urls import reverse

from schools.intake import roll as roll_service
from schools.intake import roll_csv
from schools.models import Intake, Pupil
from tests.factories import PupilFactory

from .roll_fixtures import MAPPING, pupil_line, roll, upn

pytestmark = pytest.mark.usefixtures("media")


@pytest.fixture
def intake_a(school_a, head_a):
    intake = roll_service.roll_upload(
        school=school_a, by=head_a, name="roll.csv", data=roll(pupil_line(1))
    )
    return roll_service.roll_preview(intake=intake, by=head_a, mapping=MAPPING)


PAGES = {
    "list": lambda s, p, i: reverse("pupil_list", args=[s.code]),
    "new": lambda s, p, i: reverse("pupil_new", args=[s.code]),
    "correct": lambda s, p, i: reverse("pupil_correct", args=[p.code]),
    "upload": lambda s, p, i: reverse("roll_upload", args=[s.code]),
    "preview": lambda s, p, i: reverse("roll_preview", args=[i.code]),
    "columns": lambda s, p, i: reverse("roll_columns", args=[i.code]),
}
PEOPLE = {
    "head_a": 200,
    "spoc_a": 200,
    "deputy_a": 200,
    "staff_a": 403,
    "head_b": 404,
    "sspo_a": 404,
    "sergeant": 404,
    "admin_user": 404,
}


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize(("person", "status"), PEOPLE.items())
def test_only_the_schools_leads_reach_its_pupils(
    request, signed_in, school_a, pupil_a, intake_a, page, person, status
):
    client = signed_in(request.getfixturevalue(person))
    response = client.get(PAGES[page](school_a, pupil_a, intake_a))
    assert response.status_code == status


@pytest.mark.parametrize(("person", "status"), [("staff_a", 403), ("head_b", 404)])
def test_no_one_else_can_apply_or_abandon_an_import(request, signed_in, intake_a, person, status):
    client = signed_in(request.getfixturevalue(person))
    assert client.post(reverse("roll_apply", args=[intake_a.code])).status_code == status
    assert client.post(reverse("roll_abandon", args=[intake_a.code])).status_code == status
    intake_a.refresh_from_db()
    assert intake_a.status == Intake.Status.PREVIEWED
    assert Pupil.objects.count() == 0


def test_the_school_page_links_to_the_pupils_for_its_leads_only(
    signed_in, school_a, head_a, staff_a
):
    link = reverse("pupil_list", args=[school_a.code])
    page = reverse("school_detail", args=[school_a.code])
    assert link in signed_in(head_a).get(page).content.decode()
    assert link not in signed_in(staff_a).get(page).content.decode()


def _pupil_form(**over):
    data = {
        "first_name": "Ava",
        "last_name": "Stone",
        "preferred_forename": "",
        "preferred_surname": "",
        "date_of_birth_0": "3",
        "date_of_birth_1": "4",
        "date_of_birth_2": "2012",
        "year_group": "8",
        "upn": upn(40),
        "former_upn": "",
    }
    return {**data, **over}


def test_a_lead_adds_a_pupil_and_the_history_says_who(signed_in, school_a, spoc_a):
    response = signed_in(spoc_a).post(reverse("pupil_new", args=[school_a.code]), _pupil_form())
    assert response.status_code == 302
    pupil = Pupil.objects.get(upn=upn(40))
    assert (pupil.school, pupil.date_of_birth, pupil.year_group) == (
        school_a,
        datetime.date(2012, 4, 3),
        8,
    )
    assert pupil.history.get().history_user == spoc_a


def test_a_upn_held_by_a_current_pupil_gets_a_message_by_the_field(
    signed_in, school_a, school_b, head_a
):
    PupilFactory(school=school_b, upn=upn(40))
    response = signed_in(head_a).post(
        reverse("pupil_new", args=[school_a.code]), _pupil_form(first_name="Typed")
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert "already has this UPN" in form.errors["upn"][0]
    assert 'value="Typed"' in response.content.decode()
    assert Pupil.objects.filter(school=school_a).count() == 0


def test_a_upn_held_only_by_a_pupil_who_left_can_be_given_again(signed_in, school_a, head_a):
    PupilFactory(school=school_a, upn=upn(40), left_on=datetime.date(2025, 7, 20))
    response = signed_in(head_a).post(reverse("pupil_new", args=[school_a.code]), _pupil_form())
    assert response.status_code == 302
    assert Pupil.objects.filter(upn=upn(40)).count() == 2


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("upn", "A12345678901", "Enter a valid UPN"),
        ("year_group", "5", "Choose a year group taught at this school"),
        ("date_of_birth_1", "13", "must be a real date"),
        ("date_of_birth_2", "99999999999999999999", "must be a real date"),
        ("last_name", "Ash\x00by", "Null characters are not allowed"),
        ("upn", "x" * 500, "Ensure this value has at most 20 characters"),
        ("date_of_birth_2", "2999", "in the past"),
        ("date_of_birth_2", "1950", "must be within the last 30 years"),
        ("first_name", "", "This field is required"),
    ],
)
def test_bad_pupil_details_get_a_message_by_the_field(
    signed_in, school_a, head_a, field, value, message
):
    response = signed_in(head_a).post(
        reverse("pupil_new", args=[school_a.code]), _pupil_form(**{field: value})
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    name = field.split("_")[0] if field.startswith("date_of_birth") else field
    name = "date_of_birth" if name == "date" else name
    assert message in " ".join(errors[name])
    assert Pupil.objects.count() == 0


def test_a_correction_keeps_the_old_details_in_history(signed_in, head_a, pupil_a):
    response = signed_in(head_a).post(
        reverse("pupil_correct", args=[pupil_a.code]),
        _pupil_form(first_name="Amelie", last_name="Ashby", upn=pupil_a.upn, year_group="9"),
    )
    assert response.status_code == 302
    pupil_a.refresh_from_db()
    assert pupil_a.first_name == "Amelie"
    assert [h.first_name for h in pupil_a.history.order_by("history_date")] == [
        "Amelia",
        "Amelie",
    ]
    assert pupil_a.history.first().history_user == head_a


def test_a_lead_records_a_pupil_as_left_and_the_record_stays(signed_in, head_a, pupil_a):
    data = _pupil_form(
        first_name=pupil_a.first_name,
        last_name=pupil_a.last_name,
        upn=pupil_a.upn,
        date_of_birth_0="1",
        date_of_birth_1="5",
        date_of_birth_2="2012",
        year_group="9",
        left_on_0="1",
        left_on_1="9",
        left_on_2="2026",
    )
    assert (
        signed_in(head_a).post(reverse("pupil_correct", args=[pupil_a.code]), data).status_code
        == 302
    )
    pupil_a.refresh_from_db()
    assert pupil_a.left_on == datetime.date(2026, 9, 1)


def _upload(client, school, data, name="roll.csv"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.post(
        reverse("roll_upload", args=[school.code]), {"file": SimpleUploadedFile(name, data)}
    )


def test_a_head_imports_the_roll_through_upload_columns_preview_and_apply(
    signed_in, school_a, head_a
):
    client = signed_in(head_a)
    response = _upload(client, school_a, roll(pupil_line(1), pupil_line(2)))
    intake = Intake.objects.get()
    assert response["Location"] == reverse("roll_columns", args=[intake.code])
    columns = client.get(response["Location"])
    # The mapping is guessed from the file's headings.
    assert columns.context["form"].initial == MAPPING
    response = client.post(response["Location"], MAPPING)
    assert response["Location"] == reverse("roll_preview", args=[intake.code])
    preview = client.get(response["Location"])
    assert preview.context["counts"]["new"] == 2
    assert "Forename2 Surname2" in preview.content.decode()
    response = client.post(reverse("roll_apply", args=[intake.code]))
    assert response["Location"] == reverse("pupil_list", args=[school_a.code])
    assert Pupil.objects.filter(school=school_a, left_on=None).count() == 2
    listing = client.get(response["Location"]).content.decode()
    assert "Applied" in listing
    assert "2 new, 0 changed, 0 left, 0 refused" in listing


def test_the_next_import_offers_the_remembered_mapping(signed_in, school_a, head_a):
    school_a.roll_csv_mapping = {**MAPPING, "upn": "Pupil UPN"}
    school_a.save()
    client = signed_in(head_a)
    data = roll(
        pupil_line(1), header="Pupil UPN,Legal Surname,Legal Forename,Preferred Forename,DOB,Year"
    )
    response = _upload(client, school_a, data)
    assert client.get(response["Location"]).context["form"].initial["upn"] == "Pupil UPN"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (roll(pupil_line(1)).replace(b",", b";"), "separated by semicolons"),
        (
            roll(pupil_line(1), pupil_line(2, forename="Zoë")).decode().encode("cp1252"),
            "not in UTF-8",
        ),
        (roll(pupil_line(1), f'{upn(2)},"Lee,Ann,,01/05/2012,9'), "Line 3: a quotation mark"),
        (b"", "The submitted file is empty"),
    ],
)
def test_an_unreadable_file_is_refused_by_the_field_and_nothing_recorded(
    signed_in, school_a, head_a, data, message
):
    response = _upload(signed_in(head_a), school_a, data)
    assert response.status_code == 200
    assert message in response.context["form"].errors["file"][0]
    assert Intake.objects.count() == 0


def test_a_file_over_the_size_limit_is_refused_while_it_is_read(
    signed_in, school_a, head_a, monkeypatch
):
    monkeypatch.setattr(roll_csv, "MAX_BYTES", 1024)
    monkeypatch.setattr(roll_service, "CTF_MAX_BYTES", 2048)
    response = _upload(signed_in(head_a), school_a, roll(*(pupil_line(n) for n in range(80))))
    assert response.status_code == 200
    assert response.context["form"].errors["file"] == ["The file is larger than 2 kB."]
    assert Intake.objects.count() == 0


def test_a_csv_over_its_own_limit_is_refused_by_the_field(
    signed_in, school_a, head_a, monkeypatch
):
    monkeypatch.setattr(roll_csv, "MAX_BYTES", 1024)
    response = _upload(signed_in(head_a), school_a, roll(*(pupil_line(n) for n in range(40))))
    assert response.status_code == 200
    assert response.context["form"].errors["file"] == ["The file is larger than 1 kB."]
    assert Intake.objects.count() == 0


def test_a_column_left_unchosen_is_asked_for_by_its_field(signed_in, intake_a, head_a):
    response = signed_in(head_a).post(
        reverse("roll_columns", args=[intake_a.code]), {**MAPPING, "date_of_birth": ""}
    )
    assert response.status_code == 200
    assert (
        "Choose the column that holds the date of birth"
        in (response.context["form"].errors["date_of_birth"][0])
    )


def test_one_column_chosen_for_two_fields_is_refused_by_the_second(signed_in, intake_a, head_a):
    chosen = {**MAPPING, "preferred_surname": MAPPING["legal_surname"]}
    response = signed_in(head_a).post(reverse("roll_columns", args=[intake_a.code]), chosen)
    assert response.status_code == 200
    heading = MAPPING["legal_surname"]
    assert response.context["form"].errors["preferred_surname"] == [
        f"“{heading}” is already chosen for the legal surname."
    ]
    assert "legal_surname" not in response.context["form"].errors


def test_a_question_is_answered_on_the_preview_then_applied(signed_in, school_a, head_a):
    twins = [
        PupilFactory(school=school_a, upn="", first_name="Ann", last_name="Lee") for _ in range(2)
    ]
    intake = roll_service.roll_upload(
        school=school_a,
        by=head_a,
        name="r.csv",
        data=roll(pupil_line(1, surname="Lee", forename="Ann")),
    )
    intake = roll_service.roll_preview(intake=intake, by=head_a, mapping=MAPPING)
    client = signed_in(head_a)
    url = reverse("roll_preview", args=[intake.code])
    page = client.get(url).content.decode()
    assert "Decide who these rows are" in page
    assert client.post(reverse("roll_apply", args=[intake.code])).status_code == 302
    assert Pupil.objects.filter(upn=upn(1)).count() == 0  # refused while open
    client.post(url, {"line_2": str(twins[0].code)})
    client.post(reverse("roll_apply", args=[intake.code]))
    twins[0].refresh_from_db()
    assert twins[0].upn == upn(1)


def test_pupils_who_left_are_not_offered_for_a_new_concern(signed_in, staff_a, school_a):
    gone = PupilFactory(
        school=school_a, first_name="Gone", last_name="Ashby", left_on=datetime.date(2026, 7, 20)
    )
    here = PupilFactory(school=school_a, first_name="Here", last_name="Ashby")
    client = signed_in(staff_a)
    body = client.post(
        reverse("concern_new"), {"search": "1", "pupil_query": "Ashby"}
    ).content.decode()
    assert str(here.code) in body
    assert str(gone.code) not in body
    # Nor can one be added by posting their code.
    body = client.post(reverse("concern_new"), {"add": str(gone.code)}).content.decode()
    assert str(gone.code) not in body


@pytest.mark.parametrize("extra", [0, 60])
def test_the_pupil_list_costs_the_same_queries_however_long_the_roll(
    signed_in, school_a, head_a, intake_a, extra, django_assert_max_num_queries
):
    PupilFactory.create_batch(5 + extra, school=school_a)
    PupilFactory.create_batch(
        2 + extra // 10, school=school_a, upn="", left_on=datetime.date(2026, 7, 1)
    )
    client = signed_in(head_a)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("pupil_list", args=[school_a.code]))
    assert len(response.context["current"]) == 5 + extra


def test_reading_the_roll_and_a_preview_is_logged_without_names(
    signed_in, school_a, head_a, pupil_a, intake_a
):
    from ssp.models import AccessLog

    client = signed_in(head_a)
    client.get(reverse("pupil_list", args=[school_a.code]))
    row = AccessLog.objects.get(action="roll_read")
    assert (row.user, row.object_code, row.object_type) == (head_a, school_a.code, "school")
    client.get(reverse("roll_preview", args=[intake_a.code]))
    row = AccessLog.objects.get(object_type="roll_import")
    assert (row.user, row.object_code) == (head_a, intake_a.code)


def test_a_pupil_who_left_keeps_their_record_for_the_schools_leads(signed_in, spoc_a, pupil_a):
    pupil_a.left_on = datetime.date(2026, 7, 20)
    pupil_a.save()
    response = signed_in(spoc_a).get(reverse("pupil_chronology", args=[pupil_a.code]))
    assert response.status_code == 200
    assert "Amelia Ashby" in response.content.decode()


def test_the_school_page_lists_the_last_roll_imports_for_its_leads(
    signed_in, school_a, head_a, staff_a, intake_a
):
    roll_service.roll_apply(intake=intake_a, by=head_a)
    page = reverse("school_detail", args=[school_a.code])
    assert "applied (1 new, 0 changed, 0 left)" in signed_in(head_a).get(page).content.decode()
    assert "school-roll-imports" not in signed_in(staff_a).get(page).content.decode()

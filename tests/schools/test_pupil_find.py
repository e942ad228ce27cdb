"""A school's leads find a pupil by name, year group or UPN and reach what the school holds
about them (issue 11, item 5). Names are posted, never in a URL; outsiders get 404."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from incidents.models import Concern, ConcernPupil
from ssp.models import AccessLog
from tests.factories import PupilFactory


@pytest.fixture
def pupils(school_a, school_b):
    return {
        "amelia": PupilFactory(
            school=school_a, first_name="Amelia", last_name="Ashby", year_group=8
        ),
        "noah": PupilFactory(school=school_a, first_name="Noah", last_name="Ashby", year_group=10),
        "jo": PupilFactory(
            school=school_a,
            first_name="Joanna",
            last_name="Smith",
            preferred_forename="Jo",
            year_group=8,
        ),
        "left": PupilFactory(
            school=school_a,
            first_name="Leo",
            last_name="Ashby",
            year_group=11,
            left_on=datetime.date(2026, 7, 20),
        ),
        "elsewhere": PupilFactory(school=school_b, first_name="Bella", last_name="Ashby"),
    }


def find(client, school, **wanted):
    data = {"name": "", "year_group": "", "upn": ""} | wanted
    return client.post(reverse("pupil_find", args=[school.code]), data)


def names(response) -> set[str]:
    body = response.content.decode()
    everyone = ("Amelia", "Noah", "Joanna", "Leo", "Bella")
    return {name for name in everyone if f", {name}" in body}


PEOPLE = [
    "spoc_a",
    "deputy_a",
    "head_a",
    "staff_a",
    "spoc_b",
    "head_b",
    "sspo_a",
    "sergeant",
    "yet_officer",
    "admin_user",
]
MAY_FIND = {"spoc_a": 200, "deputy_a": 200, "head_a": 200, "staff_a": 403}


@pytest.mark.parametrize("person", PEOPLE)
def test_who_may_search_a_schools_pupils(request, client, school_a, pupils, person):
    client.force_login(request.getfixturevalue(person))
    expected = MAY_FIND.get(person, 404)
    assert client.get(reverse("pupil_find", args=[school_a.code])).status_code == expected
    response = find(client, school_a, name="ashby")
    assert response.status_code == expected
    if expected != 200:
        # Only the page's main content: the header names the person signed in, who may
        # by chance share a first name with a pupil.
        main = response.content.decode().split("<main", 1)[1].split("</main>", 1)[0]
        assert "Ashby" not in main and not names(response)
        assert not AccessLog.objects.filter(action="search_result").exists()


def test_a_name_finds_pupils_of_the_school_only_left_ones_too(client, spoc_a, school_a, pupils):
    client.force_login(spoc_a)
    response = find(client, school_a, name="ashby")
    assert names(response) == {"Amelia", "Noah", "Leo"}
    assert "Left on 20 Jul 2026" in response.content.decode()


def test_words_narrow_and_preferred_names_count(client, spoc_a, school_a, pupils):
    client.force_login(spoc_a)
    assert names(find(client, school_a, name="am ASHBY")) == {"Amelia"}
    assert names(find(client, school_a, name="jo")) == {"Joanna"}


def test_a_year_group_alone_lists_that_year(client, spoc_a, school_a, pupils):
    client.force_login(spoc_a)
    assert names(find(client, school_a, year_group="8")) == {"Amelia", "Joanna"}
    assert names(find(client, school_a, name="ashby", year_group="8")) == {"Amelia"}


def test_a_upn_finds_its_pupil_however_typed(client, spoc_a, school_a, pupils):
    client.force_login(spoc_a)
    upn = pupils["noah"].upn
    typed = f" {upn[:4].lower()} {upn[4:]} "
    response = find(client, school_a, upn=typed)
    assert names(response) == {"Noah"}
    assert upn in response.content.decode()  # school leads see the UPN


def test_a_former_upn_finds_the_pupil_too(client, spoc_a, school_a, pupils):
    noah = pupils["noah"]
    noah.former_upn, noah.upn = noah.upn, ""
    noah.save()
    client.force_login(spoc_a)
    assert names(find(client, school_a, upn=noah.former_upn)) == {"Noah"}


def test_another_schools_upn_finds_nothing(client, spoc_a, school_a, pupils):
    client.force_login(spoc_a)
    response = find(client, school_a, upn=pupils["elsewhere"].upn)
    assert names(response) == set()
    assert "No pupil at Ashdown Academy matches" in response.content.decode()


def test_an_empty_search_is_told_what_to_enter(client, spoc_a, school_a, pupils):
    client.force_login(spoc_a)
    body = find(client, school_a).content.decode()
    assert "Enter a name, choose a year group or enter a UPN" in body
    assert 'href="#id_name"' in body  # the summary links to the field
    assert not AccessLog.objects.filter(action="search_result").exists()


def test_a_partial_upn_is_refused_and_what_was_typed_is_kept(client, spoc_a, school_a, pupils):
    client.force_login(spoc_a)
    body = find(client, school_a, name="ashby", upn="A8731").content.decode()
    assert "Enter the whole UPN" in body
    assert 'value="A8731"' in body and 'value="ashby"' in body
    assert "Amelia" not in body


def test_a_year_the_school_does_not_teach_is_refused(client, spoc_a, school_a, pupils):
    client.force_login(spoc_a)
    body = find(client, school_a, year_group="99").content.decode()
    assert "Choose a year group taught at this school" in body


def test_names_are_posted_never_in_the_url(client, spoc_a, school_a, pupils):
    client.force_login(spoc_a)
    page = client.get(reverse("pupil_find", args=[school_a.code]))
    assert 'method="post"' in page.content.decode()
    # A name put in the URL by hand searches nothing.
    response = client.get(reverse("pupil_find", args=[school_a.code]) + "?name=ashby")
    assert names(response) == set()


def test_each_pupil_shown_is_logged_without_names(client, spoc_a, school_a, pupils):
    client.force_login(spoc_a)
    find(client, school_a, name="ashby")
    rows = AccessLog.objects.filter(action="search_result", object_type="pupil", user=spoc_a)
    assert {row.object_code for row in rows} == {
        pupils[p].code for p in ("amelia", "noah", "left")
    }
    assert "Ashby" not in " ".join(str(v) for v in AccessLog.objects.values_list())


def test_a_result_leads_to_what_the_school_holds_about_the_pupil(
    client, spoc_a, staff_a, school_a, pupils
):
    concern = Concern.objects.create(
        reference="C-FIND0001",
        school=school_a,
        reported_by=staff_a,
        category="bullying",
        narrative="Pushed on the stairs.",
        happened_at=timezone.now() - datetime.timedelta(hours=1),
        location="in_school",
    )
    ConcernPupil.objects.create(concern=concern, pupil=pupils["amelia"], role="victim")
    client.force_login(spoc_a)
    body = find(client, school_a, name="amelia").content.decode()
    link = reverse("pupil_chronology", args=[pupils["amelia"].code])
    assert f'href="{link}"' in body
    assert concern.reference in client.get(link).content.decode()


def test_many_matches_are_capped_and_the_rest_counted(client, spoc_a, school_a):
    for n in range(53):
        PupilFactory(school=school_a, last_name=f"Ashby{n:02d}", year_group=9)
    client.force_login(spoc_a)
    body = find(client, school_a, year_group="9").content.decode()
    assert body.count('<tr class="govuk-table__row">') == 51  # the heading row and 50
    assert "3 more pupils match" in body


def test_the_search_costs_the_same_queries_for_2_or_40_results(client, spoc_a, school_a):
    client.force_login(spoc_a)

    def queries(count):
        for n in range(count):
            PupilFactory(school=school_a, last_name=f"Query{count}x{n:02d}", year_group=10)
        with CaptureQueriesContext(connection) as captured:
            assert find(client, school_a, name=f"Query{count}x").status_code == 200
        return len(captured)

    queries(0)  # the first request of a session does its own once-only work
    assert queries(2) == queries(40)

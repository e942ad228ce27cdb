import datetime
from types import SimpleNamespace

import pytest
import time_machine
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from reports.table_rows import school_cells, school_row
from schools.models import Assignment
from tests.factories import MembershipFactory, PartnershipFactory

HOME = "/"


def home_text(client, user) -> str:
    client.force_login(user)
    response = client.get(HOME)
    assert response.status_code == 200
    return response.content.decode()


def test_staff_see_their_school_and_its_spoc(client, staff_a, spoc_a, school_b):
    body = home_text(client, staff_a)
    assert "Ashdown Academy" in body
    assert spoc_a.get_full_name() in body
    assert "Brookfield School" not in body


def test_spoc_sees_their_school_partnership_and_sspo(client, spoc_a, sspo_a, school_b, sspo_b):
    body = home_text(client, spoc_a)
    assert "Ashdown Academy" in body
    assert "Active" in body
    assert sspo_a.get_full_name() in body
    assert "Brookfield School" not in body
    assert sspo_b.get_full_name() not in body


def test_head_sees_their_school(client, head_a, school_b):
    body = home_text(client, head_a)
    assert "Ashdown Academy" in body
    assert "Brookfield School" not in body


def test_head_of_a_school_without_an_sspo_sees_the_yet_serves_it(client, head_c):
    body = home_text(client, head_c)
    assert "Coldharbour School" in body
    assert "Youth Engagement Team" in body


def test_sspo_sees_only_their_schools(client, sspo_a, sspo_b, school_c):
    body = home_text(client, sspo_a)
    assert "Ashdown Academy" in body
    assert "Brookfield School" not in body
    assert "Coldharbour School" not in body


def test_sergeant_sees_the_teams_schools_and_officers(
    client, sergeant, sspo_a, sspo_b, school_c, other_sergeant
):
    body = home_text(client, sergeant)
    assert "Ashdown Academy" in body and "Brookfield School" in body
    assert sspo_a.get_full_name() in body and sspo_b.get_full_name() in body
    assert "Coldharbour School" not in body
    assert other_sergeant.get_full_name() not in body


def test_yet_officer_sees_the_schools_they_serve(client, yet_officer, school_a, school_c):
    body = home_text(client, yet_officer)
    assert "Coldharbour School" in body
    assert "Ashdown Academy" not in body


def test_an_sspo_whose_assignment_ended_no_longer_sees_the_school(client, sspo_a, school_a):
    import datetime

    assignment = Assignment.objects.get(officer=sspo_a.officer)
    assignment.ends_on = datetime.date.today() - datetime.timedelta(days=1)
    assignment.save()
    assert "Ashdown Academy" not in home_text(client, sspo_a)


def test_admin_goes_to_the_admin(client, admin_user):
    client.force_login(admin_user)
    assert client.get(HOME)["Location"] == reverse("admin:index")


def test_anonymous_people_are_sent_to_sign_in(client, db):
    assert client.get(HOME)["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize(
    "who, school, status",
    [
        ("staff_a", "school_a", 200),
        ("staff_a", "school_b", 404),
        ("head_a", "school_a", 200),
        ("head_a", "school_b", 404),
        ("spoc_b", "school_b", 200),
        ("spoc_b", "school_a", 404),
        ("sspo_a", "school_a", 200),
        ("sspo_a", "school_b", 404),
        ("sspo_a", "school_c", 404),
        ("sergeant", "school_a", 200),
        ("sergeant", "school_c", 404),
        ("other_sergeant", "school_a", 404),
        ("yet_officer", "school_c", 200),
        ("yet_officer", "school_a", 404),
        ("admin_user", "school_a", 404),
    ],
)
def test_a_school_page_answers_404_outside_scope(
    request, client, sspo_a, sspo_b, who, school, status
):
    client.force_login(request.getfixturevalue(who))
    school = request.getfixturevalue(school)
    assert client.get(reverse("school_detail", args=[school.code])).status_code == status


def test_a_made_up_school_code_is_404(client, staff_a):
    client.force_login(staff_a)
    assert client.get("/schools/00000000-0000-0000-0000-000000000000/").status_code == 404


def test_police_never_see_pupil_upns_on_school_pages(client, sspo_a, pupil_a, school_a):
    client.force_login(sspo_a)
    body = client.get(reverse("school_detail", args=[school_a.code])).content.decode()
    assert pupil_a.upn not in body


def test_sergeant_home_query_count_is_flat(
    client, sergeant, safer_team, django_assert_max_num_queries
):
    from tests.factories import OfficerFactory

    def add_officer_with_two_schools():
        officer = OfficerFactory(team=safer_team)
        for _ in range(2):
            school = PartnershipFactory().school
            MembershipFactory(school=school, is_slt=True, designation="spoc")
            Assignment.objects.create(officer=officer, school=school)

    add_officer_with_two_schools()
    client.force_login(sergeant)
    client.get(HOME)  # the first request after sign-in also starts the session clock
    cache.clear()  # the team's count is kept once counted: count the page that counts it
    with django_assert_max_num_queries(8) as few:
        client.get(HOME)
    for _ in range(6):
        add_officer_with_two_schools()
    cache.clear()
    with django_assert_max_num_queries(len(few.captured_queries)) as many:
        body = client.get(HOME).content.decode()
    assert body.count("govuk-table__row") > 12
    assert len(many.captured_queries) == len(few.captured_queries)


def test_the_spoc_home_counts_concerns_awaiting_triage(client, spoc_a, staff_a, school_a):
    from incidents.models import Concern

    for risk in (True, False):
        Concern.objects.create(
            reference=f"H-{risk}",
            school=school_a,
            reported_by=staff_a,
            category="welfare",
            narrative="x",
            location="in_school",
            happened_at=timezone.now(),
            immediate_risk=risk,
        )
    body = home_text(client, spoc_a)
    assert "2 concerns awaiting triage" in body and "1 at immediate risk" in body


@pytest.mark.parametrize(
    "who, links",
    [
        (
            "spoc_a",
            [
                "/concerns/enquiries/",
                "/concerns/incident-summaries/",
                "/referrals/school/",
                "/referrals/conferences/",
            ],
        ),
        (
            "sergeant",
            [
                "/concerns/incidents/",
                "/referrals/",
                "/referrals/schemes/",
                "/referrals/conferences/",
                "/concerns/enquiries/",
            ],
        ),
        (
            "sspo_a",
            [
                "/concerns/incidents/",
                "/referrals/",
                "/referrals/conferences/",
                "/concerns/enquiries/",
                "/concerns/shared/",
            ],
        ),
    ],
)
def test_each_home_links_to_the_pages_of_that_role(client, who, links, request):
    body = home_text(client, request.getfixturevalue(who))
    for link in links:
        assert f'href="{link}"' in body
        assert client.get(link).status_code == 200, link


def test_staff_are_offered_no_way_to_reach_the_sspo(client, staff_a, sspo_a):
    body = home_text(client, staff_a)
    assert "enquiries" not in body.lower()


# Issue 11 asks ≤ 8 queries of every home, and every home must stay flat as concerns grow.
@pytest.mark.parametrize(
    "who, ceiling",
    [
        ("staff_a", 8),
        ("sergeant", 8),
        ("yet_officer", 8),
        ("spoc_a", 8),
        ("head_a", 8),
        ("sspo_a", 8),
    ],
)
def test_every_home_answers_in_the_same_queries_however_many_concerns(
    request,
    client,
    make_concern,
    school_a,
    staff_a,
    pupil_a,
    who,
    ceiling,
    django_assert_max_num_queries,
):
    make_concern(school=school_a, reported_by=staff_a, pupils=[pupil_a])
    client.force_login(request.getfixturevalue(who))
    client.get(HOME)  # the first request after sign-in also starts the session clock
    with django_assert_max_num_queries(ceiling) as few:
        assert client.get(HOME).status_code == 200
    for _ in range(30):
        make_concern(school=school_a, reported_by=staff_a, pupils=[pupil_a])
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(HOME).status_code == 200


def test_the_schools_table_shows_each_school_its_partnership_sspos_and_spocs(
    client, sergeant, sspo_a, spoc_a, deputy_a, sspo_b, yet_officer, school_c
):
    # Drawn in Python (reports.table_rows.school_row): the same cells the template drew.
    school_b = sspo_b.officer.assignments.get().school
    school_b.partnership.status = "proposed"
    school_b.partnership.save(update_fields=["status"])
    rows = home_text(client, sergeant).split('<tr class="govuk-table__row">')
    ashdown = next(row for row in rows if "Ashdown Academy</a>" in row)
    brookfield = next(row for row in rows if "Brookfield School</a>" in row)
    assert reverse("school_detail", args=[spoc_a.memberships.get().school.code]) in ashdown
    assert '<strong class="govuk-tag govuk-tag--green">Active</strong>' in ashdown
    assert f"Dan Okafor ({sspo_a.officer.collar_number})" in ashdown
    assert f"{spoc_a.get_full_name()}, {deputy_a.get_full_name()} (deputy)" in ashdown
    assert '<strong class="govuk-tag govuk-tag--blue">Proposed</strong>' in brookfield
    assert sspo_b.get_full_name() in brookfield and "Not yet named" in brookfield
    # The Youth Engagement Team's school, as its officer sees it.
    rows = home_text(client, yet_officer).split('<tr class="govuk-table__row">')
    coldharbour = next(row for row in rows if "Coldharbour School</a>" in row)
    assert 'govuk-tag--purple">Youth Engagement Team</strong>' in coldharbour
    assert "Served by the Youth Engagement Team" in coldharbour


def test_a_school_row_says_what_a_school_does_not_have_yet(school_c):
    school = SimpleNamespace(
        code=school_c.code,
        name="Eastgate College",
        urn="123456",
        served_by_yet=False,  # meets the criteria, but no partnership, SSPO or SPOC yet
        current_sspos=[],
        leads=[],
    )
    school.cells = school_cells(school)
    row = school_row(school)
    assert '<strong class="govuk-tag govuk-tag--grey">No partnership</strong>' in row
    assert "None assigned" in row and "Not yet named" in row


def test_the_schools_table_escapes_names_and_shows_a_renamed_spoc(
    client, sergeant, sspo_a, spoc_a
):
    school = spoc_a.memberships.get().school
    school.name = "Ashdown <b>Academy</b>"
    school.save(update_fields=["name"])
    spoc_a.first_name = "<script>alert(1)</script>"
    spoc_a.save(update_fields=["first_name"])
    body = home_text(client, sergeant)
    assert "<script>alert(1)" not in body and "<b>Academy" not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body
    assert "Ashdown &lt;b&gt;Academy&lt;/b&gt;</a>" in body
    # A row is drawn again from what changed, not found as it was.
    spoc_a.first_name = "Sam"
    spoc_a.save(update_fields=["first_name"])
    body = home_text(client, sergeant)
    assert f"Sam {spoc_a.last_name}" in body and "alert(1)" not in body
    assert "of Ashdown &lt;b&gt;Academy&lt;/b&gt;</span>" in body  # its appraisal link


def test_the_schools_table_shows_the_people_in_place_on_the_day(client, sergeant, sspo_a, spoc_a):
    # The people's statement is built once per process; each request brings its own day.
    leaving = spoc_a.memberships.get()
    leaving.left_on = timezone.localdate() + datetime.timedelta(days=2)
    leaving.save(update_fields=["left_on"])
    assert spoc_a.get_full_name() in home_text(client, sergeant)
    with time_machine.travel(timezone.now() + datetime.timedelta(days=3)):
        body = home_text(client, sergeant)
    ashdown = next(row for row in body.split("<tr") if "Ashdown Academy</a>" in row)
    assert spoc_a.get_full_name() not in ashdown and "Not yet named" in ashdown
    assert sspo_a.get_full_name() in ashdown

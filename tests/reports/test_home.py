import pytest
from django.urls import reverse
from django.utils import timezone

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
    with django_assert_max_num_queries(12) as few:
        client.get(HOME)
    for _ in range(6):
        add_officer_with_two_schools()
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

"""Allocation by need: the sergeant's ranking, weights, the force's own measures, the SSPO
criteria and assigning officers within the two-school limit."""

import datetime
import re
import threading
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from schools.allocation import force_measures, need_measure_add, ranking, weights_fingerprint
from schools.models import Assignment, NeedMeasure, School, SchoolNeedFigure, Team
from schools.services import assignment_create
from tests.factories import (
    MembershipFactory,
    OfficerFactory,
    PartnershipFactory,
    SchoolFactory,
    TeamFactory,
)

D = datetime.date
TODAY = datetime.date.today


def _weights(**weights):
    data = {f"weight_{key}": str(value) for key, value in weights.items()}
    return data


@pytest.fixture
def four_schools(force, sergeant):
    """Four secondary schools with chosen figures, and the force's weights: crime 2, ASB 1,
    first-time entrants 0, truancy 1, deprivation 1, and its own knife-crime measure 2."""
    a = SchoolFactory(
        force=force, name="Alder High", recorded_crimes=20, asb_incidents=10,
        first_time_entrants=5, persistent_absence_pct=Decimal("10.0"), idaci_decile=1,
    )  # fmt: skip
    b = SchoolFactory(
        force=force, name="Birch Academy", recorded_crimes=10, asb_incidents=40,
        first_time_entrants=50, persistent_absence_pct=Decimal("20.0"), idaci_decile=10,
    )  # fmt: skip
    c = SchoolFactory(
        force=force, name="Cedar School", recorded_crimes=0, asb_incidents=0,
        first_time_entrants=0, persistent_absence_pct=Decimal("0"), idaci_decile=5,
        phase=School.Phase.ALL_THROUGH,
    )  # fmt: skip
    d = SchoolFactory(
        force=force, name="Damson College", recorded_crimes=5, asb_incidents=20,
        first_time_entrants=1, persistent_absence_pct=Decimal("5.0"), idaci_decile=4,
        phase=School.Phase.MIDDLE,
    )  # fmt: skip
    knife = need_measure_add(
        force_id=force.pk, name="Knife crime near the school", weight=Decimal(2), by=sergeant
    )
    for school, value in ((a, 4), (b, 0), (d, 8)):  # Cedar has no figure entered
        SchoolNeedFigure.objects.create(school=school, measure=knife, value=value)
    weights = {"recorded_crimes": 2, "asb_incidents": 1, "first_time_entrants": 0}
    weights |= {"persistent_absence_pct": 1, "idaci_decile": 1, knife.key: 2}
    for key, name in NeedMeasure.BUILT_IN.items():
        NeedMeasure.objects.create(force=force, key=key, name=name, weight=weights[key])
    knife.weight = weights[knife.key]
    knife.save()
    return a, b, c, d


# Hand-computed. Highest figures: crime 20, ASB 40, truancy 20, knife 8; the weights sum to 7.
#   Alder:  2*20/20 + 10/40 + 10/20 + (10-1)/9 + 2*4/8 = 4.75     -> 4.75/7*100 = 67.857
#   Damson: 2*5/20 + 20/40 + 5/20 + (10-4)/9 + 2*8/8 = 3.9167     -> 55.952
#   Birch:  2*10/20 + 40/40 + 20/20 + (10-10)/9 + 2*0/8 = 3       -> 42.857
#   Cedar:  0 + 0 + 0 + (10-5)/9 + 0 (no figure) = 0.5556         -> 7.937
# Birch's 50 first-time entrants would put it first if that measure's weight of 0 counted.
EXPECTED = [
    ("Alder High", 67.857),
    ("Damson College", 55.952),
    ("Birch Academy", 42.857),
    ("Cedar School", 7.937),
]


def test_ranking_matches_hand_computed_scores(four_schools, sergeant):
    _, rows = ranking(sergeant)
    assert [(r.school.name, round(r.score, 3)) for r in rows] == EXPECTED
    assert [r.rank for r in rows] == [1, 2, 3, 4]


def test_the_page_shows_the_ranking_the_figures_and_the_formula(client, four_schools, sergeant):
    client.force_login(sergeant)
    body = client.get(reverse("allocation")).content.decode()
    positions = [body.index(name) for name, _ in EXPECTED]
    assert positions == sorted(positions)
    scores = re.findall(r"<td [^>]*data-score>([\d.]+)</td>", body)
    assert scores == ["67.9", "56.0", "42.9", "7.9"]
    assert "Knife crime near the school" in body and "not entered" in body
    assert "divided by the highest figure" in body and "(10 − decile) ÷ 9" in body


def test_only_the_forces_secondary_schools_are_ranked(client, force, sergeant, other_sergeant):
    SchoolFactory(force=force, name="Little Acorns Primary", phase=School.Phase.PRIMARY)
    SchoolFactory(force=force, name="Sixth Form College", phase=School.Phase.SIXTEEN_PLUS)
    SchoolFactory(force=other_sergeant.officer.team.force, name="Southshire High")
    SchoolFactory(force=force, name="Northshire High")
    client.force_login(sergeant)
    body = client.get(reverse("allocation")).content.decode()
    assert "Northshire High" in body
    for name in ("Little Acorns Primary", "Sixth Form College", "Southshire High"):
        assert name not in body


def test_the_page_shows_criteria_partnership_and_sspos(
    client, sergeant, sspo_a, school_b, school_c
):
    client.force_login(sergeant)
    body = client.get(reverse("allocation")).content.decode()
    assert sspo_a.get_full_name() in body
    assert "Coldharbour School" in body and "Youth Engagement Team" in body
    assert "Partnership: active" in body and "None assigned" in body  # Brookfield: no SSPO


def test_all_weights_zero_scores_every_school_zero(force, sergeant):
    SchoolFactory(force=force, recorded_crimes=10)
    for key, name in NeedMeasure.BUILT_IN.items():
        NeedMeasure.objects.create(force=force, key=key, name=name, weight=0)
    _, rows = ranking(sergeant)
    assert [r.score for r in rows] == [0.0]


# Weights


def test_built_in_measures_are_saved_on_first_use(client, force, sergeant):
    client.force_login(sergeant)
    assert client.get(reverse("need_weights")).status_code == 200
    assert not NeedMeasure.objects.filter(force=force).exists()  # reading writes nothing
    seen = weights_fingerprint(force_measures(force.pk))
    response = client.post(
        reverse("need_weights"),
        {"seen": seen} | _weights(recorded_crimes=3, asb_incidents=1, first_time_entrants=0.5,
                                  persistent_absence_pct=1, idaci_decile=2),
    )  # fmt: skip
    assert response.status_code == 302
    saved = dict(NeedMeasure.objects.filter(force=force).values_list("key", "weight"))
    assert saved == {
        "recorded_crimes": Decimal("3.0"),
        "asb_incidents": Decimal("1.0"),
        "first_time_entrants": Decimal("0.5"),
        "persistent_absence_pct": Decimal("1.0"),
        "idaci_decile": Decimal("2.0"),
    }
    crime = NeedMeasure.objects.get(force=force, key="recorded_crimes")
    assert crime.history.first().history_user == sergeant


def test_a_bad_weight_is_explained_and_what_was_typed_comes_back(client, force, sergeant):
    client.force_login(sergeant)
    seen = weights_fingerprint(force_measures(force.pk))
    response = client.post(
        reverse("need_weights"),
        {"seen": seen} | _weights(recorded_crimes=11, asb_incidents="lots",
                                  first_time_entrants=0.25, persistent_absence_pct=1,
                                  idaci_decile=""),
    )  # fmt: skip
    body = response.content.decode()
    assert response.status_code == 200
    assert "The weight for Recorded crime must be 10 or less" in body
    assert "Enter the weight for Anti-social behaviour as a number" in body
    assert "can have one decimal place" in body
    assert "Enter the weight for Deprivation (IDACI), from 0 to 10" in body
    assert 'value="11"' in body and 'value="lots"' in body and 'value="0.25"' in body
    assert not NeedMeasure.objects.filter(force=force).exists()


def test_weights_saved_by_someone_else_meanwhile_are_not_overwritten(client, force, sergeant):
    client.force_login(sergeant)
    seen = weights_fingerprint(force_measures(force.pk))
    NeedMeasure.objects.create(force=force, key="recorded_crimes", name="Recorded crime", weight=5)
    mine = _weights(recorded_crimes=2, asb_incidents=1, first_time_entrants=1,
                    persistent_absence_pct=1, idaci_decile=1)  # fmt: skip
    response = client.post(reverse("need_weights"), {"seen": seen} | mine)
    body = response.content.decode()
    assert response.status_code == 200
    assert "Someone else saved the weights" in body and "Recorded crime 5" in body
    assert 'value="2"' in body  # theirs are kept for them to save again
    assert NeedMeasure.objects.get(force=force, key="recorded_crimes").weight == 5
    new_seen = re.search(r'name="seen" value="([^"]*)"', body).group(1)
    response = client.post(reverse("need_weights"), {"seen": new_seen} | mine)
    assert response.status_code == 302
    assert NeedMeasure.objects.get(force=force, key="recorded_crimes").weight == 2


# The force's own measures and figures


def test_sergeant_adds_a_measure_of_the_forces_own(client, force, sergeant):
    client.force_login(sergeant)
    response = client.post(
        reverse("need_measure_new"), {"name": "Knife crime near the school", "weight": "1.5"}
    )
    assert response.status_code == 302
    measure = NeedMeasure.objects.get(force=force, name="Knife crime near the school")
    assert measure.weight == Decimal("1.5") and not measure.is_built_in


@pytest.mark.parametrize(
    "name, weight, message",
    [
        ("", "1", "Enter the name of the measure"),
        ("Knife crime", "12", "The weight must be 10 or less"),
        ("Knife crime", "-1", "The weight must be 0 or more"),
        ("Recorded crimes", "1", "The force already has a measure with that name"),
        ("Existing measure", "1", "The force already has a measure with that name"),
        ("!!!", "1", "at least one letter or number"),
    ],
)
def test_a_bad_measure_is_explained_and_kept(client, force, sergeant, name, weight, message):
    need_measure_add(force_id=force.pk, name="Existing measure", weight=Decimal(1), by=sergeant)
    client.force_login(sergeant)
    response = client.post(reverse("need_measure_new"), {"name": name, "weight": weight})
    body = response.content.decode()
    assert response.status_code == 200
    assert message in body
    assert f'value="{name}"' in body or not name
    assert f'value="{weight}"' in body
    assert NeedMeasure.objects.filter(force=force).count() == 1


def test_sergeant_enters_and_removes_a_schools_figure(client, force, sergeant):
    school = SchoolFactory(force=force)
    measure = need_measure_add(force_id=force.pk, name="Knife crime", weight=1, by=sergeant)
    client.force_login(sergeant)
    url = reverse("need_figures", args=[school.code])
    assert client.post(url, {"figure_knife_crime": "7.5"}).status_code == 302
    assert SchoolNeedFigure.objects.get(school=school, measure=measure).value == Decimal("7.5")
    assert client.post(url, {"figure_knife_crime": ""}).status_code == 302
    assert not SchoolNeedFigure.objects.filter(school=school).exists()


@pytest.mark.parametrize(
    "typed, message",
    [
        ("-3", "The figure for Knife crime must be 0 or more"),
        ("seven", "Enter the figure for Knife crime as a number"),
        ("1.25", "The figure for Knife crime can have one decimal place"),
    ],
)
def test_a_bad_figure_is_explained_and_kept(client, force, sergeant, typed, message):
    school = SchoolFactory(force=force)
    need_measure_add(force_id=force.pk, name="Knife crime", weight=1, by=sergeant)
    client.force_login(sergeant)
    response = client.post(
        reverse("need_figures", args=[school.code]), {"figure_knife_crime": typed}
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert message in body and f'value="{typed}"' in body
    assert not SchoolNeedFigure.objects.exists()


# The SSPO criteria and the Youth Engagement Team


def test_sergeant_marks_a_school_below_the_criteria_with_a_reason(client, force, sergeant):
    school = SchoolFactory(force=force, meets_sspo_criteria=True)
    client.force_login(sergeant)
    response = client.post(
        reverse("sspo_criteria", args=[school.code]),
        {"meets": "no", "reason": "Low crime and ASB in the 2026 assessment"},
    )
    assert response.status_code == 302
    school.refresh_from_db()
    assert not school.meets_sspo_criteria
    record = school.history.first()
    assert record.history_change_reason == "Low crime and ASB in the 2026 assessment"
    assert record.history_user == sergeant
    page = client.get(reverse("allocation_school", args=[school.code])).content.decode()
    assert "Low crime and ASB in the 2026 assessment" in page


@pytest.mark.parametrize(
    "data, message",
    [
        ({"reason": "No choice made"}, "Choose whether the school meets the SSPO criteria"),
        ({"meets": "no", "reason": ""}, "Enter the reason for this decision"),
        ({"meets": "no", "reason": "x" * 101}, "The reason must be 100 characters or fewer"),
    ],
)
def test_a_criteria_decision_without_its_parts_is_explained_and_kept(
    client, force, sergeant, data, message
):
    school = SchoolFactory(force=force, meets_sspo_criteria=True)
    client.force_login(sergeant)
    response = client.post(reverse("sspo_criteria", args=[school.code]), data)
    body = response.content.decode()
    assert response.status_code == 200 and message in body
    if data["reason"]:
        assert data["reason"] in body
    school.refresh_from_db()
    assert school.meets_sspo_criteria


def test_a_school_with_an_sspo_cannot_be_put_below_the_criteria(
    client, sergeant, sspo_a, school_a
):
    client.force_login(sergeant)
    response = client.post(
        reverse("sspo_criteria", args=[school_a.code]), {"meets": "no", "reason": "Reassessed"}
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert f"End the assignment of {sspo_a.get_full_name()} first" in body
    school_a.refresh_from_db()
    assert school_a.meets_sspo_criteria


def test_a_school_below_the_criteria_is_offered_the_yet_not_an_officer(
    client, sergeant, safer_team, school_c
):
    officer = OfficerFactory(team=safer_team)
    client.force_login(sergeant)
    url = reverse("assign_officer", args=[school_c.code])
    page = client.get(url).content.decode()
    assert "offered the Youth Engagement Team programme" in page
    assert 'name="officer"' not in page
    response = client.post(
        url,
        {"officer": officer.collar_number, "starts_on_0": "1", "starts_on_1": "12",
         "starts_on_2": "2026"},
    )  # fmt: skip
    assert response.status_code == 200
    assert "does not meet the SSPO criteria" in response.content.decode()
    assert not Assignment.objects.filter(school=school_c).exists()


def test_the_yet_school_is_told_it_is_served_by_the_yet(client, head_c, school_c):
    client.force_login(head_c)
    for url in (reverse("home"), reverse("school_detail", args=[school_c.code])):
        body = client.get(url).content.decode()
        assert "Served by the Youth Engagement Team" in body
        assert "no Safer Schools Police Officer" in body


# Assigning officers


def _assign(client, school, officer, starts=(1, 12, 2026), ends=None):
    data = {"officer": officer.collar_number}
    data |= {f"starts_on_{i}": str(v) for i, v in enumerate(starts)}
    if ends:
        data |= {f"ends_on_{i}": str(v) for i, v in enumerate(ends)}
    return client.post(reverse("assign_officer", args=[school.code]), data)


def test_sergeant_assigns_an_officer_of_their_team(client, force, sergeant, safer_team):
    officer = OfficerFactory(team=safer_team)
    school = SchoolFactory(force=force)
    client.force_login(sergeant)
    response = _assign(client, school, officer)
    assert response.status_code == 302
    assignment = Assignment.objects.get(school=school)
    assert assignment.officer == officer and assignment.starts_on == D(2026, 12, 1)
    assert assignment.assigned_by == sergeant


def test_only_officers_of_the_sergeants_team_are_offered(
    client, force, sergeant, safer_team, sspo_a, yet_officer
):
    other_team = TeamFactory(force=force, name="Eastern Safer Schools Team")
    outsider = OfficerFactory(team=other_team, collar_number="9999")
    school = SchoolFactory(force=force)
    client.force_login(sergeant)
    page = client.get(reverse("assign_officer", args=[school.code])).content.decode()
    assert f"{sspo_a.get_full_name()} ({sspo_a.officer.collar_number}): holds 1 school now" in page
    assert outsider.user.get_full_name() not in page
    assert yet_officer.get_full_name() not in page
    assert f'value="{sergeant.officer.collar_number}"' not in page
    assert 'value="9999"' not in page
    response = _assign(client, school, outsider)
    assert "Choose an officer of your team" in response.content.decode()
    assert not Assignment.objects.filter(school=school).exists()


def test_a_third_school_is_refused_next_to_the_officer(client, force, sergeant, sspo_a, school_b):
    assignment_create(officer=sspo_a.officer, school=school_b, by=sergeant)
    third = SchoolFactory(force=force, name="Third School")
    client.force_login(sergeant)
    response = _assign(client, third, sspo_a.officer, ends=(31, 7, 2027))
    body = response.content.decode()
    assert response.status_code == 200
    assert "An SSPO works with at most two schools at once" in body
    # next to the officer field, and linked to it from the error summary
    assert body.count("An SSPO works with at most two schools at once") == 2
    assert '<a href="#id_officer_0">Dan Okafor already holds 2 schools' in body
    assert 'value="31"' in body and 'value="2027"' in body  # the dates come back
    assert not Assignment.objects.filter(school=third).exists()


def test_an_assignment_ending_before_it_starts_is_explained(client, force, sergeant, safer_team):
    officer = OfficerFactory(team=safer_team)
    school = SchoolFactory(force=force)
    client.force_login(sergeant)
    response = _assign(client, school, officer, ends=(1, 11, 2026))
    assert "The end date must be on or after the start date" in response.content.decode()
    assert not Assignment.objects.exists()


# Ending an assignment


def _end(client, assignment, day, seen=None):
    if seen is None:
        seen = assignment.ends_on.isoformat() if assignment.ends_on else ""
    data = {f"ends_on_{i}": str(v) for i, v in enumerate((day.day, day.month, day.year))}
    return client.post(reverse("assignment_end", args=[assignment.code]), data | {"seen": seen})


def test_sergeant_ends_an_assignment(client, sergeant, sspo_a, school_a):
    assignment = Assignment.objects.get(school=school_a)
    client.force_login(sergeant)
    last_day = TODAY() + datetime.timedelta(days=30)
    assert _end(client, assignment, last_day).status_code == 302
    assignment.refresh_from_db()
    assert assignment.ends_on == last_day
    assert assignment.history.first().history_user == sergeant


def test_an_end_date_in_the_past_is_refused(client, sergeant, sspo_a, school_a):
    assignment = Assignment.objects.get(school=school_a)
    client.force_login(sergeant)
    response = _end(client, assignment, TODAY() - datetime.timedelta(days=1))
    assert "The end date cannot be in the past" in response.content.decode()
    assignment.refresh_from_db()
    assert assignment.ends_on is None


def test_ending_later_cannot_give_an_officer_a_third_school(client, force, sergeant, safer_team):
    officer = OfficerFactory(team=safer_team)
    soon = TODAY() + datetime.timedelta(days=10)
    first = assignment_create(
        officer=officer, school=SchoolFactory(force=force), ends_on=soon, by=sergeant
    )
    assignment_create(officer=officer, school=SchoolFactory(force=force), by=sergeant)
    assignment_create(
        officer=officer,
        school=SchoolFactory(force=force),
        starts_on=soon + datetime.timedelta(days=1),
        by=sergeant,
    )
    client.force_login(sergeant)
    response = _end(client, first, soon + datetime.timedelta(days=60))
    assert "An SSPO works with at most two schools at once" in response.content.decode()
    first.refresh_from_db()
    assert first.ends_on == soon


def test_an_end_date_changed_meanwhile_is_not_overwritten(client, sergeant, sspo_a, school_a):
    assignment = Assignment.objects.get(school=school_a)
    client.force_login(sergeant)
    theirs = TODAY() + datetime.timedelta(days=5)
    assignment.ends_on = theirs
    assignment.save()
    mine = TODAY() + datetime.timedelta(days=40)
    response = _end(client, assignment, mine, seen="")
    body = response.content.decode()
    assert "Someone else changed this assignment&#x27;s end date" in body
    assert f'value="{mine.year}"' in body
    assignment.refresh_from_db()
    assert assignment.ends_on == theirs


def test_another_teams_assignment_cannot_be_ended(client, force, sergeant):
    other_team = TeamFactory(force=force, name="Eastern Safer Schools Team")
    assignment = assignment_create(
        officer=OfficerFactory(team=other_team), school=SchoolFactory(force=force)
    )
    client.force_login(sergeant)
    response = client.get(reverse("assignment_end", args=[assignment.code]))
    assert response.status_code == 403


# Who may do what


def _url(name, school_a, school_b):
    assignment = Assignment.objects.filter(school=school_a).first()
    return {
        "ranking": reverse("allocation"),
        "weights": reverse("need_weights"),
        "measure": reverse("need_measure_new"),
        "school_a": reverse("allocation_school", args=[school_a.code]),
        "figures_a": reverse("need_figures", args=[school_a.code]),
        "criteria_a": reverse("sspo_criteria", args=[school_a.code]),
        "assign_a": reverse("assign_officer", args=[school_a.code]),
        "end_a": reverse("assignment_end", args=[assignment.code]),
        "school_b": reverse("allocation_school", args=[school_b.code]),
    }[name]


PAGES = ["ranking", "weights", "measure", "school_a", "figures_a", "criteria_a", "assign_a",
         "end_a", "school_b"]  # fmt: skip
EXPECTED_STATUS = {
    # Sergeant of the force: everything.
    "sergeant": dict.fromkeys(PAGES, 200),
    # Another force's sergeant: their own (empty) ranking; this force's schools do not exist.
    "other_sergeant": {"ranking": 200, "weights": 200, "measure": 200}
    | dict.fromkeys(["school_a", "figures_a", "criteria_a", "assign_a", "end_a", "school_b"], 404),
    # School A's people and officer: refused at their own school, school B does not exist.
    "sspo_a": dict.fromkeys(PAGES, 403) | {"school_b": 404},
    "head_a": dict.fromkeys(PAGES, 403) | {"school_b": 404},
    "spoc_a": dict.fromkeys(PAGES, 403) | {"school_b": 404},
    "staff_a": dict.fromkeys(PAGES, 403) | {"school_b": 404},
    "yet_officer": dict.fromkeys(["ranking", "weights", "measure"], 403)
    | dict.fromkeys(["school_a", "figures_a", "criteria_a", "assign_a", "end_a", "school_b"], 404),
    "admin_user": dict.fromkeys(["ranking", "weights", "measure"], 403)
    | dict.fromkeys(["school_a", "figures_a", "criteria_a", "assign_a", "end_a", "school_b"], 404),
}


@pytest.mark.parametrize("who", list(EXPECTED_STATUS))
@pytest.mark.parametrize("page", PAGES)
def test_access(client, request, who, page, sergeant, sspo_a, school_a, school_b, school_c):
    user = request.getfixturevalue(who)
    client.force_login(user)
    response = client.get(_url(page, school_a, school_b))
    assert response.status_code == EXPECTED_STATUS[who][page]


@pytest.mark.parametrize("who", ["sspo_a", "head_a", "staff_a", "other_sergeant"])
def test_refused_people_change_nothing(client, request, who, sspo_a, school_a, sergeant):
    client.force_login(request.getfixturevalue(who))
    client.post(reverse("sspo_criteria", args=[school_a.code]), {"meets": "no", "reason": "Try"})
    client.post(reverse("need_measure_new"), {"name": "Sneaky", "weight": "1"})
    officer = OfficerFactory(team=sergeant.officer.team)
    _assign(client, school_a, officer)
    school_a.refresh_from_db()
    assert school_a.meets_sspo_criteria
    assert not Assignment.objects.filter(officer=officer).exists()
    assert not NeedMeasure.objects.filter(name="Sneaky", force=school_a.force).exists()


def test_another_forces_sergeant_ranks_only_their_own_schools(
    client, other_sergeant, school_a, school_b
):
    client.force_login(other_sergeant)
    body = client.get(reverse("allocation")).content.decode()
    assert "Ashdown Academy" not in body and "Brookfield School" not in body


# Query counts


def _ranking_queries(client) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(reverse("allocation"))
    assert response.status_code == 200
    return len(captured.captured_queries)


def _add_schools(force, sergeant, team, count, measures):
    for n in range(count):
        school = SchoolFactory(force=force, recorded_crimes=n)
        PartnershipFactory(school=school, signed=False)
        for measure in measures:
            SchoolNeedFigure.objects.create(school=school, measure=measure, value=n)
        if n % 2 == 0:
            assignment_create(officer=OfficerFactory(team=team), school=school, by=sergeant)


def test_the_ranking_answers_in_the_same_number_of_queries_however_many_schools(
    client, django_assert_max_num_queries, force, sergeant, safer_team
):
    measures = [
        need_measure_add(force_id=force.pk, name=f"Measure {n}", weight=1, by=sergeant)
        for n in range(3)
    ]
    client.force_login(sergeant)
    _add_schools(force, sergeant, safer_team, 3, measures)
    few = _ranking_queries(client)
    _add_schools(force, sergeant, safer_team, 30, measures)
    with django_assert_max_num_queries(few):
        client.get(reverse("allocation"))
    assert few <= 12
    assert School.objects.filter(force=force).count() == 33


def test_the_yet_team_is_not_offered_as_sspos(force, sergeant, yet_team):
    from schools.allocation import team_officers

    OfficerFactory(team=yet_team)
    assert yet_team.kind == Team.Kind.YOUTH_ENGAGEMENT
    assert list(team_officers(yet_team.pk)) == []


# Two sergeants at once


@pytest.mark.django_db(transaction=True)
def test_a_criteria_change_and_an_assignment_at_the_same_moment_cannot_both_win():
    """One sergeant puts a school below the criteria while another assigns it an officer:
    the school's row lock lets one through, and the other is told why not."""
    from schools.allocation import officer_assign, sspo_criteria_set
    from schools.models import Officer
    from tests.factories import ForceFactory

    team = TeamFactory(force=ForceFactory(name="Eastshire Police"))
    sergeants = [OfficerFactory(team=team, rank=Officer.Rank.SERGEANT).user for _ in range(2)]
    officer = OfficerFactory(team=team)
    school = SchoolFactory(force=team.force)
    barrier = threading.Barrier(2)
    outcomes = []

    def run(action):
        try:
            barrier.wait()
            action()
            outcomes.append("ok")
        except ValidationError:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [
        threading.Thread(
            target=run,
            args=(
                lambda: sspo_criteria_set(
                    school=school, meets=False, reason="Reassessed", by=sergeants[0]
                ),
            ),
        ),
        threading.Thread(
            target=run,
            args=(lambda: officer_assign(school=school, officer=officer, by=sergeants[1]),),
        ),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["ok", "refused"]
    school.refresh_from_db()
    assigned = Assignment.objects.filter(school=school).exists()
    assert assigned == school.meets_sspo_criteria  # never an officer at a school below it


# The school and the officer are told


def _subjects(user) -> list[str]:
    from ssp.models import Notification

    return list(Notification.objects.filter(recipient=user).values_list("subject", flat=True))


def test_the_school_and_the_officer_are_told_of_an_assignment_and_its_end(
    client, sergeant, safer_team, school_b, head_b, spoc_b
):
    officer = OfficerFactory(team=safer_team)
    plain_staff = MembershipFactory(school=school_b).user
    client.force_login(sergeant)
    _assign(client, school_b, officer)
    for lead in (head_b, spoc_b):
        assert _subjects(lead) == [
            "A Safer Schools Police Officer has been assigned to your school"
        ]
    assert _subjects(officer.user) == ["You have been assigned a school"]
    assert _subjects(plain_staff) == []
    _end(client, Assignment.objects.get(school=school_b), TODAY() + datetime.timedelta(days=9))
    assert "Your school's Safer Schools Police Officer has an end date" in _subjects(head_b)
    assert "One of your schools has an end date" in _subjects(officer.user)


def test_the_school_is_told_when_the_criteria_decision_changes(client, sergeant, head_c, school_c):
    client.force_login(sergeant)
    url = reverse("sspo_criteria", args=[school_c.code])
    client.post(url, {"meets": "no", "reason": "Confirmed after review"})  # no change
    assert _subjects(head_c) == []
    client.post(url, {"meets": "yes", "reason": "Knife crime has risen"})
    assert _subjects(head_c) == [
        "Your school now meets the criteria for a Safer Schools Police Officer"
    ]

"""The activity log: who reads and records it, per-kind validation, corrections, lists.

Every access case builds the same world (an assembly at school A by sspo_a, one at school C
by the YET officer, a scheduled session at school A), so an allowed and a denied case
differ only in who asks.
"""

import html
import re

import pytest
from django.urls import reverse

from schools.activity_services import latest_change
from schools.models import Activity
from schools.services import assignment_create

from .activity_fixtures import *  # noqa: F403  (the fixtures)
from .activity_fixtures import ANON, PEOPLE, date_fields, days, make_activity, who

SCHOOL_A_READERS = {"spoc_a", "deputy_a", "head_a", "sspo_a", "sergeant"}
SCHOOL_C_READERS = {"head_c", "spoc_c", "yet_officer"}
LOG_READERS = {
    "spoc_a",
    "deputy_a",
    "head_a",
    "spoc_b",
    "head_b",
    "head_c",
    "spoc_c",
    "sspo_a",
    "sspo_b",
    "sergeant",
    "other_sergeant",
    "yet_officer",
}
RECORDERS = {"sspo_a", "sspo_b", "yet_officer"}
ROLE_DENIED = {"staff_a", "admin_user"}  # the log is not theirs at all: 403


@pytest.fixture
def world(activity_a, activity_c, scheduled_a, staff_a, head_a, spoc_a, deputy_a, head_b):
    return {"a": activity_a, "c": activity_c, "scheduled": scheduled_a}


def snapshot():
    return sorted(
        Activity.objects.values_list("pk", "status", "on", "theme", "pupils_count", "notes")
    )


def page_url(page, world, school_a, school_c):
    return {
        "activity_list": reverse("activity_list"),
        "school_log_a": reverse("school_activity_list", args=[school_a.code]),
        "school_log_c": reverse("school_activity_list", args=[school_c.code]),
        "activity_new": reverse("activity_new"),
        "activity_new_patrol": reverse("activity_new") + "?kind=patrol",
        "detail_a": reverse("activity_detail", args=[world["a"].code]),
        "detail_c": reverse("activity_detail", args=[world["c"].code]),
        "edit_a": reverse("activity_edit", args=[world["a"].code]),
        "edit_c": reverse("activity_edit", args=[world["c"].code]),
    }[page]


# page → {person: status}; anyone not named gets `denied(page, person)`.
PAGES = {
    "activity_list": dict.fromkeys(LOG_READERS, 200),
    "school_log_a": dict.fromkeys(SCHOOL_A_READERS, 200) | dict.fromkeys(ROLE_DENIED, 403),
    "school_log_c": dict.fromkeys(SCHOOL_C_READERS, 200) | dict.fromkeys(ROLE_DENIED, 403),
    "activity_new": dict.fromkeys(RECORDERS, 200),
    "activity_new_patrol": dict.fromkeys(RECORDERS, 200),
    "detail_a": dict.fromkeys(SCHOOL_A_READERS, 200),
    "detail_c": dict.fromkeys(SCHOOL_C_READERS, 200),
    # Only the recorder corrects; other readers of the school get 403, outsiders 404.
    "edit_a": {"sspo_a": 200} | dict.fromkeys(SCHOOL_A_READERS - {"sspo_a"}, 403),
    "edit_c": {"yet_officer": 200} | dict.fromkeys(SCHOOL_C_READERS - {"yet_officer"}, 403),
}
ROLE_PAGES = {"activity_list", "activity_new", "activity_new_patrol"}


def denied(page):
    return 403 if page in ROLE_PAGES else 404


@pytest.mark.parametrize("person", [*PEOPLE, ANON])
@pytest.mark.parametrize("page", list(PAGES))
def test_pages_by_person(request, client, world, school_a, school_c, person, page):
    user = who(request, person)
    if user:
        client.force_login(user)
    before = snapshot()
    response = client.get(page_url(page, world, school_a, school_c))
    if user is None:
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
        return
    assert response.status_code == PAGES[page].get(person, denied(page))
    assert snapshot() == before


@pytest.mark.parametrize("person", sorted(LOG_READERS))
def test_the_combined_log_shows_only_the_schools_in_a_persons_scope(
    request, client, world, person
):
    client.force_login(request.getfixturevalue(person))
    body = client.get(reverse("activity_list")).content.decode()
    assert ("Knife crime assembly" in body) == (person in SCHOOL_A_READERS)
    assert ("Staying safe online" in body) == (person in SCHOOL_C_READERS)


def assembly(school, **overrides):
    return {
        "school": str(school.code),
        **date_fields("on", days(-2)),
        "starts_at": "09:00",
        "ends_at": "09:30",
        "theme": "Hate crime",
        "year_groups": ["9"],
        "pupils_count": "200",
        "notes": "",
    } | overrides


NEW_ASSEMBLY = reverse("activity_new") + "?kind=assembly"


@pytest.mark.parametrize(
    "person, posted, outcome",
    [
        ("sspo_a", "school_a", "school_a"),
        ("yet_officer", "school_c", "school_c"),
        # One school each: the form asks no school, so a posted one is ignored.
        ("sspo_b", "school_a", "school_b"),
        ("yet_officer", "school_a", "school_c"),
        ("sspo_a", "school_c", "school_a"),
        ("sergeant", "school_a", 403),
        ("spoc_a", "school_a", 403),
        ("head_c", "school_c", 403),
        ("staff_a", "school_a", 403),
        ("other_sergeant", "school_a", 403),
        ("admin_user", "school_a", 403),
    ],
)
def test_recording_an_activity(request, client, world, sspo_b, person, posted, outcome):
    user = request.getfixturevalue(person)
    client.force_login(user)
    before = Activity.objects.count()
    response = client.post(NEW_ASSEMBLY, assembly(request.getfixturevalue(posted)))
    if isinstance(outcome, int):
        assert response.status_code == outcome
        assert Activity.objects.count() == before
        return
    assert response.status_code == 302
    activity = Activity.objects.get(theme="Hate crime")
    assert (activity.school, activity.recorded_by, activity.officer, activity.status) == (
        request.getfixturevalue(outcome),
        user,
        user.officer,
        "delivered",
    )
    assert activity.history.get().history_user == user


def test_an_officer_of_two_schools_chooses_one_of_them_and_no_other(
    client, world, sspo_a, sergeant, school_a, school_b, school_c
):
    assignment_create(officer=sspo_a.officer, school=school_b, starts_on=days(-30), by=sergeant)
    client.force_login(sspo_a)
    form = client.get(NEW_ASSEMBLY).content.decode()
    assert "Ashdown Academy" in form and "Brookfield School" in form
    assert "Coldharbour School" not in form
    refused = client.post(NEW_ASSEMBLY, assembly(school_c))
    body = refused.content.decode()
    assert "Choose one of the schools you record for" in body and 'value="Hate crime"' in body
    assert not Activity.objects.filter(theme="Hate crime").exists()
    assert client.post(NEW_ASSEMBLY, assembly(school_b)).status_code == 302
    assert Activity.objects.get(theme="Hate crime").school == school_b


def correction(activity, **overrides):
    return {
        **date_fields("on", activity.on),
        "starts_at": "",
        "ends_at": "",
        "theme": "Knife crime assembly (corrected)",
        "year_groups": ["7", "8"],
        "pupils_count": "175",
        "notes": "",
        "seen": latest_change(activity),
    } | overrides


@pytest.mark.parametrize(
    "person, status",
    [
        ("sspo_a", 302),
        ("spoc_a", 403),
        ("head_a", 403),
        ("sergeant", 403),
        ("sspo_b", 404),
        ("yet_officer", 404),
        ("other_sergeant", 404),
        ("staff_a", 404),
        ("admin_user", 404),
    ],
)
def test_only_the_recorder_corrects_an_entry(request, client, world, person, status):
    client.force_login(request.getfixturevalue(person))
    before = snapshot()
    activity = world["a"]
    response = client.post(reverse("activity_edit", args=[activity.code]), correction(activity))
    assert response.status_code == status
    if status == 302:
        activity.refresh_from_db()
        assert (activity.theme, activity.pupils_count) == ("Knife crime assembly (corrected)", 175)
    else:
        assert snapshot() == before


def test_a_correction_keeps_the_history_and_shows_when_it_changed(client, world, sspo_a, spoc_a):
    activity = world["a"]
    client.force_login(sspo_a)
    client.post(reverse("activity_edit", args=[activity.code]), correction(activity))
    assert [h.theme for h in activity.history.all()] == [
        "Knife crime assembly (corrected)",
        "Knife crime assembly",
    ]
    assert activity.history.first().history_user == sspo_a
    client.force_login(spoc_a)
    body = client.get(reverse("activity_detail", args=[activity.code])).content.decode()
    assert "Last changed" in body and sspo_a.get_full_name() in body
    log = client.get(reverse("activity_list")).content.decode()
    assert "last changed" in log


def test_a_correction_from_a_stale_page_is_refused_and_the_typing_kept(client, world, sspo_a):
    activity = world["a"]
    stale = latest_change(activity)
    client.force_login(sspo_a)
    url = reverse("activity_edit", args=[activity.code])
    assert client.post(url, correction(activity, theme="First fix")).status_code == 302
    response = client.post(url, correction(activity, theme="Second fix", seen=stale))
    assert response.status_code == 409
    body = response.content.decode()
    assert "This entry was changed while you were correcting it" in body
    assert 'value="Second fix"' in body
    activity.refresh_from_db()
    assert activity.theme == "First fix"


# Per-kind validation ---------------------------------------------------------------------


def test_recording_starts_by_choosing_the_kind(client, sspo_a):
    client.force_login(sspo_a)
    body = client.get(reverse("activity_new")).content.decode()
    assert "What are you recording?" in body and "After-school uniform patrol" in body
    refused = client.get(reverse("activity_new") + "?step=kind").content.decode()
    assert "Choose what you are recording" in refused


@pytest.mark.parametrize(
    "kind, shown, hidden",
    [
        (
            "patrol",
            ["Area patrolled", "What the patrol addressed", "Safer Travel team"],
            ["Year groups", "Number of pupils"],
        ),
        (
            "assembly",
            ["Theme", "Year groups", "Number of pupils"],
            ["Area patrolled", "Joint initiative"],
        ),
        ("rshe", ["Theme", "Year groups", "Number of pupils"], ["Area patrolled"]),
        ("advice", ["What the advice was about"], ["Year groups", "Area patrolled"]),
        (
            "initiative",
            ["School Watch", "Volunteer Police Cadets", "Name of the initiative"],
            ["Year groups", "Area patrolled"],
        ),
    ],
)
def test_each_kind_shows_only_its_own_fields(client, sspo_a, kind, shown, hidden):
    client.force_login(sspo_a)
    body = client.get(reverse("activity_new") + f"?kind={kind}").content.decode()
    for text in shown:
        assert text in body
    for text in hidden:
        assert text not in body


PATROL = reverse("activity_new") + "?kind=patrol"


def test_a_patrol_needs_its_times_area_and_what_it_addressed(client, world, sspo_a, school_a):
    client.force_login(sspo_a)
    before = Activity.objects.count()
    data = {
        "school": str(school_a.code),
        **date_fields("on", days(-1)),
        "partners": ["snt"],
        "notes": "Groups gathering by the bus station after school.",
    }
    body = client.post(PATROL, data).content.decode()
    for message in (
        "Enter the start time",
        "Enter the end time",
        "Enter the area patrolled",
        "Choose what the patrol addressed",
    ):
        assert message in body
    assert "govuk-error-summary" in body
    assert "Groups gathering by the bus station after school." in body  # typed input kept
    assert 'value="snt" class="govuk-checkboxes__input" id="id_partners_1" checked' in body
    assert Activity.objects.count() == before


def test_a_complete_patrol_is_recorded(client, world, sspo_a, school_a):
    client.force_login(sspo_a)
    data = {
        "school": str(school_a.code),
        **date_fields("on", days(-1)),
        "starts_at": "15:10",
        "ends_at": "16:30",
        "area": "Bus station and Mill Lane",
        "partners": ["safer_travel", "snt"],
        "addressed": ["asb", "truancy"],
    }
    response = client.post(PATROL, data)
    assert response.status_code == 302
    patrol = Activity.objects.get(kind="patrol")
    assert patrol.partners == ["safer_travel", "snt"]
    assert patrol.addressed == ["asb", "truancy"]
    assert patrol.year_groups == [] and patrol.pupils_count is None
    body = client.get(response["Location"]).content.decode()
    assert "Safer Travel team, Safer Neighbourhood Team" in body
    assert "Anti-social behaviour, Truancy" in body


@pytest.mark.parametrize("kind", ["assembly", "group_work", "one_to_one", "rshe"])
def test_a_session_needs_a_theme_year_groups_and_a_number_of_pupils(
    client, world, sspo_a, school_a, kind
):
    client.force_login(sspo_a)
    before = Activity.objects.count()
    data = assembly(school_a, theme="", year_groups=[], pupils_count="", notes="Typed notes 123")
    body = client.post(reverse("activity_new") + f"?kind={kind}", data).content.decode()
    for message in (
        "Enter the theme of the session",
        "Choose the year groups",
        "Enter the number of pupils",
    ):
        assert message in body
    assert "Typed notes 123" in body and 'value="09:00"' in body
    assert Activity.objects.count() == before


def test_advice_to_the_head_needs_what_it_was_about(client, world, sspo_a, school_a):
    client.force_login(sspo_a)
    data = {"school": str(school_a.code), **date_fields("on", days(-1)), "theme": ""}
    url = reverse("activity_new") + "?kind=advice"
    assert "Say what the advice was about" in client.post(url, data).content.decode()
    data["theme"] = "Policy on mobile phones"
    assert client.post(url, data).status_code == 302
    assert Activity.objects.filter(kind="advice", theme="Policy on mobile phones").exists()


def test_a_joint_initiative_needs_which_and_a_name_when_other(client, world, sspo_a, school_a):
    client.force_login(sspo_a)
    url = reverse("activity_new") + "?kind=initiative"
    data = {"school": str(school_a.code), **date_fields("on", days(-1))}
    assert "Choose the joint initiative" in client.post(url, data).content.decode()
    data["initiative"] = "other"
    assert "Enter the name of the initiative" in client.post(url, data).content.decode()
    data["initiative"] = "cadets"
    assert client.post(url, data).status_code == 302
    assert Activity.objects.get(kind="initiative").initiative == "cadets"


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"ends_at": "08:30"}, "The end time must be after the start time"),
        # A week ahead: worked out when the tests are collected, still ahead past midnight.
        (date_fields("on", days(7)), "The date must be today or in the past"),
        ({"on_0": "31", "on_1": "2", "on_2": "2026"}, "The date must be a real date"),
        ({"pupils_count": "lots"}, "The number of pupils must be a whole number"),
        ({"pupils_count": "0"}, "The number of pupils must be 1 or more"),
        ({"year_groups": ["6"]}, "Select a valid choice"),
    ],
)
def test_bad_values_are_refused_beside_the_field_and_the_rest_kept(
    client, world, sspo_a, school_a, overrides, message
):
    client.force_login(sspo_a)
    before = Activity.objects.count()
    response = client.post(NEW_ASSEMBLY, assembly(school_a, **overrides))
    body = response.content.decode()
    assert response.status_code == 200
    assert message in body and "govuk-error-message" in body
    assert 'value="Hate crime"' in body
    assert Activity.objects.count() == before


# Scheduled sessions are later delivered or cancelled ------------------------------------


def close(client, activity, **data):
    return client.post(reverse("activity_close", args=[activity.code]), data)


def test_a_scheduled_session_is_marked_delivered_with_its_pupils(client, world, sspo_a):
    client.force_login(sspo_a)
    scheduled = world["scheduled"]
    body = close(client, scheduled, status="delivered").content.decode()
    assert "Enter the number of pupils" in body
    assert close(client, scheduled, status="delivered", pupils_count="60").status_code == 302
    scheduled.refresh_from_db()
    assert (scheduled.status, scheduled.pupils_count) == ("delivered", 60)


def test_a_cancellation_needs_a_reason(client, world, sspo_a):
    client.force_login(sspo_a)
    scheduled = world["scheduled"]
    assert (
        "Say why the session was cancelled"
        in close(client, scheduled, status="cancelled").content.decode()
    )
    assert close(client, scheduled, status="cancelled", reason="Exams").status_code == 302
    scheduled.refresh_from_db()
    assert scheduled.status == "cancelled" and "Cancelled: Exams" in scheduled.notes


def test_a_future_session_cannot_be_marked_delivered_yet(client, sspo_a, school_a):
    future = make_activity(
        school=school_a, by=sspo_a, status="scheduled", on=days(3), pupils_count=None
    )
    client.force_login(sspo_a)
    body = close(client, future, status="delivered", pupils_count="30").content.decode()
    assert "A session can be marked delivered on or after its date." in body
    future.refresh_from_db()
    assert future.status == "scheduled"


@pytest.mark.parametrize(
    "person, status",
    [
        ("sspo_a", 302),
        ("spoc_a", 403),
        ("head_a", 403),
        ("sergeant", 403),
        ("sspo_b", 404),
        ("yet_officer", 404),
        ("other_sergeant", 404),
        ("staff_a", 404),
    ],
)
def test_who_may_mark_a_session_delivered(request, client, world, person, status):
    client.force_login(request.getfixturevalue(person))
    before = snapshot()
    response = close(client, world["scheduled"], status="delivered", pupils_count="40")
    assert response.status_code == status
    if status != 302:
        assert snapshot() == before


def test_a_second_decision_on_a_session_is_told_it_came_second(client, world, sspo_a):
    client.force_login(sspo_a)
    scheduled = world["scheduled"]
    assert close(client, scheduled, status="delivered", pupils_count="40").status_code == 302
    response = close(client, scheduled, status="cancelled", reason="Snow")
    assert response.status_code == 409
    assert "Someone else updated this session first" in response.content.decode()
    scheduled.refresh_from_db()
    assert scheduled.status == "delivered" and "Snow" not in scheduled.notes


# The list --------------------------------------------------------------------------------


def test_the_log_is_newest_first_and_filters_by_kind_and_dates(client, sspo_a, school_a):
    # Themes with spaces, so no random token on the page (CSRF, nonce) can contain one.
    themes = ["Knife crime", "Online safety", "Vaping risks", "Road sense"]
    T0, T1, T2, T3 = themes
    kinds = ["assembly", "rshe", "group_work", "assembly"]
    for n, (kind, theme) in enumerate(zip(kinds, themes, strict=True)):
        make_activity(school=school_a, by=sspo_a, kind=kind, on=days(-10 * (n + 1)), theme=theme)
    client.force_login(sspo_a)
    url = reverse("school_activity_list", args=[school_a.code])
    body = client.get(url).content.decode()
    assert body.index(T0) < body.index(T1) < body.index(T2) < body.index(T3)
    only = client.get(url, {"kind": "assembly"}).content.decode()
    assert T0 in only and T3 in only and T1 not in only and T2 not in only
    ranged = client.get(
        url, {**date_fields("since", days(-35)), **date_fields("until", days(-15))}
    ).content.decode()
    assert T1 in ranged and T2 in ranged and T0 not in ranged and T3 not in ranged


def test_a_bad_date_range_is_explained_and_kept(client, sspo_a, school_a, activity_a):
    client.force_login(sspo_a)
    response = client.get(
        reverse("activity_list"),
        {**date_fields("since", days(-1)), **date_fields("until", days(-9))},
    )
    body = response.content.decode()
    assert "The to date must be the same as or after the from date" in body
    assert f'value="{days(-9).day}"' in body


def test_the_log_is_paginated(client, sspo_a, school_a):
    for n in range(30):
        make_activity(school=school_a, by=sspo_a, on=days(-n), theme=f"Theme {n:02d}")
    client.force_login(sspo_a)
    url = reverse("school_activity_list", args=[school_a.code])
    first = client.get(url).content.decode()
    following = re.search(r'href="\?([^"]*)" rel="next"', first).group(1)
    second = client.get(f"{url}?{html.unescape(following)}").content.decode()
    assert "Theme 00" in first and "Theme 29" not in first
    assert "Theme 29" in second and "Theme 00" not in second and 'rel="next"' not in second


def test_the_sergeant_filters_the_teams_log_by_school(
    client, sspo_a, sspo_b, school_a, school_b, sergeant
):
    make_activity(school=school_a, by=sspo_a, theme="At Ashdown")
    make_activity(school=school_b, by=sspo_b, theme="At Brookfield")
    client.force_login(sergeant)
    both = client.get(reverse("activity_list")).content.decode()
    assert "At Ashdown" in both and "At Brookfield" in both
    one = client.get(reverse("activity_list"), {"school": str(school_b.code)}).content.decode()
    assert "At Brookfield" in one and "At Ashdown" not in one


@pytest.mark.parametrize("person", ["sspo_a", "spoc_a", "sergeant"])
def test_the_log_answers_in_a_fixed_number_of_queries(
    request, client, django_assert_max_num_queries, school_a, sspo_a, person
):
    user = request.getfixturevalue(person)
    client.force_login(user)
    url = reverse("activity_list")

    def grow_to(count):
        while Activity.objects.count() < count:
            activity = make_activity(school=school_a, by=sspo_a)
            activity.theme = "Changed"
            activity._history_user = sspo_a
            activity.save()

    grow_to(3)
    with django_assert_max_num_queries(12) as small:
        assert client.get(url).status_code == 200
    grow_to(25)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client.get(url).status_code == 200

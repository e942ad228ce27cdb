"""The school's leads keep its term dates on a page; the Encompass deadline counts from them."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from encompass import services
from encompass.models import TermDate
from encompass.schooldays import next_school_day_start
from tests.submissions import assert_posted_twice_saves_once

pytestmark = pytest.mark.django_db
LONDON = ZoneInfo("Europe/London")


def page(school):
    return reverse("encompass:term_dates", args=[school.code])


def dates(kind, start, end, label=""):
    return {
        "kind": kind,
        "label": label,
        "starts_on_0": str(start.day),
        "starts_on_1": str(start.month),
        "starts_on_2": str(start.year),
        "ends_on_0": str(end.day),
        "ends_on_1": str(end.month),
        "ends_on_2": str(end.year),
    }


AUTUMN = (dt.date(2026, 9, 2), dt.date(2026, 12, 18))
HALF_TERM = (dt.date(2026, 10, 26), dt.date(2026, 10, 30))


@pytest.mark.parametrize("who", ["spoc_a", "deputy_a", "head_a"])
def test_the_schools_leads_add_list_and_remove_dates(request, client, school_a, who):
    person = request.getfixturevalue(who)
    client.force_login(person)
    assert client.get(page(school_a)).status_code == 200
    response = client.post(page(school_a), dates("term", *AUTUMN, label="Autumn term"))
    assert response.status_code == 302
    response = client.post(page(school_a), dates("holiday", *HALF_TERM, label="Half-term"))
    assert response.status_code == 302
    body = client.get(page(school_a)).content.decode()
    assert "Autumn term" in body and "Half-term" in body
    spans = list(TermDate.objects.filter(school=school_a).values_list("kind", "starts_on"))
    assert spans == [("term", AUTUMN[0]), ("holiday", HALF_TERM[0])]
    assert TermDate.history.filter(history_user=person).count() == 2
    half_term = TermDate.objects.get(kind="holiday")
    remove = reverse("encompass:term_date_remove", args=[school_a.code, half_term.pk])
    assert client.post(remove).status_code == 302
    assert not TermDate.objects.filter(pk=half_term.pk).exists()


def test_the_deadline_counts_from_the_dates_kept(client, spoc_a, school_a):
    client.force_login(spoc_a)
    friday_before_half_term = dt.datetime(2026, 10, 23, 20, 0, tzinfo=LONDON)
    assert next_school_day_start(school_a, friday_before_half_term).date() == dt.date(2026, 10, 26)
    client.post(page(school_a), dates("term", *AUTUMN))
    client.post(page(school_a), dates("holiday", *HALF_TERM))
    assert next_school_day_start(school_a, friday_before_half_term) == dt.datetime(
        2026, 11, 2, 8, 30, tzinfo=LONDON
    )


@pytest.mark.parametrize(
    "posted, field, message",
    [
        (dates("term", AUTUMN[1], AUTUMN[0]), "ends_on", "on or after the first day"),
        (dates("term", dt.date(2026, 12, 1), dt.date(2027, 1, 8)), "starts_on", "overlap"),
        (dates("term", dt.date(2026, 8, 1), dt.date(2026, 9, 2)), "starts_on", "overlap"),
        ({**dates("term", *AUTUMN), "kind": ""}, "kind", "Choose a term or a holiday"),
        ({**dates("term", *AUTUMN), "starts_on_1": "13"}, "starts_on", "real date"),
    ],
)
def test_bad_dates_are_told_next_to_the_field_and_kept(
    client, spoc_a, school_a, posted, field, message
):
    TermDate.objects.create(school=school_a, kind="term", starts_on=AUTUMN[0], ends_on=AUTUMN[1])
    client.force_login(spoc_a)
    posted = {**posted, "label": "Typed label"}
    response = client.post(page(school_a), posted)
    assert response.status_code == 400
    assert message in str(response.context["form"].errors[field])
    body = response.content.decode()
    assert 'value="Typed label"' in body
    assert f'value="{posted["starts_on_2"]}"' in body
    assert TermDate.objects.filter(school=school_a).count() == 1


def test_a_holiday_inside_a_term_is_not_an_overlap(spoc_a, school_a):
    services.term_date_add(
        by=spoc_a, school=school_a, kind="term", starts_on=AUTUMN[0], ends_on=AUTUMN[1]
    )
    services.term_date_add(
        by=spoc_a, school=school_a, kind="holiday", starts_on=HALF_TERM[0], ends_on=HALF_TERM[1]
    )
    assert TermDate.objects.filter(school=school_a).count() == 2


def test_a_double_click_adds_once(client, spoc_a, school_a):
    client.force_login(spoc_a)
    assert_posted_twice_saves_once(
        client,
        page=page(school_a),
        post=page(school_a),
        data=dates("holiday", *HALF_TERM),
        model=TermDate,
        fresh=dates("holiday", dt.date(2026, 12, 21), dt.date(2027, 1, 1)),
    )


@pytest.mark.parametrize(
    "who, status",
    [
        ("staff_a", 403),
        ("spoc_b", 404),
        ("sspo_a", 403),
        ("sergeant", 403),
        ("other_sergeant", 404),
        ("yet_officer", 404),
    ],
)
def test_nobody_else_keeps_the_dates(request, client, school_a, sspo_a, spoc_a, who, status):
    span = TermDate.objects.create(
        school=school_a, kind="term", starts_on=AUTUMN[0], ends_on=AUTUMN[1]
    )
    client.force_login(request.getfixturevalue(who))
    assert client.get(page(school_a)).status_code == status
    assert client.post(page(school_a), dates("holiday", *HALF_TERM)).status_code == status
    remove = reverse("encompass:term_date_remove", args=[school_a.code, span.pk])
    assert client.post(remove).status_code == status
    assert TermDate.objects.filter(school=school_a).count() == 1


def test_another_schools_dates_cannot_be_removed_through_ones_own(
    client, spoc_a, school_a, school_b
):
    theirs = TermDate.objects.create(
        school=school_b, kind="term", starts_on=AUTUMN[0], ends_on=AUTUMN[1]
    )
    client.force_login(spoc_a)
    remove = reverse("encompass:term_date_remove", args=[school_a.code, theirs.pk])
    assert client.post(remove).status_code == 404
    assert TermDate.objects.filter(pk=theirs.pk).exists()


def test_the_school_page_leads_the_leads_to_the_dates(client, spoc_a, staff_a, school_a):
    school_page = reverse("school_detail", args=[school_a.code])
    client.force_login(spoc_a)
    assert f'href="{page(school_a)}"' in client.get(school_page).content.decode()
    client.force_login(staff_a)
    assert page(school_a) not in client.get(school_page).content.decode()

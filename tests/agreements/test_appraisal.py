"""Appraisal: feedback rounds (the school answers once, the sergeant reads) and the
sergeant's termly review with the figures kept as they were.

The access matrix builds one world for every case (an open round at school A with one
answer, a review of school A's previous term) so an allowed and a denied case differ only
in who asks.
"""

import datetime
import re

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from agreements.appraisal import (
    ALREADY_ANSWERED,
    AgreedAction,
    Term,
    feedback_give,
    recent_terms,
    review_record,
)
from agreements.models import ActionPlanItem, Feedback, FeedbackRound, Review
from incidents.models import Concern
from ssp.models import Notification
from tests.factories import MembershipFactory

ANON = "anonymous"
PEOPLE = [
    "staff_a",
    "spoc_a",
    "deputy_a",
    "head_a",
    "spoc_b",
    "head_b",
    "sspo_a",
    "sspo_b",
    "sergeant",
    "other_sergeant",
    "yet_officer",
    "admin_user",
]
SCHOOL_A = {"staff_a", "spoc_a", "deputy_a", "head_a"}


def today():
    return timezone.localdate()


def days(n):
    return today() + datetime.timedelta(days=n)


def log_concern(school, by):
    """A concern as staff log it (the figures count it; nothing else is needed here)."""
    return Concern.objects.create(
        reference=f"AP-{Concern.objects.count() + 1:05d}",
        school=school,
        reported_by=by,
        category="welfare",
        narrative="Said something worrying at lunch.",
        happened_at=timezone.now(),
        location="in_school",
    )


def date_boxes(name, day):
    return {f"{name}_0": str(day.day), f"{name}_1": str(day.month), f"{name}_2": str(day.year)}


@pytest.fixture
def round_a(school_a, sergeant, sspo_a):
    return FeedbackRound.objects.create(
        partnership=school_a.partnership,
        title="Autumn term 2026",
        opens_on=days(-1),
        closes_on=days(7),
        opened_by=sergeant,
    )


@pytest.fixture
def round_b(school_b, sergeant, sspo_b):
    return FeedbackRound.objects.create(
        partnership=school_b.partnership,
        title="Brookfield autumn",
        opens_on=days(-1),
        closes_on=days(7),
        opened_by=sergeant,
    )


def answer(feedback_round, user, scores=(4, 4, 4), to_improve=""):
    return feedback_give(
        feedback_round=feedback_round,
        by=user,
        pupils_feel_safe=scores[0],
        sspo_availability=scores[1],
        sspo_response=scores[2],
        to_improve=to_improve,
    )


@pytest.fixture
def review_a(school_a, sergeant, sspo_a):
    term = recent_terms()[1]  # the term before this one
    return review_record(
        partnership=school_a.partnership,
        by=sergeant,
        term=term,
        figures={"concerns": {"logged": 0}},
        feedback_round=None,
        rating="amber",
        comments="A steady term.",
        actions=[],
    )


@pytest.fixture
def world(request, round_a, review_a, staff_a2, staff_a, spoc_a, deputy_a, head_a, spoc_b, head_b):
    answer(round_a, staff_a2, (5, 4, 3), "More assemblies on knife crime.")
    return {"round": round_a, "review": review_a, "partnership": round_a.partnership}


def who(request, name):
    return None if name == ANON else request.getfixturevalue(name)


def snapshot():
    return (
        list(FeedbackRound.objects.values_list("title", "opens_on", "closes_on")),
        list(Feedback.objects.values_list("respondent", "pupils_feel_safe")),
        list(Review.objects.values_list("term", "academic_year", "rating", "comments")),
        list(ActionPlanItem.objects.values_list("action", flat=True)),
    )


def page_url(page, world):
    p, r, review = world["partnership"], world["round"], world["review"]
    return {
        "round_list": reverse("feedback_round_list", args=[p.code]),
        "round_new": reverse("feedback_round_new", args=[p.code]),
        "round_results": reverse("feedback_round_results", args=[r.code]),
        "answer": reverse("feedback_answer", args=[r.code]),
        "review_list": reverse("review_list", args=[p.code]),
        "review_new": reverse("review_new", args=[p.code]),
        "review_detail": reverse("review_detail", args=[p.code, review.code]),
    }[page]


READ_REVIEWS = {"spoc_a", "deputy_a", "head_a", "sspo_a", "sergeant"}
# For each page: who gets 200, and who is in scope but not allowed (403). Everyone else
# is outside the record's scope: 404, as if it did not exist.
PAGES = {
    "round_list": ({"sergeant"}, SCHOOL_A | {"sspo_a", "admin_user"}),
    "round_new": ({"sergeant"}, SCHOOL_A | {"sspo_a", "admin_user"}),
    "round_results": ({"sergeant"}, SCHOOL_A),
    "answer": (SCHOOL_A, {"sergeant"}),
    "review_list": (READ_REVIEWS, {"staff_a", "admin_user"}),
    "review_new": ({"sergeant"}, SCHOOL_A | {"sspo_a", "admin_user"}),
    "review_detail": (READ_REVIEWS, set()),
}


def expected(table, page, person):
    allowed, forbidden = table[page]
    if person in allowed:
        return 200
    return 403 if person in forbidden else 404


@pytest.mark.parametrize("person", [*PEOPLE, ANON])
@pytest.mark.parametrize("page", list(PAGES))
def test_pages_by_person(request, client, world, person, page):
    user = who(request, person)
    if user:
        client.force_login(user)
    before = snapshot()
    response = client.get(page_url(page, world))
    if user is None:
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
        return
    assert response.status_code == expected(PAGES, page, person)
    assert snapshot() == before


def action_request(action, world):
    p, r = world["partnership"], world["round"]
    return {
        "round_new": (
            reverse("feedback_round_new", args=[p.code]),
            {"title": "Spring term 2027", **date_boxes("opens_on", days(0))}
            | date_boxes("closes_on", days(14)),
        ),
        "answer": (
            reverse("feedback_answer", args=[r.code]),
            {"pupils_feel_safe": "4", "sspo_availability": "3", "sspo_response": "5"},
        ),
        "review_new": (
            reverse("review_new", args=[p.code]),
            {"term": recent_terms()[0].key, "rating": "green", "comments": "Good term."},
        ),
    }[action]


ACTIONS = {
    "round_new": PAGES["round_new"],
    "answer": PAGES["answer"],
    "review_new": PAGES["review_new"],
}


@pytest.mark.parametrize("person", PEOPLE)
@pytest.mark.parametrize("action", list(ACTIONS))
def test_actions_by_person(request, client, world, person, action):
    client.force_login(who(request, person))
    before = snapshot()
    url, data = action_request(action, world)
    response = client.post(url, data)
    status = expected(ACTIONS, action, person)
    assert response.status_code == (302 if status == 200 else status)
    if status == 200:
        assert snapshot() != before
    else:
        assert snapshot() == before  # nothing changed on denial


# ---------------------------------------------------------------------------------------
# Terms


@pytest.mark.parametrize(
    "day, key, start, end",
    [
        ("2026-09-01", "2026-autumn", "2026-09-01", "2026-12-31"),
        ("2026-12-31", "2026-autumn", "2026-09-01", "2026-12-31"),
        ("2027-01-01", "2026-spring", "2027-01-01", "2027-03-31"),
        ("2027-03-31", "2026-spring", "2027-01-01", "2027-03-31"),
        ("2027-04-01", "2026-summer", "2027-04-01", "2027-08-31"),
        ("2027-08-31", "2026-summer", "2027-04-01", "2027-08-31"),
    ],
)
def test_terms_follow_the_school_year(day, key, start, end):
    term = Term.of(datetime.date.fromisoformat(day))
    assert term.key == key
    assert (term.start.isoformat(), term.end.isoformat()) == (start, end)
    assert Term.from_key(key) == term


def test_recent_terms_go_back_one_term_at_a_time():
    terms = recent_terms(4, today=datetime.date(2027, 2, 10))
    assert [t.key for t in terms] == ["2026-spring", "2026-autumn", "2025-summer", "2025-spring"]


# ---------------------------------------------------------------------------------------
# Feedback rounds


def test_the_sergeant_opens_a_round_and_the_school_is_told(
    client, sergeant, school_a, sspo_a, staff_a, head_a, spoc_b
):
    client.force_login(sergeant)
    url = reverse("feedback_round_new", args=[school_a.partnership.code])
    data = {"title": "Autumn term 2026"} | date_boxes("opens_on", days(0))
    response = client.post(url, data | date_boxes("closes_on", days(10)))
    assert response.status_code == 302
    feedback_round = FeedbackRound.objects.get()
    assert (feedback_round.opens_on, feedback_round.closes_on) == (days(0), days(10))
    assert feedback_round.history.get().history_user == sergeant
    told = set(Notification.objects.values_list("recipient", flat=True))
    assert told == {staff_a.pk, head_a.pk}
    assert "Autumn" not in Notification.objects.first().subject  # no names or details


def test_a_round_form_with_mistakes_keeps_what_was_typed(client, sergeant, school_a, sspo_a):
    client.force_login(sergeant)
    url = reverse("feedback_round_new", args=[school_a.partnership.code])
    data = {
        "title": "",
        "opens_on_0": "10",
        "opens_on_1": "12",
        "opens_on_2": str(days(30).year),
        "closes_on_0": "31",
        "closes_on_1": "2",
        "closes_on_2": "2027",
    }
    body = client.post(url, data).content.decode()
    assert "Enter a title for the round" in body
    assert "The closing date must be a real date" in body
    assert 'name="opens_on_0" type="text" value="10"' in body
    assert 'name="closes_on_0" type="text" value="31"' in body
    assert FeedbackRound.objects.count() == 0
    data |= (
        {"title": "Spring"} | date_boxes("opens_on", days(5)) | date_boxes("closes_on", days(2))
    )
    body = client.post(url, data).content.decode()
    assert "The closing date must be on or after the opening date" in body
    assert 'value="Spring"' in body
    data |= date_boxes("opens_on", days(-10)) | date_boxes("closes_on", days(-1))
    body = client.post(url, data).content.decode()
    assert "The closing date must be today or later" in body
    assert FeedbackRound.objects.count() == 0


def test_each_person_answers_a_round_once(client, round_a, staff_a):
    client.force_login(staff_a)
    url = reverse("feedback_answer", args=[round_a.code])
    data = {"pupils_feel_safe": "4", "sspo_availability": "2", "sspo_response": "5"}
    assert client.post(url, data | {"to_improve": "More patrols"}).status_code == 302
    feedback = Feedback.objects.get()
    assert (feedback.respondent, feedback.respondent_role) == (staff_a, "staff")
    assert feedback.to_improve == "More patrols"
    response = client.post(url, data | {"pupils_feel_safe": "1"})
    assert response.status_code == 200
    assert ALREADY_ANSWERED in response.content.decode()
    assert list(Feedback.objects.values_list("pupils_feel_safe", flat=True)) == [4]
    body = client.get(url).content.decode()
    assert ALREADY_ANSWERED in body and "Send feedback" not in body


def test_the_service_and_the_database_refuse_a_second_answer(round_a, staff_a):
    answer(round_a, staff_a)
    with pytest.raises(Exception, match=ALREADY_ANSWERED):
        answer(round_a, staff_a, (1, 1, 1))
    with pytest.raises(IntegrityError), transaction.atomic():
        Feedback.objects.create(
            round=round_a,
            respondent=staff_a,
            respondent_role="staff",
            pupils_feel_safe=1,
            sspo_availability=1,
            sspo_response=1,
        )
    assert Feedback.objects.count() == 1


@pytest.mark.parametrize("opens, closes", [(-10, -1), (1, 10)])
def test_a_round_takes_answers_only_while_open(client, round_a, staff_a, opens, closes):
    round_a.opens_on, round_a.closes_on = days(opens), days(closes)
    round_a.save()
    client.force_login(staff_a)
    url = reverse("feedback_answer", args=[round_a.code])
    body = client.get(url).content.decode()
    assert "You can answer only while it is open" in body and "Send feedback" not in body
    data = {"pupils_feel_safe": "4", "sspo_availability": "2", "sspo_response": "5"}
    body = client.post(url, data).content.decode()
    assert "This round is not open for answers" in body
    assert Feedback.objects.count() == 0


def test_a_feedback_form_with_mistakes_keeps_what_was_typed(client, round_a, spoc_a):
    client.force_login(spoc_a)
    url = reverse("feedback_answer", args=[round_a.code])
    data = {"pupils_feel_safe": "4", "sspo_response": "9", "to_improve": "Reply sooner"}
    body = client.post(url, data).content.decode()
    assert "Choose a score for the SSPO&#x27;s availability" in body
    assert "Select a valid choice" in body  # the response score: 9 is not on the scale
    assert re.search(r'value="4"[^>]* id="id_pupils_feel_safe_3" checked', body)
    assert "Reply sooner</textarea>" in body
    assert Feedback.objects.count() == 0


def test_the_sergeant_reads_counts_averages_and_comments_without_names(
    client, round_a, staff_a, spoc_a, head_a, sergeant
):
    answer(round_a, staff_a, (5, 4, 3), "More assemblies on knife crime.")
    answer(round_a, spoc_a, (3, 2, 1))
    answer(round_a, head_a, (4, 3, 2), "Faster replies to enquiries.")
    client.force_login(sergeant)
    body = client.get(reverse("feedback_round_results", args=[round_a.code])).content.decode()
    assert "3 answers" in body
    # Averages 4.0, 3.0 and 2.0; the spread of scores 1 to 5 per question.
    for average, spread in (
        ("4.0", "0, 0, 1, 1, 1"),
        ("3.0", "0, 1, 1, 1, 0"),
        ("2.0", "1, 1, 1, 0, 0"),
    ):
        assert average in body and spread in body
    assert "More assemblies on knife crime." in body and "Faster replies to enquiries." in body
    assert "School staff" in body and "Head teacher" in body
    for person in (staff_a, spoc_a, head_a):
        assert person.get_full_name() not in body


def test_the_home_page_shows_an_open_round_until_it_is_answered(
    client, round_a, round_b, staff_a, spoc_a
):
    link = reverse("feedback_answer", args=[round_a.code])
    for person in (staff_a, spoc_a):
        client.force_login(person)
        body = client.get("/").content.decode()
        assert link in body
        assert reverse("feedback_answer", args=[round_b.code]) not in body  # another school's
    answer(round_a, staff_a)
    client.force_login(staff_a)
    assert link not in client.get("/").content.decode()
    round_a.closes_on = days(-1)
    round_a.save()
    client.force_login(spoc_a)
    assert link not in client.get("/").content.decode()


def test_the_round_list_counts_answers(client, round_a, staff_a, sergeant):
    answer(round_a, staff_a)
    client.force_login(sergeant)
    body = client.get(reverse("feedback_round_list", args=[round_a.partnership.code]))
    body = body.content.decode()
    assert "Autumn term 2026" in body and "Open" in body
    assert '<td class="govuk-table__cell govuk-table__cell--numeric">1</td>' in body


# ---------------------------------------------------------------------------------------
# Reviews


def review_data(**overrides):
    data = {"term": recent_terms()[0].key, "rating": "green", "comments": "A good term."}
    return data | overrides


def test_the_sergeant_saves_a_review_with_figures_feedback_and_agreed_actions(
    client, sergeant, school_a, sspo_a, staff_a, round_a
):
    log_concern(school_a, staff_a)
    answer(round_a, staff_a, (5, 4, 3))
    ActionPlanItem.objects.create(
        partnership=school_a.partnership,
        problem="Vaping in toilets",
        action="Assembly on vaping",
        owner="SSPO",
        due_on=days(20),
        created_by=sergeant,
    )
    client.force_login(sergeant)
    url = reverse("review_new", args=[school_a.partnership.code])
    form_page = client.get(url).content.decode()
    term = recent_terms()[0]
    assert term.label in form_page and "1 September to 31 December" in form_page
    assert "Vaping in toilets" in form_page  # the action plan to review
    assert "Autumn term 2026: 1 answer" in form_page  # the round of this term, chosen
    data = review_data(feedback_round=str(round_a.code), rating="amber")
    data |= {
        "action_1_problem": "Knives reported on the way home",
        "action_1_action": "Patrols at the bus station on Fridays",
        "action_1_owner": "SSPO",
        **date_boxes("action_1_due_on", days(30)),
    }
    response = client.post(url, data)
    review = Review.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(f"/{review.code}/")
    assert (review.academic_year, review.term) == (term.academic_year, term.term)
    assert (review.period_start, review.period_end) == (term.start, term.end)
    assert review.rating == "amber" and review.feedback_round == round_a
    assert review.figures["concerns"]["logged"] == 1
    assert review.figures["feedback"]["answers"] == 1
    assert review.figures["action_plan"][0]["problem"] == "Vaping in toilets"
    assert review.history.get().history_user == sergeant
    agreed = ActionPlanItem.objects.get(agreed_at_review=review)
    assert (agreed.action, agreed.owner, agreed.due_on) == (
        "Patrols at the bus station on Fridays",
        "SSPO",
        days(30),
    )
    assert agreed.partnership == school_a.partnership and agreed.status == "open"


def test_a_review_reads_the_same_after_the_portal_changes(
    client, sergeant, head_a, school_a, sspo_a, staff_a
):
    log_concern(school_a, staff_a)
    client.force_login(sergeant)
    client.post(reverse("review_new", args=[school_a.partnership.code]), review_data())
    review = Review.objects.get()
    for _ in range(3):
        log_concern(school_a, staff_a)
    assert Concern.objects.filter(school=school_a).count() == 4
    url = reverse("review_detail", args=[school_a.partnership.code, review.code])
    client.force_login(head_a)
    body = client.get(url).content.decode()
    assert 'Logged by the school</dt><dd class="govuk-summary-list__value">1<' in body
    assert "A good term." in body


def test_one_review_per_term_and_the_first_is_kept(client, sergeant, school_a, sspo_a):
    client.force_login(sergeant)
    url = reverse("review_new", args=[school_a.partnership.code])
    assert client.post(url, review_data()).status_code == 302
    response = client.post(url, review_data(rating="red", comments="Second thoughts."))
    body = response.content.decode()
    assert response.status_code == 200
    assert "has already been reviewed" in body
    assert "Second thoughts.</textarea>" in body
    assert list(Review.objects.values_list("rating", "comments")) == [("green", "A good term.")]
    # The form warns before anything is typed, too.
    assert "has already been reviewed" in client.get(url).content.decode()


def test_a_review_form_with_mistakes_keeps_what_was_typed(client, sergeant, school_a, sspo_a):
    client.force_login(sergeant)
    url = reverse("review_new", args=[school_a.partnership.code])
    data = review_data(rating="", comments="Typed comments")
    data |= {"action_1_problem": "Truancy on Mondays", "action_2_owner": "SPOC"}
    data |= {"action_3_owner": "Head teacher"}
    data |= {"action_2_due_on_0": "31", "action_2_due_on_1": "2", "action_2_due_on_2": "2027"}
    body = client.post(url, data).content.decode()
    assert "Choose a rating: red, amber or green" in body
    assert "Agreed action 1: enter the action" in body
    assert "Agreed action 1: enter who owns it" in body
    assert "Agreed action 1: enter the due date" in body
    assert "Agreed action 3: enter the problem" in body
    assert "The due date of agreed action 2 must be a real date" in body
    assert "Typed comments</textarea>" in body
    assert "Truancy on Mondays</textarea>" in body
    assert 'value="SPOC"' in body
    assert 'name="action_2_due_on_0" type="text" value="31"' in body
    assert Review.objects.count() == 0 and ActionPlanItem.objects.count() == 0
    past = review_data() | {
        "action_1_problem": "P",
        "action_1_action": "A",
        "action_1_owner": "O",
        **date_boxes("action_1_due_on", days(-1)),
    }
    body = client.post(url, past).content.decode()
    assert "The due date of agreed action 1 must be today or later" in body
    bad_term = client.post(url, review_data(term="1999-autumn")).content.decode()
    assert "Choose a term from the list" in bad_term
    assert Review.objects.count() == 0


def test_a_review_cannot_take_another_partnerships_round(round_b, school_a, sergeant, sspo_a):
    with pytest.raises(Exception, match="Choose a round of this partnership"):
        review_record(
            partnership=school_a.partnership,
            by=sergeant,
            term=recent_terms()[0],
            figures={},
            feedback_round=round_b,
            rating="green",
            comments="c",
            actions=[AgreedAction("p", "a", "o", days(1))],
        )
    assert Review.objects.count() == 0 and ActionPlanItem.objects.count() == 0


def test_reviews_are_listed_newest_first(client, sergeant, school_a, sspo_a, spoc_a):
    terms = recent_terms(3)
    for term, rating in zip(reversed(terms), ("red", "amber", "green"), strict=True):
        review_record(
            partnership=school_a.partnership,
            by=sergeant,
            term=term,
            figures={},
            feedback_round=None,
            rating=rating,
            comments="c",
            actions=[],
        )
    client.force_login(spoc_a)
    body = client.get(reverse("review_list", args=[school_a.partnership.code])).content.decode()
    positions = [body.index(t.label) for t in terms]
    assert positions == sorted(positions)
    assert "Review a term" not in body  # the SPOC reads; only the sergeant writes


def test_only_the_sergeant_sees_the_feedback_averages_on_a_review(
    client, sergeant, head_a, sspo_a, school_a, round_a, staff_a
):
    answer(round_a, staff_a, (2, 2, 2))
    client.force_login(sergeant)
    client.post(
        reverse("review_new", args=[school_a.partnership.code]),
        review_data(feedback_round=str(round_a.code)),
    )
    url = reverse("review_detail", args=[school_a.partnership.code, Review.objects.get().code])
    assert "Answers scoring 1, 2, 3, 4, 5" in client.get(url).content.decode()
    for reader in (head_a, sspo_a):
        client.force_login(reader)
        body = client.get(url).content.decode()
        assert "Answers scoring 1, 2, 3, 4, 5" not in body
        assert "Answers considered: 1" in body


def test_a_review_of_another_partnership_is_not_found_under_this_one(
    client, sergeant, school_b, sspo_b, world
):
    client.force_login(sergeant)
    url = reverse("review_detail", args=[school_b.partnership.code, world["review"].code])
    assert client.get(url).status_code == 404


def test_the_home_pages_link_to_the_reviews(client, sergeant, spoc_a, sspo_a, staff_a, school_a):
    link = reverse("review_list", args=[school_a.partnership.code])
    for person in (sergeant, spoc_a, sspo_a):
        client.force_login(person)
        assert link in client.get("/").content.decode()
    client.force_login(staff_a)
    assert link not in client.get("/").content.decode()
    client.force_login(sergeant)
    rounds = reverse("feedback_round_list", args=[school_a.partnership.code])
    assert rounds in client.get("/").content.decode()


def test_review_pages_take_a_flat_number_of_queries(
    client, sergeant, school_a, sspo_a, staff_a, round_a, django_assert_max_num_queries
):
    terms = iter(recent_terms()[1:])

    def grow(n):
        for _ in range(n):
            review_record(
                partnership=school_a.partnership,
                by=sergeant,
                term=next(terms),
                figures={},
                feedback_round=None,
                rating="green",
                comments="c",
                actions=[AgreedAction("p", "a", "o", days(1))],
            )
            log_concern(school_a, staff_a)
            answer(round_a, MembershipFactory(school=school_a).user)

    grow(1)
    client.force_login(sergeant)
    new = reverse("review_new", args=[school_a.partnership.code])
    listing = reverse("review_list", args=[school_a.partnership.code])
    client.get(new)  # the first request after sign-in also starts the session clock
    with django_assert_max_num_queries(30) as few_new:
        client.get(new)
    with django_assert_max_num_queries(30) as few_list:
        client.get(listing)
    grow(4)
    with django_assert_max_num_queries(len(few_new.captured_queries)):
        assert client.get(new).status_code == 200
    with django_assert_max_num_queries(len(few_list.captured_queries)):
        assert client.get(listing).content.decode().count("govuk-tag--green") == 5

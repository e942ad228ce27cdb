"""The records pages through HTTP: who reaches them (ACCESS.md rows 40-42: the head or the
school's data-protection lead for the school's records, the team's sergeant for police
records; outside scope 404, in scope but not allowed 403), and what they show and do."""

import datetime as dt
import uuid

import pytest
from django.urls import reverse

from records import services
from records.models import LegalHold, Review, ReviewDecision
from schools.models import Membership
from ssp.models import AccessLog

pytestmark = pytest.mark.django_db


@pytest.fixture
def dp_lead(staff_a2, school_a):
    Membership.objects.filter(user=staff_a2, school=school_a).update(is_data_protection_lead=True)
    return staff_a2


@pytest.fixture
def school_review(concern_a, school_a, sspo_a):
    """A review of one of Ashdown's concerns; Ashdown's officer (sspo_a) is assigned, so the
    team's sergeant sees the school (in scope) without owning its records (403)."""
    return Review.objects.create(
        kind="concern",
        record_code=concern_a.code,
        controller="school",
        school=school_a,
        due_on=dt.date(2026, 1, 1),
        rule="Safeguarding concerns: reviewed 25 years after the pupil's date of birth",
    )


@pytest.fixture
def team_review(safer_team):
    return Review.objects.create(
        kind="incident",
        record_code=uuid.uuid4(),
        controller="police",
        team=safer_team,
        group=3,
        due_on=dt.date(2026, 1, 1),
        rule="Incidents, MoPI group 3: reviewed 6 years after the record was made",
    )


REVIEW_PAGES = ["records:review_keep", "records:review_dispose", "records:hold_record"]
SCHOOL_REVIEW = {
    "head_a": 200,
    "dp_lead": 200,
    "spoc_a": 403,
    "staff_a": 403,
    "sspo_a": 403,
    "sergeant": 403,
    "head_b": 404,
    "other_sergeant": 404,
}
TEAM_REVIEW = {"sergeant": 200, "sspo_a": 403, "head_a": 404, "other_sergeant": 404}


@pytest.mark.parametrize("page", REVIEW_PAGES)
@pytest.mark.parametrize("who, status", SCHOOL_REVIEW.items())
def test_a_schools_review_is_for_its_head_and_data_protection_lead(
    request, signed_in, school_review, page, who, status
):
    client = signed_in(request.getfixturevalue(who))
    assert client.get(reverse(page, args=[school_review.code])).status_code == status


@pytest.mark.parametrize("page", REVIEW_PAGES)
@pytest.mark.parametrize("who, status", TEAM_REVIEW.items())
def test_a_police_review_is_for_the_teams_sergeant(
    request, signed_in, team_review, page, who, status
):
    client = signed_in(request.getfixturevalue(who))
    assert client.get(reverse(page, args=[team_review.code])).status_code == status


@pytest.mark.parametrize("page", ["records:review_list", "records:rules", "records:hold_list"])
@pytest.mark.parametrize(
    "who, status",
    {"head_a": 200, "dp_lead": 200, "sergeant": 200, "spoc_a": 403, "staff_a": 403,
     "sspo_a": 403, "admin_user": 403}.items(),
)  # fmt: skip
def test_the_records_lists_are_for_those_who_own_records(request, signed_in, page, who, status):
    client = signed_in(request.getfixturevalue(who))
    assert client.get(reverse(page)).status_code == status


@pytest.mark.parametrize(
    "who, status",
    {"head_a": 200, "dp_lead": 200, "spoc_a": 403, "staff_a": 403, "head_b": 404,
     "sspo_a": 404}.items(),
)  # fmt: skip
def test_a_pupil_is_held_by_their_schools_owners(request, signed_in, pupil_a, who, status):
    client = signed_in(request.getfixturevalue(who))
    assert client.get(reverse("records:hold_pupil", args=[pupil_a.code])).status_code == status


@pytest.mark.parametrize(
    "who, status", {"head_a": 200, "dp_lead": 200, "spoc_a": 403, "head_b": 404}.items()
)
def test_a_hold_is_lifted_by_its_schools_owners(
    request, signed_in, head_a, school_a, pupil_a, who, status
):
    hold = services.hold_place(by=head_a, school=school_a, pupil=pupil_a, reason="Inquiry")
    client = signed_in(request.getfixturevalue(who))
    assert client.get(reverse("records:hold_lift", args=[hold.code])).status_code == status


@pytest.mark.parametrize(
    "who, status", {"head_a": 200, "dp_lead": 200, "spoc_a": 403, "head_b": 404}.items()
)
def test_a_schools_rule_is_lengthened_by_its_owners(request, signed_in, school_a, who, status):
    client = signed_in(request.getfixturevalue(who))
    url = reverse("records:rule_lengthen", args=[school_a.code, "concern"])
    assert client.get(url).status_code == status


def test_the_review_list_shows_the_schools_due_records_with_initials_only(
    signed_in, head_a, head_b, school_review, team_review, concern_a
):
    page = signed_in(head_a).get(reverse("records:review_list")).content.decode()
    assert concern_a.reference in page and "AA" in page
    assert "Amelia" not in page and "Ashby" not in page
    assert str(team_review.record_code) not in page
    other = signed_in(head_b).get(reverse("records:review_list")).content.decode()
    assert concern_a.reference not in other


def test_the_review_lists_queries_do_not_grow_with_its_length(
    signed_in, head_a, school_a, staff_a, make_concern, django_assert_max_num_queries
):
    from tests.factories import PupilFactory

    def add(n):
        for _ in range(n):
            concern = make_concern(
                school=school_a, reported_by=staff_a, pupils=[PupilFactory(school=school_a)]
            )
            Review.objects.create(
                kind="concern", record_code=concern.code, controller="school", school=school_a,
                due_on=dt.date(2026, 1, 1), rule="r",
            )  # fmt: skip

    client = signed_in(head_a)
    add(1)
    client.get(reverse("records:review_list"))
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as one:
        client.get(reverse("records:review_list"))
    add(15)
    with django_assert_max_num_queries(len(one)):
        assert client.get(reverse("records:review_list")).status_code == 200


def test_keeping_with_a_past_date_says_so_beside_the_field_and_keeps_the_reason(
    signed_in, head_a, school_review
):
    response = signed_in(head_a).post(
        reverse("records:review_keep", args=[school_review.code]),
        {
            "reason": "Sibling's case open",
            "next_review_on_0": "1",
            "next_review_on_1": "1",
            "next_review_on_2": "2020",
        },
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "govuk-error-message" in page and "today or later" in page
    assert "Sibling&#x27;s case open" in page
    school_review.refresh_from_db()
    assert school_review.state == Review.State.DUE


def test_keeping_records_the_reason_and_the_next_date(signed_in, head_a, school_review):
    response = signed_in(head_a).post(
        reverse("records:review_keep", args=[school_review.code]),
        {
            "reason": "Sibling's case open",
            "next_review_on_0": "1",
            "next_review_on_1": "9",
            "next_review_on_2": "2031",
        },
    )
    assert response.status_code == 302
    school_review.refresh_from_db()
    assert (school_review.state, school_review.due_on) == (Review.State.KEPT, dt.date(2031, 9, 1))
    decision = ReviewDecision.objects.get()
    assert (decision.by, decision.reason) == (head_a, "Sibling's case open")
    assert AccessLog.objects.filter(
        user=head_a, object_type="retention review", object_code=school_review.code
    ).exists()


def test_the_dispose_page_says_what_goes_and_that_it_cannot_be_undone(
    signed_in, head_a, school_review
):
    client = signed_in(head_a)
    page = client.get(reverse("records:review_dispose", args=[school_review.code])).content
    assert b"cannot be undone" in page and b"its attached files" in page
    assert (
        client.post(reverse("records:review_dispose", args=[school_review.code])).status_code
        == 302
    )
    school_review.refresh_from_db()
    assert school_review.state == Review.State.DISPOSING
    assert ReviewDecision.objects.get().by == head_a


def test_a_held_record_shows_on_the_list_and_its_disposal_is_refused(
    signed_in, head_a, school_a, pupil_a, school_review
):
    client = signed_in(head_a)
    response = client.post(
        reverse("records:hold_pupil", args=[pupil_a.code]),
        {"reason": "Independent inquiry", "reference": "IICSA/2026/7"},
    )
    assert response.status_code == 302
    hold = LegalHold.objects.in_force().get()
    assert (hold.pupil, hold.school, hold.placed_by) == (pupil_a, school_a, head_a)
    assert b"On legal hold" in client.get(reverse("records:review_list")).content
    response = client.post(reverse("records:review_dispose", args=[school_review.code]))
    assert response.status_code == 200 and b"legal hold" in response.content
    school_review.refresh_from_db()
    assert school_review.state == Review.State.DUE

    response = client.post(reverse("records:hold_lift", args=[hold.code]), {"reason": ""})
    assert b"Enter why the hold is lifted" in response.content
    client.post(reverse("records:hold_lift", args=[hold.code]), {"reason": "Inquiry closed"})
    hold.refresh_from_db()
    assert hold.lifted_by == head_a and hold.lift_reason == "Inquiry closed"
    assert b"On legal hold" not in client.get(reverse("records:review_list")).content


def test_the_sergeant_holds_one_police_record(signed_in, sergeant, safer_team, team_review):
    response = signed_in(sergeant).post(
        reverse("records:hold_record", args=[team_review.code]),
        {"reason": "Proceedings", "reference": "CPS-1"},
    )
    assert response.status_code == 302
    hold = LegalHold.objects.get()
    assert (hold.team, hold.kind, hold.record_code) == (
        safer_team,
        "incident",
        team_review.record_code,
    )


def test_the_rules_page_says_every_rule_in_plain_words(signed_in, head_a):
    page = signed_in(head_a).get(reverse("records:rules")).content.decode()
    assert "reviewed 25 years after the pupil&#x27;s date of birth" in page
    assert "MoPI group 1" in page and "kept until the pupil would be 100" in page
    assert "reviewed 6 years after the record was made" in page
    assert "Access log rows" in page


def test_a_school_lengthens_its_rule_and_a_shorter_one_is_refused_beside_the_field(
    signed_in, head_a, school_a
):
    client = signed_in(head_a)
    url = reverse("records:rule_lengthen", args=[school_a.code, "concern"])
    response = client.post(url, {"years": "20"})
    assert response.status_code == 200 and b"25 years or more" in response.content
    assert b'value="20"' in response.content
    assert client.post(url, {"years": "30"}).status_code == 302
    assert b"Ashdown" in client.get(reverse("records:rules")).content


def test_the_pupils_record_offers_a_hold_to_the_schools_owners_only(
    signed_in, head_a, spoc_a, pupil_a
):
    url = reverse("pupil_chronology", args=[pupil_a.code])
    hold = reverse("records:hold_pupil", args=[pupil_a.code]).encode()
    assert hold in signed_in(head_a).get(url).content
    assert hold not in signed_in(spoc_a).get(url).content


@pytest.mark.parametrize("page", REVIEW_PAGES)
@pytest.mark.parametrize("who", ["spoc_a", "staff_a", "sspo_a", "sergeant", "head_b"])
def test_a_refused_decision_posted_anyway_changes_nothing(
    request, signed_in, school_review, page, who
):
    # The denied side of keep, dispose and hold, by POST: the same answer as the page's
    # (403 in the school's reach, 404 outside it), and the review and holds stay as they were.
    client = signed_in(request.getfixturevalue(who))
    posted = {"reason": "Posted anyway", "reference": "X-1", "next_review_on_0": "1",
              "next_review_on_1": "1", "next_review_on_2": "2040"}  # fmt: skip
    response = client.post(reverse(page, args=[school_review.code]), posted)
    assert response.status_code == SCHOOL_REVIEW[who]
    fresh = Review.objects.get(pk=school_review.pk)
    assert (fresh.state, fresh.due_on) == (school_review.state, school_review.due_on)
    assert not LegalHold.objects.exists()


@pytest.mark.parametrize("who", ["spoc_a", "head_b"])
def test_a_hold_lift_posted_by_someone_else_leaves_it_in_force(
    request, signed_in, head_a, school_a, pupil_a, who
):
    hold = services.hold_place(by=head_a, school=school_a, pupil=pupil_a, reason="Inquiry")
    client = signed_in(request.getfixturevalue(who))
    response = client.post(reverse("records:hold_lift", args=[hold.code]), {"reason": "No"})
    assert response.status_code == {"spoc_a": 403, "head_b": 404}[who]
    assert LegalHold.objects.in_force().filter(pk=hold.pk).exists()


@pytest.mark.parametrize("who", ["spoc_a", "staff_a", "head_b", "sspo_a"])
def test_a_hold_on_a_pupil_posted_by_someone_else_places_none(request, signed_in, pupil_a, who):
    client = signed_in(request.getfixturevalue(who))
    url = reverse("records:hold_pupil", args=[pupil_a.code])
    response = client.post(url, {"reason": "Posted anyway", "reference": "X-1"})
    assert response.status_code == {"head_b": 404, "sspo_a": 404}.get(who, 403)
    assert not LegalHold.objects.exists()


@pytest.mark.parametrize("who", ["spoc_a", "head_b"])
def test_a_schools_rule_posted_by_someone_else_is_not_changed(request, signed_in, school_a, who):
    from records.models import RetentionRule

    client = signed_in(request.getfixturevalue(who))
    url = reverse("records:rule_lengthen", args=[school_a.code, "concern"])
    assert client.post(url, {"years": "40"}).status_code == {"spoc_a": 403, "head_b": 404}[who]
    assert not RetentionRule.objects.filter(school=school_a).exists()

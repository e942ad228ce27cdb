"""The appraisal in the browser: a member of staff answers the feedback round from their
home page, then the sergeant reviews the term with the figures, the feedback and an
agreed action, and reads the review back."""

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from agreements.appraisal import recent_terms
from agreements.models import ActionPlanItem, FeedbackRound, Review
from incidents.models import Concern

from .test_concern_flow import look, sign_out
from .test_sign_in import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_staff_give_feedback_and_the_sergeant_completes_a_review(
    page, sergeant, sspo_a, staff_a, school_a
):
    today = timezone.localdate()
    for n in range(3):
        Concern.objects.create(
            reference=f"C-REVIEW-{n}",
            school=school_a,
            reported_by=staff_a,
            category="bullying",
            narrative="Pushed in the corridor.",
            happened_at=timezone.now(),
            location="in_school",
        )
    feedback_round = FeedbackRound.objects.create(
        partnership=school_a.partnership,
        title="Autumn feedback",
        opens_on=today,
        closes_on=today + datetime.timedelta(days=14),
        opened_by=sergeant,
    )
    ActionPlanItem.objects.create(
        partnership=school_a.partnership,
        problem="Vaping in the toilets",
        action="Assembly on vaping for years 9 and 10",
        owner="SSPO",
        due_on=today + datetime.timedelta(days=10),
        created_by=sergeant,
    )

    # Staff: the round waits on their home page; they answer it once.
    sign_in(page, staff_a)
    page.get_by_role("link", name="Give your feedback on the Safer Schools Partnership").click()
    expect(page.locator("h1")).to_have_text("Feedback on the Safer Schools Partnership")
    look(page, "feedback-form")
    page.locator("#id_pupils_feel_safe_3").check()  # 4 – Good
    page.locator("#id_sspo_availability_4").check()  # 5 – Very good
    page.get_by_role("button", name="Send feedback").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text(
        "Choose a score for the SSPO's response"
    )
    expect(page.locator("#id_pupils_feel_safe_3")).to_be_checked()  # what was chosen stays
    page.locator("#id_sspo_response_2").check()  # 3 – Adequate
    page.get_by_label("What should the partnership improve?").fill("More time at the gates.")
    page.get_by_role("button", name="Send feedback").click()
    page.wait_for_url(re.compile(r"/$"))
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("Thank you")
    expect(page.get_by_role("link", name="Give your feedback")).to_have_count(0)
    sign_out(page)

    # Sergeant: from the team's home to the partnership's reviews, then a new review.
    sign_in(page, sergeant)
    page.get_by_role("link", name="reviews of Ashdown Academy").click()
    expect(page.locator("h1")).to_have_text("Reviews of the partnership")
    page.get_by_role("link", name="Review a term").click()
    expect(page.locator("h1")).to_have_text("Review a term")
    term = recent_terms()[0]
    main = page.locator("main")
    expect(main).to_contain_text(f"Figures for the {term.label}")
    expect(main).to_contain_text("autumn 1 September to 31 December")
    expect(main).to_contain_text("Autumn feedback: 1 answer")
    expect(main).to_contain_text("Vaping in the toilets")
    figures = page.locator(".govuk-summary-list").first
    expect(figures).to_contain_text("Logged by the school")
    expect(figures.locator(".govuk-summary-list__value").first).to_have_text("3")
    look(page, "review-form")

    page.get_by_label("Green").check()
    page.get_by_label("Comments").fill("A steady term; concerns triaged the same day.")
    page.locator("#id_action_1_problem").fill("Crowds at the bus station after school")
    page.locator("#id_action_1_action").fill("Friday patrols with the Safer Travel team")
    page.locator("#id_action_1_owner").fill("SSPO")
    due = today + datetime.timedelta(days=30)
    page.locator("#id_action_1_due_on_0").fill(str(due.day))
    page.locator("#id_action_1_due_on_1").fill(str(due.month))
    page.locator("#id_action_1_due_on_2").fill(str(due.year))
    page.get_by_role("button", name="Save review").click()

    page.wait_for_url(re.compile(r"/partnerships/[0-9a-f-]{36}/reviews/[0-9a-f-]{36}/$"))
    review = Review.objects.get()
    assert (review.rating, review.feedback_round) == ("green", feedback_round)
    assert review.figures["concerns"]["logged"] == 3
    assert review.agreed_actions.get().action == "Friday patrols with the Safer Travel team"
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text(
        f"Review of the {term.label} saved"
    )
    expect(page.locator("h1")).to_have_text(f"{term.label} review")
    expect(main.locator(".govuk-tag--green")).to_have_text("Green")
    expect(main).to_contain_text("Friday patrols with the Safer Travel team")
    expect(main).to_contain_text("Logged by the school")
    expect(main).to_contain_text("Answers scoring 1, 2, 3, 4, 5")
    look(page, "review-detail")
    assert page.csp_violations == []

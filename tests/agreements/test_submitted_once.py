"""Every agreements create form posted twice from one rendered form (action plan items,
feedback rounds and feedback, drafts, reviews, awareness confirmations, proposals and
signatures) is saved once, told once, and the second post lands where the first did."""

import threading
import uuid

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from agreements.appraisal import recent_terms
from agreements.models import (
    ActionPlanItem,
    AwarenessConfirmation,
    Document,
    Feedback,
    FeedbackRound,
    Partnership,
    Review,
    Signature,
)
from ssp.models import Notification
from tests.factories import SchoolFactory
from tests.submissions import assert_posted_twice_saves_once, form_token, posted_twice

from .test_action_plan import item_data


def test_an_action_plan_item_posted_twice_is_added_once(client, school_a, sspo_a):
    client.force_login(sspo_a)
    url = reverse("action_plan_item_add", args=[school_a.partnership.code])
    assert_posted_twice_saves_once(
        client, page=url, post=url, data=item_data(), model=ActionPlanItem
    )


def test_a_feedback_round_posted_twice_is_opened_once_and_told_once(
    client, sergeant, school_a, sspo_a, staff_a, head_a
):
    from .test_appraisal import date_boxes, days

    client.force_login(sergeant)
    url = reverse("feedback_round_new", args=[school_a.partnership.code])
    data = (
        {"title": "Autumn term 2026"}
        | date_boxes("opens_on", days(0))
        | date_boxes("closes_on", days(10))
    )
    posted_twice(client, url, data)
    assert FeedbackRound.objects.count() == 1
    assert Notification.objects.filter(recipient=staff_a).count() == 1


def test_a_draft_posted_twice_is_saved_once_and_the_second_post_is_not_refused(
    client, sergeant, school_a, force
):
    from .test_documents import NEW, _form

    client.force_login(sergeant)
    second = posted_twice(client, NEW, _form())
    draft = Document.objects.get(force=force, kind="dsa", published_at=None)
    assert second["Location"] == reverse("document_detail", args=[draft.code])


def test_feedback_posted_twice_is_given_once_and_lands_where_the_first_did(
    client, sergeant, school_a, sspo_a, staff_a
):
    from .test_appraisal import days

    round_a = FeedbackRound.objects.create(
        partnership=school_a.partnership,
        title="Autumn term 2026",
        opens_on=days(-1),
        closes_on=days(7),
        opened_by=sergeant,
    )
    client.force_login(staff_a)
    url = reverse("feedback_answer", args=[round_a.code])
    data = {"pupils_feel_safe": "4", "sspo_availability": "2", "sspo_response": "5"}
    posted_twice(client, url, data)
    assert Feedback.objects.filter(respondent=staff_a).count() == 1
    # Another form's post after answering is refused, as before: one answer per round.
    response = client.post(url, data | {"once": str(uuid.uuid4())})
    assert response.status_code == 200
    assert Feedback.objects.filter(respondent=staff_a).count() == 1


def test_a_review_posted_twice_is_saved_once_and_lands_on_it(client, sergeant, school_a, sspo_a):
    client.force_login(sergeant)
    url = reverse("review_new", args=[school_a.partnership.code])
    data = {"term": recent_terms()[0].key, "rating": "green", "comments": "A good term."}
    second = posted_twice(client, url, data)
    review = Review.objects.get()
    assert second["Location"] == reverse(
        "review_detail", args=[school_a.partnership.code, review.code]
    )


def test_an_awareness_confirmation_posted_twice_is_kept_once(client, staff_a, school_a):
    client.force_login(staff_a)
    url = reverse("ssp_summary", args=[school_a.partnership.code])
    protocol = Document.objects.current_of(school_a.force_id, Document.Kind.PROTOCOL).get()
    posted_twice(client, url, {"document": str(protocol.code)})
    assert AwarenessConfirmation.objects.filter(user=staff_a).count() == 1


def test_a_proposal_posted_twice_makes_one_partnership_and_lands_on_it(
    client, sergeant, force, school_a
):
    school = SchoolFactory(force=force, name="Eastfield College")
    client.force_login(sergeant)
    url = reverse("partnership_new")
    second = posted_twice(client, url, {"school": school.pk, "reason": "Highest need."})
    partnership = Partnership.objects.get(school=school)
    assert second["Location"] == reverse("partnership_detail", args=[partnership.code])
    assert partnership.events.count() == 1
    # Another form's post: the school is no longer offered, refused next to the field.
    body = client.post(
        url, {"school": school.pk, "reason": "Again.", "once": str(uuid.uuid4())}
    ).content.decode()
    assert "Choose the school" in body
    assert Partnership.objects.filter(school=school).count() == 1


def test_a_signature_posted_twice_signs_once_and_tells_the_other_side_once(
    client, head_a, sergeant, school_a, sspo_a, force, publish_new_version, code_for
):
    dsa_v2 = publish_new_version(force, title="Data sharing agreement 2027")
    client.force_login(head_a)
    url = reverse("partnership_sign", args=[school_a.partnership.code, dsa_v2.code])
    # The code is spent by the first post: the repeat carries the same form, code and all.
    second = posted_twice(client, url, {"confirm": "on", "code": code_for(head_a)})
    assert second["Location"] == reverse("partnership_detail", args=[school_a.partnership.code])
    live = Signature.objects.filter(document=dsa_v2, revoked_at=None)
    assert list(live.values_list("side", flat=True)) == [Signature.Side.SCHOOL]
    assert Notification.objects.filter(recipient=sergeant).count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_posts_of_one_review_form_save_one_review(sergeant, school_a, sspo_a):
    url = reverse("review_new", args=[school_a.partnership.code])
    clients = [Client(), Client()]
    for each in clients:
        each.force_login(sergeant)
    data = {"term": recent_terms()[0].key, "rating": "green", "comments": "A good term."}
    data["once"] = form_token(clients[0].get(url))
    barrier = threading.Barrier(2)
    locations = []

    def post(each):
        try:
            barrier.wait()
            locations.append(each.post(url, data)["Location"])
        finally:
            connection.close()

    threads = [threading.Thread(target=post, args=(each,)) for each in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    review = Review.objects.get()
    assert (
        locations == [reverse("review_detail", args=[school_a.partnership.code, review.code])] * 2
    )

"""Action plan items, feedback rounds and drafts posted twice from one form are saved once."""

from django.urls import reverse

from agreements.models import ActionPlanItem, Document, FeedbackRound
from ssp.models import Notification
from tests.submissions import assert_posted_twice_saves_once, form_token

from .test_action_plan import item_data


def test_an_action_plan_item_posted_twice_is_added_once(client, school_a, sspo_a):
    client.force_login(sspo_a)
    url = reverse("action_plan_item_add", args=[school_a.partnership.code])
    assert_posted_twice_saves_once(
        client, page=url, post=url, data=item_data(), model=ActionPlanItem
    )


def _posted_twice(client, url, data):
    rendered = client.get(url)
    assert 'data-prevent-double-click="true"' in rendered.content.decode()
    data = data | {"once": form_token(rendered)}
    first = client.post(url, data)
    alerts = Notification.objects.count()
    second = client.post(url, data)
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    assert Notification.objects.count() == alerts
    return second


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
    _posted_twice(client, url, data)
    assert FeedbackRound.objects.count() == 1
    assert Notification.objects.filter(recipient=staff_a).count() == 1


def test_a_draft_posted_twice_is_saved_once_and_the_second_post_is_not_refused(
    client, sergeant, school_a, force
):
    from .test_documents import NEW, _form

    client.force_login(sergeant)
    second = _posted_twice(client, NEW, _form())
    draft = Document.objects.get(force=force, kind="dsa", published_at=None)
    assert second["Location"] == reverse("document_detail", args=[draft.code])

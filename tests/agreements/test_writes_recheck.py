"""Each agreement write asks again, under its lock, whether the person may still act.

A page is loaded while the person may act; before they post, their place ends (a head
leaves the school, a sergeant leaves the force). The service itself refuses, whatever the
view did, and nothing changes. The views ask too: the same post over HTTP answers 404.
Where the partnership has left the person's reach the service answers 404 as well (Http404,
as if it did not exist); in reach but not allowed, 403 (PermissionDenied).
"""

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from agreements import appraisal, awareness, services
from agreements.models import (
    AwarenessConfirmation,
    Document,
    Feedback,
    FeedbackRound,
    Partnership,
    Review,
    Signature,
)
from schools.models import Membership
from ssp.models import Notification, User
from tests.factories import DocumentFactory, SchoolFactory


def leaves(person) -> User:
    """End every place the person holds today, as membership_end and the force's leaver
    process do; return them as the next request would load them."""
    today = timezone.localdate()
    officer = getattr(person, "officer", None)
    if officer is not None:
        officer.left_on = today
        officer.save()
    for membership in Membership.objects.current().filter(user=person):
        membership.left_on = today
        membership.save()
    return User.objects.get(pk=person.pk)


@pytest.fixture
def dsa_v2(school_a, sspo_a, force, publish_new_version):
    return publish_new_version(force, title="Data sharing agreement 2027")


def _live(document):
    return Signature.objects.filter(document=document, revoked_at=None)


def test_a_head_who_left_after_loading_the_signing_page_signs_nothing(
    client, head_a, school_a, dsa_v2, sergeant
):
    client.force_login(head_a)
    url = reverse("partnership_sign", args=[school_a.partnership.code, dsa_v2.code])
    assert client.get(url).status_code == 200
    gone = leaves(head_a)
    with pytest.raises(Http404):
        services.agreement_sign(partnership=school_a.partnership, document=dsa_v2, by=gone)
    assert client.post(url, {"confirm": "on", "code": "123456"}).status_code == 404
    assert not _live(dsa_v2).exists()
    assert not Notification.objects.filter(recipient=sergeant).exists()


def test_the_head_who_stays_still_signs_through_the_service(head_a, school_a, dsa_v2):
    """The other half of the case above: same set-up, the head still in post."""
    services.agreement_sign(partnership=school_a.partnership, document=dsa_v2, by=head_a)
    assert _live(dsa_v2).get().signed_by == head_a


def test_a_head_of_another_school_cannot_sign_for_this_one(head_b, school_a, dsa_v2):
    with pytest.raises(Http404):  # another school's partnership is out of their reach
        services.agreement_sign(partnership=school_a.partnership, document=dsa_v2, by=head_b)
    assert not _live(dsa_v2).exists()


def test_a_sergeant_who_left_revokes_nothing(client, sergeant, school_a, sspo_a):
    client.force_login(sergeant)
    url = reverse("partnership_revoke", args=[school_a.partnership.code])
    assert client.get(url).status_code == 200
    dsa = Document.objects.current_of(school_a.force_id, Document.Kind.DSA).get()
    signed = _live(dsa).count()
    gone = leaves(sergeant)
    with pytest.raises(Http404):
        services.dsa_revoke(partnership=school_a.partnership, by=gone, reason="Leaving.")
    assert client.post(url, {"reason": "Leaving."}).status_code == 404
    assert _live(dsa).count() == signed == 2


def test_a_sergeant_who_left_moves_no_partnership(sergeant, school_a, sspo_a):
    partnership = school_a.partnership
    gone = leaves(sergeant)
    with pytest.raises(Http404):
        services.partnership_move(
            partnership=partnership, to="suspended", by=gone, reason="Review."
        )
    partnership.refresh_from_db()
    assert partnership.status == Partnership.Status.ACTIVE
    assert not partnership.events.exists()


def test_a_head_cannot_move_a_partnership_through_the_service(head_a, school_a, sspo_a):
    with pytest.raises(PermissionDenied):
        services.partnership_move(
            partnership=school_a.partnership, to="suspended", by=head_a, reason="Mine."
        )
    school_a.partnership.refresh_from_db()
    assert school_a.partnership.status == Partnership.Status.ACTIVE


def test_a_sergeant_who_left_publishes_no_draft_and_starts_none(sergeant, force, school_a):
    draft = DocumentFactory(force=force, kind=Document.Kind.DSA, version=2, created_by=sergeant)
    gone = leaves(sergeant)
    with pytest.raises(PermissionDenied):
        services.document_publish(document=draft, by=gone)
    with pytest.raises(PermissionDenied):
        services.document_draft_update(
            document=draft, by=gone, seen_hash=draft.compute_hash(), title="Changed"
        )
    draft.refresh_from_db()
    assert draft.published_at is None and draft.title != "Changed"
    with pytest.raises(PermissionDenied):
        services.document_draft_create(
            force=force, kind=Document.Kind.PROTOCOL, by=gone, title="New"
        )
    assert Document.objects.filter(force=force).count() == 3  # v1 protocol, v1 DSA, draft


def test_a_sergeant_of_another_force_publishes_nothing_here(other_sergeant, force, school_a):
    draft = DocumentFactory(force=force, kind=Document.Kind.DSA, version=2)
    with pytest.raises(PermissionDenied):
        services.document_publish(document=draft, by=other_sergeant)
    draft.refresh_from_db()
    assert draft.published_at is None


def test_a_sergeant_who_left_proposes_no_partnership(sergeant, force):
    school = SchoolFactory(force=force, name="Eastfield College")
    gone = leaves(sergeant)
    with pytest.raises(PermissionDenied):
        services.partnership_create(school=school, by=gone, reason="Need.")
    assert not Partnership.objects.filter(school=school).exists()


def test_a_sergeant_proposes_no_partnership_for_another_forces_school(other_sergeant, force):
    school = SchoolFactory(force=force, name="Eastfield College")
    with pytest.raises(PermissionDenied):
        services.partnership_create(school=school, by=other_sergeant, reason="Need.")
    assert not Partnership.objects.filter(school=school).exists()


def test_staff_who_left_give_no_feedback_and_confirm_nothing(
    client, staff_a, school_a, sergeant, sspo_a
):
    today = timezone.localdate()
    feedback_round = FeedbackRound.objects.create(
        partnership=school_a.partnership,
        title="Autumn",
        opens_on=today,
        closes_on=today,
        opened_by=sergeant,
    )
    client.force_login(staff_a)
    answer_url = reverse("feedback_answer", args=[feedback_round.code])
    assert client.get(answer_url).status_code == 200
    protocol = awareness.current_protocol(school_a.partnership)
    gone = leaves(staff_a)
    with pytest.raises(PermissionDenied):
        appraisal.feedback_give(
            feedback_round=feedback_round,
            by=gone,
            pupils_feel_safe=4,
            sspo_availability=4,
            sspo_response=4,
        )
    with pytest.raises(PermissionDenied):
        awareness.awareness_confirm(
            partnership=school_a.partnership, document_code=protocol.code, by=gone
        )
    assert not Feedback.objects.exists()
    assert not AwarenessConfirmation.objects.exists()


def test_a_sergeant_who_left_opens_no_round_and_writes_no_review(sergeant, school_a, sspo_a):
    today = timezone.localdate()
    gone = leaves(sergeant)
    with pytest.raises(PermissionDenied):
        appraisal.feedback_round_open(
            partnership=school_a.partnership, by=gone, title="T", opens_on=today, closes_on=today
        )
    with pytest.raises(PermissionDenied):
        appraisal.review_record(
            partnership=school_a.partnership,
            by=gone,
            term=appraisal.recent_terms()[0],
            figures={},
            feedback_round=None,
            rating="green",
            comments="Fine.",
            actions=[],
        )
    assert not FeedbackRound.objects.exists()
    assert not Review.objects.exists()


def test_an_action_plan_item_is_not_added_once_the_partnership_has_ended(client, sspo_a, school_a):
    from agreements.action_plan_services import action_plan_item_add
    from agreements.models import ActionPlanItem

    partnership = school_a.partnership
    client.force_login(sspo_a)
    assert client.get(reverse("action_plan_item_add", args=[partnership.code])).status_code == 200
    services.partnership_move(
        partnership=partnership, to="ended", by=_sergeant_of(sspo_a), reason="Ended."
    )
    with pytest.raises(PermissionDenied):
        action_plan_item_add(
            partnership=partnership,
            by=User.objects.get(pk=sspo_a.pk),
            problem="Vaping",
            action="Assembly",
            owner="SSPO",
            due_on=timezone.localdate(),
        )
    assert not ActionPlanItem.objects.exists()


def _sergeant_of(officer_user):
    from schools.models import Officer

    return Officer.objects.get(team=officer_user.officer.team, rank=Officer.Rank.SERGEANT).user

"""Acknowledging an Operation Encompass notification and matching it to a pupil ask again, under
the notification's lock, whether the person still reaches it (ssp.access.lock_visible_or_404),
then whether they may act (ACCESS.md):

- the key adult's place at the school ends after the page's gate let them in and before the
  write: the notification has left their reach, so 404, and nothing changes;
- in reach but not allowed (the sergeant reads the receipt, never acts on it): 403, nothing
  changes.
"""

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from encompass import access, services
from encompass.models import Notification
from schools.models import Membership
from tests.after_the_gate import after_the_gate
from tests.encompass.test_notifications import details
from tests.factories import PupilFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def unmatched(sergeant, sspo_a, school_a, spoc_a, head_a):
    """A notification no pupil of the roll matched, waiting for the key adult."""
    notification, _ = services.receive(
        school=school_a, details=details(child_first_name="Nobody"), sender=sergeant
    )
    assert notification.pupil is None
    return notification


@pytest.fixture
def pupil(school_a):
    return PupilFactory(school=school_a)


def leaves(person) -> None:
    for membership in Membership.objects.current().filter(user=person):
        membership.left_on = timezone.localdate()
        membership.save()


def snapshot(notification: Notification) -> tuple:
    notification.refresh_from_db()
    return (
        notification.pupil_id,
        notification.matched_by_id,
        notification.acknowledged_at,
        notification.acknowledged_by_id,
        notification.support_plan,
        notification.history.count(),
    )


def _acknowledge(client, notification, pupil):
    url = reverse("encompass:acknowledge", args=[notification.code])
    return client.post(url, {"support_plan": "Check in at break."})


def _match(client, notification, pupil):
    return client.post(reverse("encompass:match", args=[notification.code]), {"pupil": pupil.pk})


POSTS = {"acknowledge": _acknowledge, "match": _match}


def _services(by, notification, pupil):
    return {
        "acknowledge": lambda: services.acknowledge(
            user=by, notification=notification, support_plan="Check in at break."
        ),
        "match": lambda: services.match_pupil(user=by, notification=notification, pupil=pupil),
    }


@pytest.mark.parametrize("write", POSTS)
def test_a_key_adult_who_left_after_the_gate_changes_nothing_404(
    client, monkeypatch, unmatched, pupil, spoc_a, write
):
    client.force_login(spoc_a)
    seen = []

    def then():
        leaves(spoc_a)
        seen.append(snapshot(unmatched))

    after_the_gate(monkeypatch, access, then)
    assert POSTS[write](client, unmatched, pupil).status_code == 404
    assert seen and snapshot(unmatched) == seen[0]


@pytest.mark.parametrize("write", POSTS)
def test_the_key_adult_in_post_makes_the_same_post(client, unmatched, pupil, spoc_a, write):
    before = snapshot(unmatched)
    client.force_login(spoc_a)
    assert POSTS[write](client, unmatched, pupil).status_code == 302
    assert snapshot(unmatched) != before


@pytest.mark.parametrize("write", POSTS)
def test_the_sergeant_reads_the_receipt_but_may_not_act_403(
    client, unmatched, pupil, sergeant, write
):
    before = snapshot(unmatched)
    client.force_login(sergeant)
    assert client.get(reverse("encompass:detail", args=[unmatched.code])).status_code == 200
    assert POSTS[write](client, unmatched, pupil).status_code == 403
    with pytest.raises(PermissionDenied):
        _services(sergeant, unmatched, pupil)[write]()
    assert snapshot(unmatched) == before


@pytest.mark.parametrize("write", POSTS)
def test_the_service_answers_404_to_a_key_adult_who_left(unmatched, pupil, spoc_a, write):
    leaves(spoc_a)
    before = snapshot(unmatched)
    with pytest.raises(Http404):
        _services(spoc_a, unmatched, pupil)[write]()
    assert snapshot(unmatched) == before


@pytest.mark.parametrize("write", POSTS)
def test_the_service_answers_404_to_another_schools_spoc(unmatched, pupil, spoc_b, write):
    before = snapshot(unmatched)
    with pytest.raises(Http404):
        _services(spoc_b, unmatched, pupil)[write]()
    assert snapshot(unmatched) == before

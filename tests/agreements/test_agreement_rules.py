"""The agreement's rules at their edges, seen through what the SSPO can read.

In force: the partnership is active, both sides have signed the force's current DSA, it has
not expired (its expiry date is the last day, London time) and it has not been revoked.
"""

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from agreements.models import Document, Partnership, Signature
from agreements.services import sharing_allowed, signature_create

LONDON = ZoneInfo("Europe/London")


def sspo_sees(client, sspo, concern) -> bool:
    """Whether the SSPO reads the shared concern, on its page and in their list."""
    client.force_login(sspo)
    page = client.get(reverse("concern_detail", args=[concern.code])).status_code
    listed = concern.reference in client.get(reverse("shared_with_me")).content.decode()
    assert (page == 200) == listed, "the page and the list must agree"
    assert page in (200, 404)
    return page == 200


def sign_side(partnership, document, side, by):
    signature_create(
        partnership=partnership, document=document, side=side, by=by, signed_as="Test signatory"
    )


@pytest.fixture
def new_dsa(shared_concern_a, force, publish_new_version):
    """The force publishes a new DSA after school A shared a concern under the old one."""

    def publish(**dates):
        return publish_new_version(force, **dates)

    return publish


def test_a_new_version_stops_sharing_until_both_sides_sign_it(
    client, shared_concern_a, sspo_a, head_a, sergeant, new_dsa, force
):
    partnership = shared_concern_a.school.partnership
    old = Document.objects.current_of(force, Document.Kind.DSA).get()
    assert sspo_sees(client, sspo_a, shared_concern_a)

    new = new_dsa()
    check = sharing_allowed(partnership.school)
    assert not check.allowed
    assert check.reason == (
        "The head teacher has not signed the current data sharing agreement (version 2)."
    )
    assert not sspo_sees(client, sspo_a, shared_concern_a)
    # The old version's signatures stay on record, not revoked.
    assert (
        Signature.objects.filter(partnership=partnership, document=old, revoked_at=None).count()
        == 2
    )

    sign_side(partnership, new, Signature.Side.SCHOOL, head_a)
    sign_side(partnership, new, Signature.Side.FORCE, sergeant)
    assert sharing_allowed(partnership.school).document == new
    assert sspo_sees(client, sspo_a, shared_concern_a)


@pytest.mark.parametrize(
    "signed, reason",
    [
        (Signature.Side.SCHOOL, "The force has not signed the current data sharing agreement"),
        (Signature.Side.FORCE, "The head teacher has not signed the current data sharing"),
    ],
)
def test_signed_by_one_side_only_is_not_in_force(
    client, shared_concern_a, sspo_a, head_a, sergeant, new_dsa, signed, reason
):
    partnership = shared_concern_a.school.partnership
    new = new_dsa()
    sign_side(partnership, new, signed, head_a if signed == Signature.Side.SCHOOL else sergeant)
    check = sharing_allowed(partnership.school)
    assert not check.allowed and check.reason.startswith(reason)
    assert not Partnership.objects.filter(pk=partnership.pk).in_force().exists()
    assert not sspo_sees(client, sspo_a, shared_concern_a)


def _signed_new_dsa(partnership, new, head, sergeant):
    sign_side(partnership, new, Signature.Side.SCHOOL, head)
    sign_side(partnership, new, Signature.Side.FORCE, sergeant)


def test_expired_yesterday_is_not_in_force(
    client, shared_concern_a, sspo_a, head_a, sergeant, new_dsa
):
    partnership = shared_concern_a.school.partnership
    today = timezone.localdate()
    expiry = today + datetime.timedelta(days=10)
    new = new_dsa(review_on=today + datetime.timedelta(days=5), expires_on=expiry)
    _signed_new_dsa(partnership, new, head_a, sergeant)

    noon = datetime.time(12, 0, tzinfo=LONDON)
    with time_machine.travel(datetime.datetime.combine(expiry, noon), tick=False):
        assert sharing_allowed(partnership.school).allowed  # the expiry date is the last day
        assert sspo_sees(client, sspo_a, shared_concern_a)
    day_after = expiry + datetime.timedelta(days=1)
    with time_machine.travel(datetime.datetime.combine(day_after, noon), tick=False):
        check = sharing_allowed(partnership.school)
        assert not check.allowed
        assert check.reason == (
            f"The data sharing agreement (version 2) expired at the end of {expiry:%-d %B %Y}."
        )
        assert not Partnership.objects.filter(pk=partnership.pk).in_force().exists()
        assert not sspo_sees(client, sspo_a, shared_concern_a)


def test_it_expires_at_midnight_in_london_during_summer_time(
    client, shared_concern_a, sspo_a, head_a, sergeant, new_dsa
):
    partnership = shared_concern_a.school.partnership
    expiry = datetime.date(timezone.localdate().year + 1, 7, 15)
    new = new_dsa(review_on=expiry - datetime.timedelta(days=60), expires_on=expiry)
    _signed_new_dsa(partnership, new, head_a, sergeant)

    last_minute = datetime.datetime(expiry.year, 7, 15, 23, 59, tzinfo=LONDON)
    midnight = datetime.datetime(expiry.year, 7, 16, 0, 0, tzinfo=LONDON)
    # BST: London's midnight is 23:00 UTC on the expiry date itself.
    assert midnight.astimezone(datetime.UTC) == datetime.datetime(
        expiry.year, 7, 15, 23, 0, tzinfo=datetime.UTC
    )
    with time_machine.travel(last_minute, tick=False):
        assert sharing_allowed(partnership.school).allowed
        assert sspo_sees(client, sspo_a, shared_concern_a)
    with time_machine.travel(midnight, tick=False):
        assert "expired at the end of 15 July" in sharing_allowed(partnership.school).reason
        assert not sspo_sees(client, sspo_a, shared_concern_a)


@pytest.mark.parametrize("status", [Partnership.Status.SUSPENDED, Partnership.Status.ENDED])
def test_a_partnership_that_is_not_active_shares_nothing(
    client, shared_concern_a, sspo_a, sergeant, status
):
    from agreements.services import partnership_move

    partnership = shared_concern_a.school.partnership
    partnership_move(
        partnership=partnership, to=status, by=sergeant, reason="Review of the partnership."
    )
    assert not sharing_allowed(partnership.school).allowed
    assert not sspo_sees(client, sspo_a, shared_concern_a)

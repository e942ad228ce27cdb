"""Revoking the DSA: with a reason and a confirmation; sharing stops on the next request."""

import pytest
from django.test import Client
from django.urls import reverse

from agreements.models import Document, Signature
from agreements.services import sharing_allowed
from ssp.models import Notification


def revoke(client, user, partnership, reason="The school is leaving the partnership."):
    client.force_login(user)
    return client.post(reverse("partnership_revoke", args=[partnership.code]), {"reason": reason})


@pytest.mark.parametrize("who", ["head_a", "sergeant"])
def test_head_or_sergeant_revokes_and_everyone_concerned_is_told(
    request, client, school_a, sspo_a, spoc_a, head_a, sergeant, force, who
):
    partnership = school_a.partnership
    client.force_login(request.getfixturevalue(who))
    page = client.get(reverse("partnership_revoke", args=[partnership.code])).content.decode()
    assert "Sharing between the school and the police stops at once" in page

    response = revoke(client, request.getfixturevalue(who), partnership)
    assert response.status_code == 302
    dsa = Document.objects.current_of(force, Document.Kind.DSA).get()
    revoked = Signature.objects.filter(partnership=partnership, document=dsa)
    assert revoked.count() == 2 and not revoked.filter(revoked_at=None).exists()
    assert {s.revocation_reason for s in revoked} == {"The school is leaving the partnership."}
    assert not sharing_allowed(school_a).allowed
    told = set(
        Notification.objects.filter(subject__contains="revoked").values_list(
            "recipient", flat=True
        )
    )
    assert told == {sspo_a.pk, spoc_a.pk, head_a.pk, sergeant.pk}
    # Sharing stopped: everyone relying on it needs to know now.
    for notification in Notification.objects.filter(subject__contains="revoked"):
        assert notification.urgent
        assert notification.reference == f"Partnership: {school_a.name}"
    # The protocol is not touched: only the DSA is revoked.
    protocol = Document.objects.current_of(force, Document.Kind.PROTOCOL).get()
    assert Signature.objects.filter(document=protocol, revoked_at=None).count() == 2


def test_a_reason_is_required_and_nothing_is_revoked_without_it(client, school_a, head_a):
    response = revoke(client, head_a, school_a.partnership, reason="   ")
    assert response.status_code == 200
    assert "Enter why the agreement is being revoked" in response.content.decode()
    assert Signature.objects.filter(partnership=school_a.partnership, revoked_at=None).count() == 4


def test_nothing_to_revoke_is_said_plainly(client, school_a, head_a):
    revoke(client, head_a, school_a.partnership)
    response = revoke(client, head_a, school_a.partnership, reason="Again.")
    body = response.content.decode()
    assert "there is nothing to revoke" in body
    assert "There is no signed agreement to revoke." in body
    assert Notification.objects.filter(subject__contains="revoked").count() == 1  # the first


def test_revoked_while_the_sspo_has_the_concern_open(client, shared_concern_a, sspo_a, head_a):
    concern_page = reverse("concern_detail", args=[shared_concern_a.code])
    client.force_login(sspo_a)
    assert client.get(concern_page).status_code == 200
    assert shared_concern_a.reference in client.get(reverse("shared_with_me")).content.decode()

    head = Client()
    assert revoke(head, head_a, shared_concern_a.school.partnership).status_code == 302

    # The SSPO's very next requests: the concern is gone from their scope.
    assert client.get(concern_page).status_code == 404
    assert shared_concern_a.reference not in client.get(reverse("shared_with_me")).content.decode()

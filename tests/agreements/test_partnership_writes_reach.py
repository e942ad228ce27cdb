"""Signing, revoking the DSA and moving a partnership ask again, under the partnership's lock,
whether the person still reaches it (ssp.access.lock_visible_or_404), then whether they may act
(ACCESS.md):

- their place ends after the page's gate let them in and before the write: the partnership
  has left their reach, so 404, and nothing changes;
- in reach but not allowed (a SPOC reads the partnership; a head who became staff still does):
  403, and nothing changes.
"""

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from agreements import access, partnership_views, services
from agreements.models import Document, Partnership, PartnershipEvent, Signature
from schools.models import Membership
from ssp.models import Notification
from tests.after_the_gate import after_the_gate


def leaves(person) -> None:
    """Every place the person holds ends today, as the leaver process does."""
    today = timezone.localdate()
    officer = getattr(person, "officer", None)
    if officer is not None:
        officer.left_on = today
        officer.save()
    for membership in Membership.objects.current().filter(user=person):
        membership.left_on = today
        membership.save()


def steps_down_to_staff(head) -> None:
    """The head stays at the school, as a member of staff."""
    membership = Membership.objects.current().get(user=head)
    membership.position = Membership.Position.STAFF
    membership.save()


@pytest.fixture
def dsa_v2(school_a, sspo_a, force, publish_new_version):
    return publish_new_version(force, title="Data sharing agreement 2027")


def snapshot(partnership: Partnership) -> tuple:
    """What a refused write must leave as it was."""
    partnership.refresh_from_db()
    return (
        partnership.status,
        partnership.version,
        PartnershipEvent.objects.filter(partnership=partnership).count(),
        sorted(
            Signature.objects.filter(partnership=partnership, revoked_at=None).values_list(
                "pk", flat=True
            )
        ),
        Notification.objects.count(),
    )


def _race(monkeypatch, module, change, partnership) -> list:
    """`change` after the gate; returns where the partnership's state as the write found it
    is kept."""
    seen = []

    def then():
        change()
        seen.append(snapshot(partnership))

    after_the_gate(monkeypatch, module, then)
    return seen


def _sign(client, partnership, document, code):
    url = reverse("partnership_sign", args=[partnership.code, document.code])
    return client.post(url, {"confirm": "on", "code": code})


# Signing. The signing page asks a second gate of its own (the version), so the change comes
# after it.


def test_a_head_who_left_after_the_gate_signs_nothing_404(
    client, monkeypatch, head_a, school_a, dsa_v2, code_for
):
    partnership = school_a.partnership
    client.force_login(head_a)
    seen = _race(monkeypatch, partnership_views, lambda: leaves(head_a), partnership)
    assert _sign(client, partnership, dsa_v2, code_for(head_a)).status_code == 404
    assert seen and snapshot(partnership) == seen[0]
    assert not Signature.objects.filter(document=dsa_v2).exists()


def test_a_head_who_became_staff_after_the_gate_signs_nothing_403(
    client, monkeypatch, head_a, school_a, dsa_v2, code_for
):
    """Staff still read their school's partnership: in reach, not allowed to sign."""
    partnership = school_a.partnership
    client.force_login(head_a)
    seen = _race(monkeypatch, partnership_views, lambda: steps_down_to_staff(head_a), partnership)
    assert _sign(client, partnership, dsa_v2, code_for(head_a)).status_code == 403
    assert seen and snapshot(partnership) == seen[0]
    assert not Signature.objects.filter(document=dsa_v2).exists()


def test_the_head_in_post_signs_with_the_same_post(client, head_a, school_a, dsa_v2, code_for):
    client.force_login(head_a)
    assert _sign(client, school_a.partnership, dsa_v2, code_for(head_a)).status_code == 302
    assert Signature.objects.get(document=dsa_v2).signed_by == head_a


def test_the_spoc_reads_the_partnership_but_may_not_sign_403(client, spoc_a, school_a, dsa_v2):
    partnership = school_a.partnership
    before = snapshot(partnership)
    client.force_login(spoc_a)
    assert client.get(reverse("partnership_detail", args=[partnership.code])).status_code == 200
    assert _sign(client, partnership, dsa_v2, "123456").status_code == 403
    with pytest.raises(PermissionDenied):
        services.agreement_sign(partnership=partnership, document=dsa_v2, by=spoc_a)
    assert snapshot(partnership) == before


def test_the_service_answers_404_to_a_head_who_left(head_a, school_a, dsa_v2):
    partnership = school_a.partnership
    leaves(head_a)
    before = snapshot(partnership)
    with pytest.raises(Http404):
        services.agreement_sign(partnership=partnership, document=dsa_v2, by=head_a)
    assert snapshot(partnership) == before


# Revoking the DSA.


def _revoke(client, partnership):
    return client.post(reverse("partnership_revoke", args=[partnership.code]), {"reason": "Why."})


def _live_dsa(partnership):
    dsa = Document.objects.current_of(partnership.force_id, Document.Kind.DSA).get()
    return Signature.objects.filter(partnership=partnership, document=dsa, revoked_at=None)


def test_a_sergeant_who_left_after_the_gate_revokes_nothing_404(
    client, monkeypatch, sergeant, school_a, sspo_a
):
    partnership = school_a.partnership
    assert _live_dsa(partnership).count() == 2
    client.force_login(sergeant)
    seen = _race(monkeypatch, access, lambda: leaves(sergeant), partnership)
    assert _revoke(client, partnership).status_code == 404
    assert seen and snapshot(partnership) == seen[0]
    assert _live_dsa(partnership).count() == 2


def test_the_sergeant_in_post_revokes_with_the_same_post(client, sergeant, school_a, sspo_a):
    client.force_login(sergeant)
    assert _revoke(client, school_a.partnership).status_code == 302
    assert not _live_dsa(school_a.partnership).exists()


def test_the_spoc_reads_the_partnership_but_may_not_revoke_403(client, spoc_a, school_a, sspo_a):
    partnership = school_a.partnership
    before = snapshot(partnership)
    client.force_login(spoc_a)
    assert _revoke(client, partnership).status_code == 403
    with pytest.raises(PermissionDenied):
        services.dsa_revoke(partnership=partnership, by=spoc_a, reason="Mine.")
    assert snapshot(partnership) == before


def test_the_service_answers_404_to_a_head_of_another_school(head_b, school_a, sspo_a):
    partnership = school_a.partnership
    before = snapshot(partnership)
    with pytest.raises(Http404):
        services.dsa_revoke(partnership=partnership, by=head_b, reason="Not mine.")
    assert snapshot(partnership) == before


# Moving the partnership along its lifecycle.


def _move(client, partnership):
    return client.post(
        reverse("partnership_move", args=[partnership.code]),
        {"status": "suspended", "reason": "Review.", "version": partnership.version},
    )


def test_a_sergeant_who_left_after_the_gate_moves_nothing_404(
    client, monkeypatch, sergeant, school_a, sspo_a
):
    partnership = school_a.partnership
    client.force_login(sergeant)
    seen = _race(monkeypatch, access, lambda: leaves(sergeant), partnership)
    assert _move(client, partnership).status_code == 404
    assert seen and snapshot(partnership) == seen[0]
    assert partnership.status == Partnership.Status.ACTIVE


def test_the_sergeant_in_post_moves_it_with_the_same_post(client, sergeant, school_a, sspo_a):
    client.force_login(sergeant)
    assert _move(client, school_a.partnership).status_code == 302
    school_a.partnership.refresh_from_db()
    assert school_a.partnership.status == Partnership.Status.SUSPENDED


def test_the_head_reads_the_partnership_but_may_not_move_it_403(client, head_a, school_a, sspo_a):
    partnership = school_a.partnership
    before = snapshot(partnership)
    client.force_login(head_a)
    assert _move(client, partnership).status_code == 403
    with pytest.raises(PermissionDenied):
        services.partnership_move(partnership=partnership, to="suspended", by=head_a, reason="R")
    assert snapshot(partnership) == before


def test_the_service_answers_404_to_a_sergeant_of_another_force(other_sergeant, school_a, sspo_a):
    partnership = school_a.partnership
    before = snapshot(partnership)
    with pytest.raises(Http404):
        services.partnership_move(
            partnership=partnership, to="suspended", by=other_sergeant, reason="R"
        )
    assert snapshot(partnership) == before

"""The second signature of the current protocol makes a proposed partnership active."""

import pytest

from agreements.models import Document, Partnership, PartnershipEvent
from agreements.services import agreement_sign, partnership_move
from schools.models import Membership
from ssp.models import Notification
from tests.factories import MembershipFactory, PartnershipFactory, published_documents

ACTIVE_NOW = "The Safer Schools Partnership is now active"


@pytest.fixture
def proposed(force, school_a):
    """A proposed partnership whose force has a current protocol and DSA, signed by nobody."""
    published_documents(force)
    return PartnershipFactory(
        school__force=force, school__name="Dunmore High", status="proposed", signed=False
    )


@pytest.fixture
def head_d(proposed):
    return MembershipFactory(
        school=proposed.school, position=Membership.Position.HEAD, is_slt=True
    ).user


def _current(force, kind):
    return Document.objects.current_of(force, kind).get()


def test_both_signatures_of_the_protocol_make_a_proposed_partnership_active_and_tell_both(
    force, proposed, head_d, sergeant
):
    protocol = _current(force, Document.Kind.PROTOCOL)
    agreement_sign(partnership=proposed, document=protocol, by=head_d)
    proposed.refresh_from_db()
    assert proposed.status == Partnership.Status.PROPOSED
    assert not Notification.objects.filter(subject=ACTIVE_NOW).exists()

    agreement_sign(partnership=proposed, document=protocol, by=sergeant)
    proposed.refresh_from_db()
    assert proposed.status == Partnership.Status.ACTIVE
    event = PartnershipEvent.objects.get(partnership=proposed, to_status="active")
    assert (event.from_status, event.by) == ("proposed", sergeant)
    assert proposed.history.first().history_user == sergeant
    told = set(Notification.objects.filter(subject=ACTIVE_NOW).values_list("recipient", flat=True))
    assert told == {head_d.pk, sergeant.pk}


def test_the_dsa_alone_signed_by_both_does_not_make_it_active(force, proposed, head_d, sergeant):
    dsa = _current(force, Document.Kind.DSA)
    agreement_sign(partnership=proposed, document=dsa, by=head_d)
    agreement_sign(partnership=proposed, document=dsa, by=sergeant)
    proposed.refresh_from_db()
    assert proposed.status == Partnership.Status.PROPOSED
    assert not Notification.objects.filter(subject=ACTIVE_NOW).exists()


def test_the_dsa_signed_last_makes_it_active_when_the_protocol_already_is(
    force, proposed, head_d, sergeant
):
    protocol = _current(force, Document.Kind.PROTOCOL)
    dsa = _current(force, Document.Kind.DSA)
    agreement_sign(partnership=proposed, document=protocol, by=head_d)
    agreement_sign(partnership=proposed, document=dsa, by=head_d)
    agreement_sign(partnership=proposed, document=dsa, by=sergeant)
    proposed.refresh_from_db()
    assert proposed.status == Partnership.Status.PROPOSED
    agreement_sign(partnership=proposed, document=protocol, by=sergeant)
    proposed.refresh_from_db()
    assert proposed.status == Partnership.Status.ACTIVE
    assert PartnershipEvent.objects.filter(partnership=proposed, to_status="active").count() == 1


def test_a_suspended_partnership_is_not_reactivated_by_signing(force, proposed, head_d, sergeant):
    protocol = _current(force, Document.Kind.PROTOCOL)
    agreement_sign(partnership=proposed, document=protocol, by=head_d)
    agreement_sign(partnership=proposed, document=protocol, by=sergeant)
    partnership_move(partnership=proposed, to="suspended", by=sergeant, reason="Officer on leave.")
    dsa = _current(force, Document.Kind.DSA)
    agreement_sign(partnership=proposed, document=dsa, by=head_d)
    agreement_sign(partnership=proposed, document=dsa, by=sergeant)
    proposed.refresh_from_db()
    assert proposed.status == Partnership.Status.SUSPENDED

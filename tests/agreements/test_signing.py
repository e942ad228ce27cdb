"""Signing: the head for the school, a sergeant for the force, each with a fresh code."""

import pytest
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from django.urls import reverse

from agreements.models import Document, Partnership, Signature
from agreements.services import sharing_allowed
from ssp.models import AccessLog, Notification


@pytest.fixture
def dsa_v2(school_a, sspo_a, force, publish_new_version):
    """A new DSA version: nobody has signed it yet."""
    return publish_new_version(force, title="Data sharing agreement 2027")


def sign(client, user, partnership, document, code, confirm=True):
    client.force_login(user)
    data = {"code": code}
    if confirm:
        data["confirm"] = "on"
    return client.post(reverse("partnership_sign", args=[partnership.code, document.code]), data)


def _live(partnership, document):
    return Signature.objects.filter(partnership=partnership, document=document, revoked_at=None)


def test_the_signing_page_shows_the_version_and_its_hash(client, head_a, school_a, dsa_v2):
    client.force_login(head_a)
    response = client.get(
        reverse("partnership_sign", args=[school_a.partnership.code, dsa_v2.code])
    )
    body = response.content.decode()
    assert "Data sharing agreement 2027" in body and dsa_v2.content_hash in body
    assert "Head teacher, Ashdown Academy" in body
    assert 'name="code"' in body and 'name="confirm"' in body


def test_head_then_sergeant_sign_and_the_agreement_is_in_force(
    client, head_a, sergeant, school_a, dsa_v2, code_for
):
    partnership = school_a.partnership
    assert not sharing_allowed(school_a).allowed

    response = sign(client, head_a, partnership, dsa_v2, code_for(head_a))
    assert response.status_code == 302
    school_side = _live(partnership, dsa_v2).get()
    assert (school_side.side, school_side.signed_by) == (Signature.Side.SCHOOL, head_a)
    assert school_side.signed_as == "Head teacher, Ashdown Academy"
    assert school_side.content_hash == dsa_v2.content_hash
    assert school_side.history.first().history_user == head_a
    turn = Notification.objects.get(recipient=sergeant)
    assert turn.subject == "The data sharing agreement is waiting for your signature"
    assert AccessLog.objects.filter(
        user=head_a, action="sign", object_code=dsa_v2.code, outcome="allowed"
    ).exists()
    assert "The head teacher has not signed" not in sharing_allowed(school_a).reason

    response = sign(client, sergeant, partnership, dsa_v2, code_for(sergeant))
    assert response.status_code == 302
    force_side = _live(partnership, dsa_v2).get(side=Signature.Side.FORCE)
    officer = sergeant.officer
    assert force_side.signed_as == f"Police Sergeant {officer.collar_number}, Safer Schools Team"
    assert Notification.objects.filter(
        recipient=head_a, subject="The data sharing agreement is now signed by both sides"
    ).exists()
    check = sharing_allowed(school_a)
    assert check.allowed and check.document == dsa_v2
    page = client.get(reverse("partnership_detail", args=[partnership.code])).content.decode()
    assert "The data sharing agreement is in force: version 2" in page


def test_a_wrong_code_signs_nothing_and_says_so_next_to_the_field(
    client, head_a, school_a, dsa_v2
):
    response = sign(client, head_a, school_a.partnership, dsa_v2, "000000")
    body = response.content.decode()
    assert response.status_code == 200
    assert "Incorrect code." in body
    assert 'href="#id_code"' in body  # the error summary links to the field
    assert "checked" in body.split('name="confirm"')[1].split(">")[0]  # the tick stays
    assert 'value="000000"' not in body  # a one-time code is never shown back
    assert not _live(school_a.partnership, dsa_v2).exists()
    assert AccessLog.objects.filter(user=head_a, action="sign", outcome="denied").exists()


def test_without_the_confirmation_nothing_is_signed_and_the_code_is_not_spent(
    client, head_a, school_a, dsa_v2, code_for
):
    code = code_for(head_a)
    response = sign(client, head_a, school_a.partnership, dsa_v2, code, confirm=False)
    assert "Confirm that you have read this version and sign it" in response.content.decode()
    assert not _live(school_a.partnership, dsa_v2).exists()
    assert sign(client, head_a, school_a.partnership, dsa_v2, code).status_code == 302


def test_a_code_works_once(client, head_a, school_a, dsa_v2, force, publish_new_version, code_for):
    code = code_for(head_a)
    assert sign(client, head_a, school_a.partnership, dsa_v2, code).status_code == 302
    protocol_v2 = publish_new_version(force, kind=Document.Kind.PROTOCOL)
    response = sign(client, head_a, school_a.partnership, protocol_v2, code)
    assert "Incorrect code." in response.content.decode()
    assert not _live(school_a.partnership, protocol_v2).exists()


def test_a_recovery_code_signs_too(client, head_a, school_a, dsa_v2):
    recovery = RecoveryCodes.activate(head_a)
    code = recovery.get_unused_codes()[0]
    assert sign(client, head_a, school_a.partnership, dsa_v2, code).status_code == 302
    assert _live(school_a.partnership, dsa_v2).exists()


def test_too_many_wrong_codes_lock_signing_even_with_the_right_one(
    client, head_a, school_a, dsa_v2, code_for
):
    for _ in range(5):
        sign(client, head_a, school_a.partnership, dsa_v2, "000000")
    response = sign(client, head_a, school_a.partnership, dsa_v2, code_for(head_a))
    assert "Too many failed login attempts" in response.content.decode()
    assert not _live(school_a.partnership, dsa_v2).exists()


def test_an_old_version_cannot_be_signed(
    client, head_a, school_a, force, dsa_v2, publish_new_version, code_for
):
    dsa_v3 = publish_new_version(force)
    response = sign(client, head_a, school_a.partnership, dsa_v2, code_for(head_a))
    body = response.content.decode()
    assert response.status_code == 409
    assert "Only the current version can be signed" in body
    assert reverse("partnership_sign", args=[school_a.partnership.code, dsa_v3.code]) in body
    assert not _live(school_a.partnership, dsa_v2).exists()


def test_an_ended_partnership_signs_nothing(client, head_a, school_a, dsa_v2, code_for):
    partnership = school_a.partnership
    partnership.status = Partnership.Status.ENDED
    partnership.save()
    response = sign(client, head_a, partnership, dsa_v2, code_for(head_a))
    assert response.status_code == 409
    assert not _live(partnership, dsa_v2).exists()


def test_a_side_already_signed_is_not_signed_twice(client, head_a, school_a, force, code_for):
    dsa = Document.objects.current_of(force, Document.Kind.DSA).get()
    response = sign(client, head_a, school_a.partnership, dsa, code_for(head_a))
    assert "You have signed this version" in response.content.decode()
    assert _live(school_a.partnership, dsa).filter(side="school").count() == 1


def test_a_draft_cannot_be_signed(client, sergeant, school_a, force, code_for):
    from tests.factories import DocumentFactory

    draft = DocumentFactory(force=force, created_by=sergeant)
    response = sign(client, sergeant, school_a.partnership, draft, code_for(sergeant))
    assert response.status_code == 404
    assert not Signature.objects.filter(document=draft).exists()

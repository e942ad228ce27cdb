"""A share is confirmed on a page of its own, showing what goes to whom (issue 11, item 4);
after any decision the SPOC goes on to the next concern awaiting triage."""

import datetime

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone

from agreements.models import Partnership
from incidents.models import Attachment, Concern, CorrectionNote, Share
from incidents.services import concern_triage
from ssp.models import Notification
from tests.factories import revoke_dsa

REASONS = "Amelia Ashby was threatened with a knife: the SSPO must know."


def decide(client, concern, decision="shared", rationale=REASONS, version=None):
    return client.post(
        reverse("concern_triage", args=[concern.code]),
        {
            "decision": decision,
            "rationale": rationale,
            "version": concern.version if version is None else version,
        },
    )


def confirm(client, concern, decision="shared", rationale=REASONS, version=None):
    return client.post(
        reverse("concern_share", args=[concern.code]),
        {
            "decision": decision,
            "gateway": "ca2004_s11",
            "purpose": "Safeguarding the pupils named",
            "rationale": rationale,
            "version": concern.version if version is None else version,
        },
    )


def said(response) -> str:
    return " ".join(str(m) for m in get_messages(response.wsgi_request))


def nothing_shared(concern):
    concern.refresh_from_db()
    return (
        concern.status == Concern.Status.NEW
        and not Share.objects.exists()
        and concern.events.filter(kind="triaged").count() == 0
    )


@pytest.fixture
def attachment(concern_a, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return Attachment.objects.create(
        concern=concern_a,
        file=ContentFile(b"%PDF-1.4 test", name="x.pdf"),
        original_name="witness-statement.pdf",
        content_type="application/pdf",
        size=13,
        uploaded_by=concern_a.reported_by,
    )


def test_choosing_to_share_shares_nothing_yet_and_asks_to_confirm(
    client, concern_a, spoc_a, sspo_a
):
    client.force_login(spoc_a)
    response = decide(client, concern_a)
    assert response.status_code == 302
    assert response["Location"] == reverse("concern_share", args=[concern_a.code])
    assert nothing_shared(concern_a)
    assert not Notification.objects.filter(recipient=sspo_a).exists()
    # The reasons may name a child: they wait in the session, never in the URL.
    assert "Amelia" not in response["Location"]


def test_the_confirmation_shows_what_goes_to_whom_under_which_agreement(
    client, concern_a, spoc_a, sspo_a, pupil_a, attachment, staff_a
):
    CorrectionNote.objects.create(concern=concern_a, author=staff_a, text="It was a craft knife.")
    client.force_login(spoc_a)
    decide(client, concern_a)
    response = client.get(reverse("concern_share", args=[concern_a.code]))
    body = response.content.decode()
    assert response.status_code == 200
    assert f"Share this concern with {sspo_a.get_full_name()}?" in body
    assert sspo_a.officer.collar_number in body
    assert "Data sharing agreement v" in body and "in force until" in body
    assert "Art. 9(2)(g)" in body  # the lawful basis
    assert "Amelia Ashby" in body and "alleged victim" in body
    assert concern_a.narrative in body
    assert "witness-statement.pdf" in body
    assert "It was a craft knife." in body
    assert REASONS in body  # what they typed is kept, to check or change
    assert pupil_a.upn not in body
    assert f'href="{reverse("concern_detail", args=[concern_a.code])}"' in body  # cancel
    assert nothing_shared(concern_a)


def test_cancelling_changes_nothing(client, concern_a, spoc_a, sspo_a):
    client.force_login(spoc_a)
    decide(client, concern_a)
    client.get(reverse("concern_share", args=[concern_a.code]))
    response = client.get(reverse("concern_detail", args=[concern_a.code]))  # Cancel
    assert response.status_code == 200
    assert nothing_shared(concern_a)
    assert not Notification.objects.filter(recipient=sspo_a).exists()


def test_the_confirmation_page_works_without_the_concerns_page(client, concern_a, spoc_a, sspo_a):
    # Reached directly (a bookmark, no JavaScript): the reasons are asked for on the page.
    client.force_login(spoc_a)
    body = client.get(reverse("concern_share", args=[concern_a.code])).content.decode()
    assert "Why you decided this" in body
    response = confirm(client, concern_a, rationale="")
    assert response.status_code == 200
    assert "Explain why you made this decision" in response.content.decode()
    assert nothing_shared(concern_a)
    assert confirm(client, concern_a).status_code == 302
    concern_a.refresh_from_db()
    assert concern_a.status == Concern.Status.SHARED


def test_confirming_shares_and_lands_on_the_next_concern_awaiting_triage(
    client, make_concern, school_a, concern_a, spoc_a, sspo_a, staff_a, pupil_a
):
    older = make_concern(
        school=school_a,
        reported_by=staff_a,
        pupils=[pupil_a],
        recorded_at=timezone.now() - datetime.timedelta(days=2),
    )
    urgent = make_concern(
        school=school_a,
        reported_by=staff_a,
        pupils=[pupil_a],
        immediate_risk=True,
        recorded_at=timezone.now() - datetime.timedelta(days=3),
    )
    make_concern(school=school_a, reported_by=staff_a, status=Concern.Status.IN_SCHOOL)
    client.force_login(spoc_a)
    decide(client, concern_a)
    response = confirm(client, concern_a)
    assert response.status_code == 302
    # The queue's order: immediate risk first, however old.
    assert response["Location"] == reverse("concern_detail", args=[urgent.code])
    message = said(response)
    assert f"{concern_a.reference}: shared with the SSPO." in message
    assert f"Shared with {sspo_a.get_full_name()} ({sspo_a.officer.collar_number})" in message
    assert "Data sharing agreement v" in message
    assert f"{staff_a.get_full_name()}, who logged it, has been told." in message
    assert f"Next awaiting triage: {urgent.reference}." in message
    share = Share.objects.get(concern=concern_a)
    assert (share.shared_by, share.shared_with) == (spoc_a, sspo_a)
    assert concern_a.events.get(kind="triaged").rationale == REASONS
    assert older.status == Concern.Status.NEW


@pytest.mark.parametrize(
    "decision, told", [("in_school", "handled within school"), ("nfa", "no further action")]
)
def test_other_decisions_land_on_the_next_concern_too(
    client, make_concern, school_a, concern_a, spoc_a, staff_a, decision, told
):
    waiting = make_concern(school=school_a, reported_by=staff_a)
    client.force_login(spoc_a)
    response = decide(client, concern_a, decision=decision, rationale="Pastoral team has it.")
    assert response.status_code == 302
    assert response["Location"] == reverse("concern_detail", args=[waiting.code])
    concern_a.refresh_from_db()
    assert concern_a.status == decision
    assert f"{concern_a.reference}: {told}." in said(response)


def test_the_last_decision_lands_on_the_queue(client, concern_a, spoc_a):
    client.force_login(spoc_a)
    response = decide(client, concern_a, decision="nfa", rationale="Nothing to do.")
    assert response.status_code == 302
    assert response["Location"] == reverse("triage_queue")
    assert "No other concern is awaiting triage." in said(response)


def test_the_next_concern_is_never_another_schools(
    client, make_concern, concern_a, spoc_a, school_b, spoc_b
):
    make_concern(school=school_b, reported_by=spoc_b)
    client.force_login(spoc_a)
    response = decide(client, concern_a, decision="nfa", rationale="Nothing to do.")
    assert response["Location"] == reverse("triage_queue")


def test_a_double_click_on_confirm_shares_once_and_lands_like_the_first(
    client, make_concern, school_a, concern_a, spoc_a, sspo_a, staff_a
):
    waiting = make_concern(school=school_a, reported_by=staff_a)
    client.force_login(spoc_a)
    decide(client, concern_a)
    first = confirm(client, concern_a, version=1)
    second = confirm(client, concern_a, version=1)
    assert first.status_code == second.status_code == 302
    assert second["Location"] == reverse("concern_detail", args=[waiting.code])
    assert Share.objects.filter(concern=concern_a).count() == 1
    assert concern_a.events.filter(kind="triaged").count() == 1
    assert Notification.objects.filter(recipient=sspo_a).count() == 1


def test_someone_else_deciding_first_is_told_not_overwritten(
    client, concern_a, spoc_a, head_a, sspo_a
):
    client.force_login(spoc_a)
    decide(client, concern_a)
    concern_triage(
        concern=concern_a, by=head_a, decision="in_school", rationale="Mine.", seen_version=1
    )
    response = confirm(client, concern_a, version=1)
    assert response.status_code == 409
    assert "Someone else decided first" in response.content.decode()
    concern_a.refresh_from_db()
    assert concern_a.status == "in_school" and not Share.objects.exists()


def test_an_agreement_revoked_while_confirming_stops_the_share(
    client, concern_a, spoc_a, sspo_a, school_a
):
    client.force_login(spoc_a)
    decide(client, concern_a)
    revoke_dsa(school_a.partnership)
    body = client.get(reverse("concern_share", args=[concern_a.code])).content.decode()
    assert "This concern cannot be shared" in body and "Yes, share" not in body
    response = confirm(client, concern_a)
    assert response.status_code == 200
    assert "head teacher has not signed" in response.content.decode()
    assert nothing_shared(concern_a)


def test_a_shared_concern_cannot_be_confirmed_again(client, shared_concern_a, spoc_a):
    client.force_login(spoc_a)
    body = client.get(reverse("concern_share", args=[shared_concern_a.code])).content.decode()
    assert "already been shared" in body and "Yes, share" not in body
    response = confirm(client, shared_concern_a)
    assert response.status_code == 200
    assert Share.objects.filter(concern=shared_concern_a).count() == 1


def test_early_intervention_that_shares_is_confirmed_too(client, concern_a, spoc_a, sspo_a):
    client.force_login(spoc_a)
    response = decide(client, concern_a, decision="early_intervention")
    assert response["Location"] == reverse("concern_share", args=[concern_a.code])
    assert nothing_shared(concern_a)
    body = client.get(response["Location"]).content.decode()
    assert f"Refer for early intervention and share with {sspo_a.get_full_name()}?" in body
    assert confirm(client, concern_a, decision="early_intervention").status_code == 302
    concern_a.refresh_from_db()
    assert concern_a.status == "early_intervention"
    assert Share.objects.get(concern=concern_a).shared_with == sspo_a


def test_early_intervention_without_an_agreement_needs_no_confirmation(
    client, concern_a, spoc_a, sspo_a, school_a
):
    partnership = school_a.partnership
    partnership.status = Partnership.Status.SUSPENDED
    partnership.save()
    client.force_login(spoc_a)
    response = decide(client, concern_a, decision="early_intervention")
    assert response["Location"] == reverse("triage_queue")
    concern_a.refresh_from_db()
    assert concern_a.status == "early_intervention" and not Share.objects.exists()


def test_the_service_refuses_an_unconfirmed_share(concern_a, spoc_a, sspo_a):
    with pytest.raises(ValidationError):
        concern_triage(
            concern=concern_a,
            by=spoc_a,
            decision="shared",
            rationale="r",
            seen_version=1,
            may_share=False,
        )
    assert nothing_shared(concern_a)

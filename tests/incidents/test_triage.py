import datetime
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from agreements.models import Partnership
from incidents.models import Concern, ConcernEvent, Share
from incidents.services import ConcernChanged, concern_triage
from schools.models import Assignment
from ssp.models import Notification
from tests.factories import revoke_dsa


def triage(
    client,
    user,
    concern,
    decision="shared",
    rationale="Sharing: weapon reported.",
    version=None,
    confirm=True,
):
    """Decide on the concern's page; a decision that shares is then confirmed (or not)."""
    client.force_login(user)
    data = {
        "decision": decision,
        "rationale": rationale,
        "version": concern.version if version is None else version,
    }
    response = client.post(reverse("concern_triage", args=[concern.code]), data)
    share_page = reverse("concern_share", args=[concern.code])
    if confirm and response.status_code == 302 and response["Location"] == share_page:
        basis = {"gateway": "ca2004_s11", "purpose": "Safeguarding the pupils named"}
        return client.post(share_page, {**data, **basis})
    return response


def test_spoc_shares_with_the_sspo_and_everyone_concerned_is_told(
    client, concern_a, spoc_a, sspo_a, staff_a
):
    response = triage(client, spoc_a, concern_a)
    assert response.status_code == 302
    concern_a.refresh_from_db()
    assert concern_a.status == Concern.Status.SHARED
    share = Share.objects.get(concern=concern_a)
    assert (share.shared_by, share.shared_with) == (spoc_a, sspo_a)
    assert "in force until" in share.agreement and share.lawful_basis
    assert concern_a.shared_at == share.at  # the concern says when, with its history
    assert concern_a.history.first().shared_at == share.at
    event = concern_a.events.get(kind=ConcernEvent.Kind.TRIAGED)
    assert (event.actor, event.from_status, event.to_status) == (spoc_a, "new", "shared")
    assert event.rationale == "Sharing: weapon reported."
    assert concern_a.history.first().history_user == spoc_a
    assert Notification.objects.filter(recipient=sspo_a).exists()
    assert Notification.objects.filter(recipient=staff_a).exists()


@pytest.mark.parametrize("decision", ["in_school", "nfa"])
def test_other_decisions_share_nothing(client, concern_a, spoc_a, sspo_a, decision):
    assert triage(client, spoc_a, concern_a, decision=decision).status_code == 302
    concern_a.refresh_from_db()
    assert concern_a.status == decision
    assert not Share.objects.exists() and concern_a.shared_at is None
    assert not Notification.objects.filter(recipient=sspo_a).exists()


def test_a_rationale_is_required(client, concern_a, spoc_a, sspo_a):
    response = triage(client, spoc_a, concern_a, rationale="")
    assert "Explain why you made this decision" in response.content.decode()
    concern_a.refresh_from_db()
    assert concern_a.status == Concern.Status.NEW


def _assert_not_shared(client, concern, spoc, why):
    response = triage(client, spoc, concern)
    assert response.status_code == 200
    assert why in response.content.decode()
    concern.refresh_from_db()
    assert concern.status == Concern.Status.NEW
    assert not Share.objects.exists()


def test_no_sharing_when_the_dsa_has_lapsed(client, concern_a, spoc_a, sspo_a, school_a):
    partnership = school_a.partnership
    revoke_dsa(partnership)
    _assert_not_shared(
        client, concern_a, spoc_a, "head teacher has not signed the current data sharing agreement"
    )


def test_no_sharing_when_the_partnership_is_suspended(client, concern_a, spoc_a, sspo_a, school_a):
    partnership = school_a.partnership
    partnership.status = Partnership.Status.SUSPENDED
    partnership.save()
    _assert_not_shared(client, concern_a, spoc_a, "partnership is suspended")


def test_no_sharing_without_an_sspo(client, concern_a, spoc_a):
    _assert_not_shared(client, concern_a, spoc_a, "No Safer Schools Police Officer")


def test_the_detail_page_says_why_sharing_is_not_possible(client, concern_a, spoc_a):
    client.force_login(spoc_a)
    body = client.get(reverse("concern_detail", args=[concern_a.code])).content.decode()
    assert "Sharing with the SSPO is not possible now" in body


def test_a_share_cannot_be_undone(client, shared_concern_a, spoc_a):
    response = triage(client, spoc_a, shared_concern_a, decision="in_school")
    assert response.status_code == 200
    shared_concern_a.refresh_from_db()
    assert shared_concern_a.status == Concern.Status.SHARED


def test_a_stale_decision_is_refused_and_shows_the_new_state(
    client, concern_a, spoc_a, head_a, sspo_a
):
    concern_triage(
        concern=concern_a,
        by=head_a,
        decision="in_school",
        rationale="Handled by pastoral team.",
        seen_version=1,
    )
    response = triage(client, spoc_a, concern_a, decision="nfa", version=1)
    body = response.content.decode()
    assert response.status_code == 409
    assert "Someone else decided first" in body and "Handled within school" in body
    concern_a.refresh_from_db()
    assert concern_a.status == "in_school"
    assert concern_a.events.filter(kind="triaged").count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_people_triaging_at_once_one_wins_and_the_other_is_told(
    make_concern, school_a, staff_a, spoc_a, head_a, pupil_a, sspo_a
):
    concern = make_concern(school=school_a, reported_by=staff_a, pupils=[pupil_a])
    barrier = threading.Barrier(2)
    outcomes = {}

    def decide(user, decision):
        try:
            barrier.wait()
            concern_triage(
                concern=concern,
                by=user,
                decision=decision,
                rationale=f"{decision} decided",
                seen_version=1,
            )
            outcomes[decision] = "won"
        except ConcernChanged:
            outcomes[decision] = "told"
        finally:
            connection.close()

    threads = [
        threading.Thread(target=decide, args=args)
        for args in ((spoc_a, "shared"), (head_a, "nfa"))
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes.values()) == ["told", "won"]
    concern.refresh_from_db()
    winner = next(d for d, o in outcomes.items() if o == "won")
    assert concern.status == winner and concern.version == 2
    assert concern.events.filter(kind="triaged").count() == 1


def test_service_refuses_a_move_outside_the_table(concern_a, spoc_a, sspo_a, shared_concern_a):
    with pytest.raises(ValidationError):
        concern_triage(
            concern=shared_concern_a,
            by=spoc_a,
            decision="nfa",
            rationale="No.",
            seen_version=shared_concern_a.version,
        )


class TestWhatTheSSPOSees:
    def url(self, concern):
        return reverse("concern_detail", args=[concern.code])

    def test_not_before_it_is_shared(self, client, concern_a, sspo_a):
        client.force_login(sspo_a)
        assert client.get(self.url(concern_a)).status_code == 404

    def test_once_shared(self, client, shared_concern_a, sspo_a, pupil_a):
        client.force_login(sspo_a)
        response = client.get(self.url(shared_concern_a))
        body = response.content.decode()
        assert response.status_code == 200
        assert "Amelia Ashby" in body
        assert pupil_a.upn not in body

    def test_not_once_the_dsa_lapses(self, client, shared_concern_a, sspo_a, school_a):
        partnership = school_a.partnership
        revoke_dsa(partnership)
        client.force_login(sspo_a)
        assert client.get(self.url(shared_concern_a)).status_code == 404
        assert (
            shared_concern_a.reference
            not in client.get(reverse("shared_with_me")).content.decode()
        )

    def test_not_once_their_assignment_ends(self, client, shared_concern_a, sspo_a):
        assignment = Assignment.objects.get(officer=sspo_a.officer)
        assignment.ends_on = timezone.localdate() - datetime.timedelta(days=1)
        assignment.save()
        client.force_login(sspo_a)
        assert client.get(self.url(shared_concern_a)).status_code == 404

    def test_not_another_schools_sspo(self, client, shared_concern_a, sspo_b):
        client.force_login(sspo_b)
        assert client.get(self.url(shared_concern_a)).status_code == 404


def test_a_share_is_written_to_the_information_sharing_log(shared_concern_a, spoc_a, sspo_a):
    from agreements.models import Disclosure

    row = Disclosure.objects.get()
    assert (row.kind, row.direction, row.record_code) == (
        "concern_shared",
        "to_police",
        shared_concern_a.code,
    )
    assert (row.disclosed_by, row.disclosed_to) == (spoc_a, sspo_a)
    assert "in force until" in row.agreement and "Art. 9(2)(g)" in row.lawful_basis


def test_early_intervention_goes_to_the_sspo_for_a_referral(
    client, concern_a, spoc_a, sspo_a, sergeant
):
    assert triage(client, spoc_a, concern_a, decision="early_intervention").status_code == 302
    concern_a.refresh_from_db()
    assert concern_a.status == "early_intervention"
    assert Share.objects.get(concern=concern_a).shared_with == sspo_a
    assert concern_a.shared_at == Share.objects.get(concern=concern_a).at
    for officer in (sspo_a, sergeant):
        client.force_login(officer)
        assert client.get(reverse("concern_detail", args=[concern_a.code])).status_code == 200


def test_early_intervention_without_an_agreement_stays_in_school(
    client, concern_a, spoc_a, sspo_a, sergeant, school_a
):
    partnership = school_a.partnership
    partnership.status = Partnership.Status.SUSPENDED
    partnership.save()
    assert triage(client, spoc_a, concern_a, decision="early_intervention").status_code == 302
    concern_a.refresh_from_db()
    assert concern_a.status == "early_intervention" and not Share.objects.exists()
    assert concern_a.shared_at is None  # not with the police: the overview does not count it
    for officer in (sspo_a, sergeant):
        client.force_login(officer)
        assert client.get(reverse("concern_detail", args=[concern_a.code])).status_code == 404


def test_sharing_after_early_intervention_does_not_share_twice(client, concern_a, spoc_a, sspo_a):
    triage(client, spoc_a, concern_a, decision="early_intervention")
    concern_a.refresh_from_db()
    first_shared_at = concern_a.shared_at
    assert triage(client, spoc_a, concern_a, decision="shared").status_code == 302
    assert Share.objects.filter(concern=concern_a).count() == 1
    concern_a.refresh_from_db()
    assert concern_a.shared_at == first_shared_at == Share.objects.get().at


def test_the_concerns_shared_before_shared_at_get_it_from_their_share(
    concern_a, shared_concern_a, make_concern, school_a, staff_a
):
    # As incidents' migration 0012 found them: shared, with no shared_at yet.
    from importlib import import_module

    from django.apps import apps

    shared = Concern.objects.get(pk=shared_concern_a.pk)
    Concern.objects.filter(pk=shared.pk).update(shared_at=None)
    not_shared = make_concern(school=school_a, reported_by=staff_a)
    import_module("incidents.migrations.0012_concern_shared_at").from_shares(apps, None)
    assert Concern.objects.get(pk=shared.pk).shared_at == Share.objects.get(concern=shared).at
    assert Concern.objects.get(pk=not_shared.pk).shared_at is None

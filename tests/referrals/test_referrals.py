"""Making and moving referrals: bad input refused with what was typed kept, moves checked."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from agreements.models import Disclosure
from referrals import services
from referrals.models import Referral, Scheme
from tests.factories import revoke_dsa


def day(offset):
    return (timezone.localdate() + datetime.timedelta(days=offset)).isoformat()


def referral_form(chosen, **overrides):
    return {
        "scheme": chosen.code,
        "purpose": "diversion",
        "reason": "Seen with an older group near the station",
        "young_person_consent": "given",
        "young_person_consent_note": "Agreed at meeting",
        "parent_consent": "given",
        "follow_up_on": day(14),
    } | overrides


def make(client, sspo, pupil, **data):
    client.force_login(sspo)
    return client.post(reverse("referral_new", args=[pupil.code]), data)


def test_an_sspo_makes_a_referral_with_an_event_history_and_a_disclosure(
    client, sspo_a, spoc_a, pupil_a, scheme
):
    response = make(client, sspo_a, pupil_a, **referral_form(scheme))
    referral = Referral.objects.get()
    assert response["Location"] == reverse("referral_detail", args=[referral.code])
    assert (referral.school, referral.made_by, referral.status) == (
        pupil_a.school,
        sspo_a,
        "made",
    )
    assert list(referral.events.values_list("kind", "to_status")) == [("made", "made")]
    assert referral.history.get().history_user == sspo_a
    disclosure = Disclosure.objects.get(record_code=referral.code)
    assert (disclosure.direction, disclosure.kind, disclosure.disclosed_to) == (
        "to_school",
        "referral_update",
        spoc_a,
    )


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"scheme": ""}, "Choose a scheme"),
        ({"purpose": ""}, "Choose the purpose of the referral"),
        ({"reason": ""}, "Say why you are making this referral"),
        ({"young_person_consent": ""}, "Choose whether the young person consented"),
        ({"parent_consent": "maybe"}, "Select a valid choice"),
        ({"follow_up_on": day(-1)}, "The follow-up date must be today or later"),
        ({"follow_up_on": "31/02/2026"}, "Enter the follow-up date as a real date"),
    ],
)
def test_bad_referral_input_is_refused_and_kept(
    client, sspo_a, pupil_a, scheme, overrides, message
):
    response = make(client, sspo_a, pupil_a, **referral_form(scheme, **overrides))
    body = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in body and message in body
    assert "Agreed at meeting" in body  # what was typed comes back
    assert not Referral.objects.exists()


def test_a_scheme_of_another_force_is_refused(client, sspo_a, pupil_a, other_scheme):
    response = make(client, sspo_a, pupil_a, **referral_form(other_scheme))
    assert "Choose an open scheme of your force" in response.content.decode()
    assert not Referral.objects.exists()


def test_a_closed_scheme_is_refused(client, sspo_a, pupil_a, scheme):
    scheme.active = False
    scheme.save()
    response = make(client, sspo_a, pupil_a, **referral_form(scheme))
    assert "Choose an open scheme of your force" in response.content.decode()
    assert not Referral.objects.exists()


def test_a_pupil_of_another_school_cannot_be_referred(client, sspo_a, pupil_b, scheme):
    assert make(client, sspo_a, pupil_b, **referral_form(scheme)).status_code == 404
    with pytest.raises(ValidationError):
        services.referral_make(
            by=sspo_a,
            pupil=pupil_b,
            scheme=scheme,
            purpose="diversion",
            reason="x",
            young_person_consent="given",
            parent_consent="given",
        )
    assert not Referral.objects.exists()


def test_no_referral_without_a_live_data_sharing_agreement(client, sspo_a, pupil_a, scheme):
    partnership = pupil_a.school.partnership
    revoke_dsa(partnership)
    assert make(client, sspo_a, pupil_a, **referral_form(scheme)).status_code == 404
    assert not Referral.objects.exists()


def test_a_referral_can_come_from_a_shared_concern_about_the_pupil(
    client, sspo_a, spoc_a, staff_a, pupil_a, scheme
):
    from incidents.models import Concern, ConcernPupil
    from incidents.services import concern_triage

    concern = Concern.objects.create(
        reference="T-1",
        school=pupil_a.school,
        reported_by=staff_a,
        category="welfare",
        narrative="x",
        happened_at=timezone.now(),
        location="in_school",
    )
    ConcernPupil.objects.create(concern=concern, pupil=pupil_a, role="victim")
    client.force_login(sspo_a)
    url = reverse("referral_new", args=[pupil_a.code])
    # Not shared yet: not offered, and refused if posted.
    make(client, sspo_a, pupil_a, **referral_form(scheme, concern=concern.code))
    assert not Referral.objects.exists()
    concern_triage(concern=concern, by=spoc_a, decision="shared", rationale="r", seen_version=1)
    assert str(concern.code) in client.get(url + f"?concern={concern.code}").content.decode()
    make(client, sspo_a, pupil_a, **referral_form(scheme, concern=concern.code))
    assert Referral.objects.get().concern == concern


def move(client, user, referral, **data):
    client.force_login(user)
    data.setdefault("version", referral.version)
    return client.post(reverse("referral_move", args=[referral.code]), data)


def test_a_referral_moves_through_its_life_with_an_event_per_move(client, sspo_a, referral_a):
    for status, extra in (
        ("accepted", {}),
        ("started", {"follow_up_on": day(30)}),
        ("completed", {"outcome": "Finished the programme"}),
    ):
        referral_a.refresh_from_db()
        assert move(client, sspo_a, referral_a, status=status, **extra).status_code == 302
    referral_a.refresh_from_db()
    assert (referral_a.status, referral_a.outcome, referral_a.version) == (
        "completed",
        "Finished the programme",
        4,
    )
    moves = list(referral_a.events.filter(kind="moved").values_list("from_status", "to_status"))
    assert moves == [("made", "accepted"), ("accepted", "started"), ("started", "completed")]
    assert referral_a.history.count() == 4  # created + three saves


@pytest.mark.parametrize(
    "start, status",
    [
        ("made", "started"),
        ("made", "completed"),
        ("accepted", "declined"),
        ("declined", "accepted"),
        ("completed", "withdrawn"),
        ("withdrawn", "made"),
    ],
)
def test_moves_not_allowed_are_refused(client, sspo_a, make_referral, pupil_a, start, status):
    referral = make_referral(pupil=pupil_a, made_by=sspo_a, status=start)
    response = move(client, sspo_a, referral, status=status, outcome="o")
    referral.refresh_from_db()
    assert referral.status == start and referral.version == 1
    # From an end state there is no move at all (403); otherwise the form refuses it.
    assert response.status_code == (
        403 if start in ("declined", "completed", "withdrawn") else 200
    )
    with pytest.raises((ValidationError, PermissionDenied)):
        services.referral_move(
            referral=referral, by=sspo_a, status=status, outcome="o", seen_version=1
        )
    referral.refresh_from_db()
    assert referral.status == start


@pytest.mark.parametrize("status", ["declined", "withdrawn"])
def test_ending_a_referral_needs_its_outcome(client, sspo_a, referral_a, status):
    response = move(client, sspo_a, referral_a, status=status, outcome="  ")
    assert "Say what the outcome was" in response.content.decode()
    referral_a.refresh_from_db()
    assert referral_a.status == "made"


def test_completing_needs_the_outcome(client, sspo_a, make_referral, pupil_a):
    referral = make_referral(pupil=pupil_a, made_by=sspo_a, status="started")
    response = move(client, sspo_a, referral, status="completed", note="kept note")
    body = response.content.decode()
    assert "Say what the outcome was" in body and "kept note" in body
    referral.refresh_from_db()
    assert referral.status == "started"


def test_a_new_follow_up_date_in_the_past_is_refused(client, sspo_a, referral_a):
    response = move(client, sspo_a, referral_a, status="accepted", follow_up_on=day(-3))
    assert "The follow-up date must be today or later" in response.content.decode()
    referral_a.refresh_from_db()
    assert referral_a.status == "made"


def test_of_two_concurrent_moves_one_wins_and_the_other_is_told(client, sspo_a, referral_a):
    first = move(client, sspo_a, referral_a, status="accepted", version=1)
    second = move(client, sspo_a, referral_a, status="withdrawn", outcome="x", version=1)
    assert first.status_code == 302 and second.status_code == 409
    assert "Someone else changed this referral first" in second.content.decode()
    referral_a.refresh_from_db()
    assert (referral_a.status, referral_a.version) == ("accepted", 2)
    with pytest.raises(services.ReferralChanged):
        services.referral_move(referral=referral_a, by=sspo_a, status="started", seen_version=1)


def test_an_sspo_moved_to_another_school_loses_the_referral(client, sspo_a, referral_a):
    assignment = sspo_a.officer.assignments.get()
    assignment.ends_on = timezone.localdate() - datetime.timedelta(days=1)
    assignment.save()
    client.force_login(sspo_a)
    assert client.get(reverse("referral_detail", args=[referral_a.code])).status_code == 404


def test_the_sergeant_creates_and_edits_schemes_with_history(client, sergeant, force):
    client.force_login(sergeant)
    data = {
        "name": "Mentoring",
        "provider": "Mentors Ltd",
        "purpose": "safeguarding",
        "criteria": "Any pupil",
        "contact": "m@example.org",
        "active": "on",
    }
    assert client.post(reverse("scheme_new"), data).status_code == 302
    scheme = Scheme.objects.get()
    assert scheme.force == force
    data["active"] = ""
    assert client.post(reverse("scheme_edit", args=[scheme.code]), data).status_code == 302
    scheme.refresh_from_db()
    assert scheme.active is False
    assert [h.active for h in scheme.history.all()] == [False, True]
    assert {h.history_user for h in scheme.history.all()} == {sergeant}


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"name": ""}, "Enter the scheme&#x27;s name"),
        ({"purpose": ""}, "Choose what the scheme is for"),
        ({"criteria": ""}, "Say who the scheme is for"),
        ({"name": "Youth Diversion Programme"}, "Your force already has a scheme with this name"),
    ],
)
def test_bad_scheme_input_is_refused_and_kept(client, sergeant, scheme, overrides, message):
    client.force_login(sergeant)
    data = {
        "name": "Another",
        "provider": "Kept provider",
        "purpose": "diversion",
        "criteria": "c",
        "contact": "x",
    } | overrides
    body = client.post(reverse("scheme_new"), data).content.decode()
    assert "There is a problem" in body and message in body and "Kept provider" in body
    assert Scheme.objects.count() == 1

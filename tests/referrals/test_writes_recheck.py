"""Conference actions and scheme changes ask again, under their lock, whether the officer
may still act: leaving, or a move to another force, between loading the page and posting it
changes nothing."""

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from referrals import services
from referrals.models import ConferenceAction, Scheme
from ssp.models import User


def test_no_conference_action_from_an_officer_who_has_left(client, conference_a, sspo_a):
    client.force_login(sspo_a)
    assert client.get(reverse("conference_detail", args=[conference_a.code])).status_code == 200
    actions = ConferenceAction.objects.count()
    officer = sspo_a.officer
    officer.left_on = timezone.localdate()
    officer.save()
    with pytest.raises(PermissionDenied):
        services.conference_add_action(
            conference=conference_a,
            by=User.objects.get(pk=sspo_a.pk),
            description="Home visit",
            owner="Social worker",
            due_on=timezone.localdate(),
        )
    assert ConferenceAction.objects.count() == actions


def test_the_officer_still_adds_an_action_while_the_agreement_holds(conference_a, sspo_a):
    actions = ConferenceAction.objects.count()
    services.conference_add_action(
        conference=conference_a,
        by=sspo_a,
        description="Home visit",
        owner="Social worker",
        due_on=timezone.localdate(),
    )
    assert ConferenceAction.objects.count() == actions + 1


def test_a_sergeant_moved_to_another_force_changes_no_scheme_of_the_old_one(
    sergeant, other_sergeant, scheme
):
    officer = sergeant.officer
    officer.team = other_sergeant.officer.team
    officer.save()
    moved = User.objects.get(pk=sergeant.pk)
    fields = {
        "name": "Renamed",
        "provider": scheme.provider,
        "purpose": scheme.purpose,
        "criteria": scheme.criteria,
        "contact": scheme.contact,
        "active": scheme.active,
    }
    with pytest.raises(PermissionDenied):
        services.scheme_save(by=moved, scheme=scheme, **fields)
    scheme.refresh_from_db()
    assert scheme.name == "Youth Diversion Programme"
    assert Scheme.objects.count() == 1

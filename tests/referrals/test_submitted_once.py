"""Referrals, case conferences and actions, posted twice from one rendered form, save once."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from referrals.models import Conference, ConferenceAction, Referral
from tests.submissions import assert_posted_twice_saves_once


def day(offset):
    return (timezone.localdate() + datetime.timedelta(days=offset)).isoformat()


def _referral(request):
    pupil = request.getfixturevalue("pupil_a")
    scheme = request.getfixturevalue("scheme")
    url = reverse("referral_new", args=[pupil.code])
    data = {
        "scheme": scheme.code,
        "purpose": "diversion",
        "reason": "Seen with an older group near the station",
        "young_person_consent": "given",
        "young_person_consent_note": "Agreed at meeting",
        "parent_consent": "given",
        "follow_up_on": day(14),
    }
    return url, url, data, Referral


def _conference(request):
    pupil = request.getfixturevalue("pupil_a")
    url = reverse("conference_new", args=[pupil.code])
    data = {
        "held_on": day(0),
        "pupils": [pupil.code],
        "agencies": "Children's services",
        "attendees": "Kept attendees",
        "decisions": "Offer mentoring",
        "rationale": "Risk of exploitation",
    }
    return url, url, data, Conference


def _action(request):
    conference = request.getfixturevalue("conference_a")
    page = reverse("conference_detail", args=[conference.code])
    post = reverse("conference_action_add", args=[conference.code])
    data = {"description": "Home visit", "owner": "Social worker", "due_on": day(3)}
    return page, post, data, ConferenceAction


@pytest.mark.parametrize("form", [_referral, _conference, _action], ids=lambda f: f.__name__[1:])
def test_a_police_create_form_posted_twice_saves_once_and_lands_on_the_same_page(
    request, client, sspo_a, spoc_a, form
):
    page, post, data, model = form(request)
    client.force_login(sspo_a)
    assert_posted_twice_saves_once(client, page=page, post=post, data=data, model=model)

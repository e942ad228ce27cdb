"""List pages answer in a fixed number of queries, however many rows there are."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from referrals.models import Conference, ConferenceAction, Referral, Scheme
from tests.factories import PupilFactory
from tests.reads import queries_for

MAX_QUERIES = 12


def build(school, sspo, scheme, pupils, count):
    # bulk_create is for building test data only; the portal itself never writes this way.
    today = timezone.localdate()
    n0 = Referral.objects.count()
    Referral.objects.bulk_create(
        Referral(
            reference=f"Q-{n0 + n}",
            school=school,
            pupil=pupils[n % len(pupils)],
            scheme=scheme,
            purpose="diversion",
            reason="Bulk",
            young_person_consent="given",
            parent_consent="given",
            made_by=sspo,
            status=["made", "accepted", "started", "completed"][n % 4],
            follow_up_on=today + datetime.timedelta(days=n % 9 - 4),
        )
        for n in range(count)
    )
    conferences = Conference.objects.bulk_create(
        Conference(
            school=school,
            held_on=today - datetime.timedelta(days=n % 30),
            agencies="a",
            attendees="a",
            decisions="d",
            rationale="r",
            recorded_by=sspo,
        )
        for n in range(count)
    )
    Conference.pupils.through.objects.bulk_create(
        Conference.pupils.through(conference=c, pupil=pupils[i % len(pupils)])
        for i, c in enumerate(conferences)
    )
    ConferenceAction.objects.bulk_create(
        ConferenceAction(conference=c, school=school, description="x", owner="o", due_on=today)
        for c in conferences
    )
    Scheme.objects.bulk_create(
        Scheme(
            force=scheme.force,
            name=f"S-{n0 + n}",
            provider="p",
            purpose="diversion",
            criteria="c",
            contact="c",
        )
        for n in range(count)
    )


@pytest.mark.parametrize(
    "who, page, query",
    [
        ("sspo_a", "referral_list", ""),
        ("sspo_a", "referral_list", "?status=open"),
        ("sergeant", "referral_list", "?status=made"),
        ("spoc_a", "school_referral_list", ""),
        ("head_a", "conference_list", ""),
        ("sspo_a", "conference_list", ""),
        ("sergeant", "scheme_list", ""),
    ],
)
def test_list_pages_stay_flat_as_rows_grow(
    request, client, school_a, sspo_a, spoc_a, head_a, sergeant, scheme, who, page, query
):
    pupils = PupilFactory.create_batch(3, school=school_a)
    build(school_a, sspo_a, scheme, pupils, 5)
    client.force_login(request.getfixturevalue(who))
    url = reverse(page) + query
    client.get(url)  # the first request after sign-in also starts the session clock
    few = queries_for(client, url)
    build(school_a, sspo_a, scheme, pupils, 300)
    many = queries_for(client, url)
    assert few <= MAX_QUERIES
    assert many == few


def test_due_follow_ups_come_first(client, make_referral, pupil_a, sspo_a):
    today = timezone.localdate()
    later = make_referral(pupil=pupil_a, made_by=sspo_a, follow_up_on=today.replace(year=2099))
    due = make_referral(pupil=pupil_a, made_by=sspo_a, follow_up_on=today)
    done = make_referral(pupil=pupil_a, made_by=sspo_a, follow_up_on=today, status="completed")
    client.force_login(sspo_a)
    body = client.get(reverse("referral_list")).content.decode()
    assert body.index(due.reference) < body.index(later.reference) < body.index(done.reference)
    filtered = client.get(reverse("referral_list") + "?status=completed").content.decode()
    assert done.reference in filtered and due.reference not in filtered

"""The police's referral list pages by cursor: follow-ups due first, then the other open
referrals, then the closed ones; the earliest follow-up first (none last), then the newest.
Walked from the first page to the last, every referral appears once, in that order, however
many share a follow-up day or a moment of making, and a deep page costs what the first does."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from referrals.models import Referral
from referrals.services import referral_move
from schools.services import assignment_create
from tests.factories import PupilFactory
from tests.keyset_walk import UUID, link, walk, walk_by_school

STATUSES = ["made", "accepted", "started", "completed", "withdrawn"]


@pytest.fixture
def referrals_70(make_referral, school_a, sspo_a):
    today = timezone.localdate()
    follow_ups = [None, today - datetime.timedelta(days=3), today, today + datetime.timedelta(5)]
    moments = [timezone.now() - datetime.timedelta(days=n) for n in range(3)]
    # Ties on every key but the last: three moments for seventy referrals.
    _referrals(make_referral, school_a, sspo_a, 70, follow_ups, moments, pupils=5)


def _referrals(make_referral, school, by, count, follow_ups, moments, *, pupils):
    """`count` referrals at `school`, taking statuses, follow-up days, moments of making and
    pupils in turn."""
    children = PupilFactory.create_batch(pupils, school=school)
    for n in range(count):
        referral = make_referral(
            pupil=children[n % pupils],
            made_by=by,
            status=STATUSES[n % 5],
            follow_up_on=follow_ups[n % len(follow_ups)],
        )
        Referral.objects.filter(pk=referral.pk).update(made_at=moments[n % len(moments)])


def _expected_order():
    today = timezone.localdate()

    def key(referral):
        if referral.status in Referral.OPEN:
            group = 0 if referral.follow_up_on and referral.follow_up_on <= today else 1
        else:
            group = 2
        no_day = referral.follow_up_on is None
        day = (referral.follow_up_on or today).toordinal()
        return (group, no_day, day, -referral.made_at.timestamp(), -referral.pk)

    return [str(r.code) for r in sorted(Referral.objects.all(), key=key)]


@pytest.mark.parametrize("who", ["sspo_a", "sergeant"])
def test_the_referral_list_walks_in_order_once_and_deep_pages_cost_the_same(
    client, referrals_70, who, request
):
    client.force_login(request.getfixturevalue(who))
    url = reverse("referral_list")
    client.get(url)  # the session's first request does more
    codes, queries = walk(client, url, "")
    assert codes == _expected_order()
    assert len(codes) == len(set(codes)) == 70
    assert len(queries) == 3
    assert queries[0] == queries[1] == queries[2]
    assert queries[0] <= 8


def test_a_filtered_walk_keeps_its_filter_from_page_to_page(client, referrals_70, sspo_a):
    client.force_login(sspo_a)
    url = reverse("referral_list")
    client.get(url)
    codes, queries = walk(client, url, "status=open")
    open_ones = [code for code in _expected_order() if code in _open_codes()]
    assert codes == open_ones
    assert len(codes) == 42 and len(queries) == 2


def _open_codes():
    return {
        str(code)
        for code in Referral.objects.filter(status__in=Referral.OPEN).values_list(
            "code", flat=True
        )
    }


def test_the_previous_page_is_the_page_before(client, referrals_70, sspo_a):
    client.force_login(sspo_a)
    url = reverse("referral_list")
    first = client.get(url).content.decode()
    second = client.get(f"{url}?{link(first, 'next')}").content.decode()
    back = client.get(f"{url}?{link(second, 'prev')}").content.decode()
    assert UUID.findall(back) == UUID.findall(first)
    assert set(UUID.findall(second)).isdisjoint(UUID.findall(first))


def test_an_outsider_walks_no_referral_and_a_forged_cursor_gives_the_first_page(
    client, referrals_70, sspo_b, sspo_a
):
    client.force_login(sspo_b)
    url = reverse("referral_list")
    assert not walk(client, url, "")[0]
    client.force_login(sspo_a)
    forged = client.get(url, {"cursor": "forged"}).content.decode()
    assert UUID.findall(forged) == _expected_order()[:25]


@pytest.fixture
def two_schools(make_referral, school_a, school_b, sspo_a, sergeant):
    """The SSPO works at both schools, with referrals at each made at the same moments."""
    assignment_create(
        officer=sspo_a.officer, school=school_b, starts_on=datetime.date(2026, 9, 1), by=sergeant
    )
    today = timezone.localdate()
    follow_ups = [None, today - datetime.timedelta(days=2), today + datetime.timedelta(days=9)]
    moments = [timezone.now() - datetime.timedelta(hours=n) for n in range(4)]
    for school in (school_a, school_b):
        _referrals(make_referral, school, sspo_a, 23, follow_ups, moments, pupils=3)
    return sspo_a


@pytest.mark.parametrize("who", ["two_schools", "sergeant"])
def test_two_schools_walk_in_one_order(client, two_schools, who, request):
    client.force_login(request.getfixturevalue(who))
    url = reverse("referral_list")
    codes, queries = walk_by_school(client, url, "")
    assert codes == _expected_order()
    assert len(codes) == 46 and len(queries) == 2


def test_a_referral_closed_today_moves_after_the_open_ones(client, two_schools):
    """The list's ranks are kept by the database as a referral moves on."""
    due = Referral.objects.get(code=_expected_order()[0])
    assert due.is_open and due.follow_up_on <= timezone.localdate()
    client.force_login(two_schools)
    url = reverse("referral_list")
    assert UUID.findall(client.get(url).content.decode())[0] == str(due.code)
    referral_move(
        referral=due,
        by=two_schools,
        status="withdrawn",
        outcome="Moved away.",
        seen_version=due.version,
    )
    codes, _ = walk(client, url, "")
    assert codes == _expected_order()
    assert codes.index(str(due.code)) >= len(_open_codes())

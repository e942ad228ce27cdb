"""Ending a membership: the person loses the school at once; an account never outlives the job."""

import pytest
from django.contrib.sessions.models import Session
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse

from schools.models import Membership
from schools.services import MembershipAlreadyEnded, membership_end, today
from ssp.models import Notification
from ssp.roles import Role

from ..factories import MembershipFactory


def end_url(membership):
    return reverse("membership_end", args=[membership.school.code, membership.code])


def membership_of(user, school):
    return Membership.objects.get(user=user, school=school)


def signed_in_elsewhere(user) -> Client:
    other = Client()
    other.force_login(user)
    return other


def test_the_head_ends_a_place_and_the_person_sees_nothing_from_their_next_request(
    client, school_a, head_a, staff_a
):
    theirs = signed_in_elsewhere(staff_a)
    school_page = reverse("school_detail", args=[school_a.code])
    assert theirs.get(school_page).status_code == 200
    client.force_login(head_a)
    membership = membership_of(staff_a, school_a)
    page = client.get(end_url(membership)).content.decode()
    assert "End Stella Abbott" in page and "account is closed" in page
    assert membership_of(staff_a, school_a).left_on is None  # the confirmation changes nothing
    response = client.post(end_url(membership), follow=True)
    assert "Stella Abbott no longer has access to Ashdown Academy" in response.content.decode()
    assert theirs.get(school_page).status_code == 302  # signed out: sent to sign in
    assert not theirs.get("/").wsgi_request.user.is_authenticated


def test_ending_the_only_place_closes_the_account_and_its_sessions(
    school_a, head_a, staff_a, django_capture_on_commit_callbacks
):
    signed_in_elsewhere(staff_a)
    signed_in_elsewhere(staff_a)
    assert _sessions_of(staff_a) == 2
    with django_capture_on_commit_callbacks(execute=True) as after_commit:
        assert membership_end(membership=membership_of(staff_a, school_a), by=head_a) is True
        # Not read inside the transaction that ends the place: that holds its row locks.
        assert _sessions_of(staff_a) == 2
    assert len(after_commit) >= 1
    staff_a.refresh_from_db()
    assert not staff_a.is_active
    assert _sessions_of(staff_a) == 0
    membership = membership_of(staff_a, school_a)
    assert membership.left_on == today()
    assert membership.history.first().history_user == head_a
    assert staff_a.history.first().history_user == head_a


def test_someone_with_a_place_at_another_school_keeps_their_account_and_only_that_school(
    client, school_a, school_b, head_a, staff_a
):
    MembershipFactory(user=staff_a, school=school_b)
    theirs = signed_in_elsewhere(staff_a)
    assert membership_end(membership=membership_of(staff_a, school_a), by=head_a) is False
    staff_a.refresh_from_db()
    assert staff_a.is_active and _sessions_of(staff_a) == 1
    assert theirs.get(reverse("school_detail", args=[school_a.code])).status_code == 404
    assert theirs.get(reverse("school_detail", args=[school_b.code])).status_code == 200


def test_an_ended_spoc_is_nobodys_spoc_and_no_longer_triages(school_a, head_a, spoc_a):
    membership = membership_of(spoc_a, school_a)
    MembershipFactory(user=spoc_a, school=MembershipFactory().school)  # keeps the account
    membership_end(membership=membership, by=head_a)
    membership.refresh_from_db()
    assert membership.designation == "" and membership.left_on == today()
    spoc_a.refresh_from_db()
    assert spoc_a.role == Role.STAFF
    assert membership.history.filter(designation="spoc").exists()  # what it was stays


def test_the_schools_leads_are_told_through_the_outbox_without_a_name(
    school_a, head_a, spoc_a, staff_a
):
    membership_end(membership=membership_of(staff_a, school_a), by=head_a)
    told = Notification.objects.filter(link=reverse("school_detail", args=[school_a.code]))
    assert {n.recipient for n in told} == {head_a, spoc_a}
    assert all("Stella" not in n.subject and "Abbott" not in n.subject for n in told)


def test_a_second_end_is_told_it_came_second(school_a, head_a, staff_a):
    membership = membership_of(staff_a, school_a)
    membership_end(membership=membership, by=head_a)
    with pytest.raises(MembershipAlreadyEnded):
        membership_end(membership=membership, by=head_a)


@pytest.mark.parametrize("who", ["spoc_a", "staff_a2"])
def test_other_members_of_the_school_cannot_end_a_place(request, school_a, staff_a, who):
    with pytest.raises(PermissionDenied):
        membership_end(
            membership=membership_of(staff_a, school_a), by=request.getfixturevalue(who)
        )
    assert membership_of(staff_a, school_a).left_on is None


def test_a_head_cannot_end_their_own_place(school_a, head_a):
    with pytest.raises(PermissionDenied):
        membership_end(membership=membership_of(head_a, school_a), by=head_a)


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("head_a", 200),
        ("spoc_a", 403),
        ("staff_a2", 403),
        ("sspo_a", 403),
        ("head_b", 404),
        ("other_sergeant", 404),
    ],
)
def test_only_the_schools_head_reaches_the_confirmation_or_ends_a_place(
    client, request, school_a, staff_a, who, status
):
    membership = membership_of(staff_a, school_a)
    client.force_login(request.getfixturevalue(who))
    assert client.get(end_url(membership)).status_code == status
    response = client.post(end_url(membership))
    assert response.status_code == (302 if status == 200 else status)
    ended = membership_of(staff_a, school_a).left_on is not None
    assert ended == (status == 200)


def test_the_head_cannot_end_their_own_or_another_heads_place_through_http(
    client, school_a, head_a
):
    co_head = MembershipFactory(school=school_a, position=Membership.Position.HEAD, is_slt=True)
    client.force_login(head_a)
    assert client.post(end_url(membership_of(head_a, school_a))).status_code == 403
    assert client.post(end_url(co_head)).status_code == 403


def test_an_ended_place_is_gone_from_the_school_page_and_its_link(
    client, school_a, head_a, staff_a
):
    membership = membership_of(staff_a, school_a)
    client.force_login(head_a)
    page = client.get(reverse("school_detail", args=[school_a.code])).content.decode()
    assert end_url(membership) in page
    client.post(end_url(membership), follow=True)  # the page that shows the message
    page = client.get(reverse("school_detail", args=[school_a.code])).content.decode()
    assert "Stella Abbott" not in page and end_url(membership) not in page
    assert client.get(end_url(membership)).status_code == 404


def test_the_spoc_sees_the_people_but_no_end_access_links(client, school_a, spoc_a, staff_a):
    client.force_login(spoc_a)
    page = client.get(reverse("school_detail", args=[school_a.code])).content.decode()
    assert "Stella Abbott" in page and "End access" not in page
    assert reverse("staff_import", args=[school_a.code]) not in page


def _sessions_of(user) -> int:
    return sum(
        1 for s in Session.objects.all() if s.get_decoded().get("_auth_user_id") == str(user.pk)
    )

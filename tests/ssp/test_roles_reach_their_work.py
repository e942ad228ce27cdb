"""Roles reach what their work needs (issue 11): the SPOC reads the information-sharing log
of the shares they make, a head named as SPOC works the enquiries, a head invites their staff.
Each both ways: the person who should reaches it, the one who should not is refused."""

import uuid

import pytest
from django.urls import reverse

from agreements.services import disclosure_record
from incidents.models import Enquiry
from schools.models import Invitation, Membership


def _shared(school, by, to):
    return disclosure_record(
        school=school,
        direction="to_police",
        kind="concern_shared",
        record_code=uuid.uuid4(),
        by=by,
        to=to,
    )


@pytest.fixture
def head_named_spoc(head_a, school_a):
    """School A has no other SPOC: the head holds the designation too."""
    membership = Membership.objects.get(user=head_a, school=school_a)
    membership.designation = Membership.Designation.SPOC
    membership.save(update_fields=["designation"])
    return head_a


@pytest.mark.parametrize("person", ["spoc_a", "deputy_a"])
def test_the_spoc_and_deputy_read_their_schools_sharing_log(
    request, client, school_a, school_b, spoc_a, spoc_b, sspo_a, sspo_b, person
):
    _shared(school_a, spoc_a, sspo_a)
    _shared(school_b, spoc_b, sspo_b)
    client.force_login(request.getfixturevalue(person))
    response = client.get(reverse("sharing_log"))
    assert response.status_code == 200
    assert [d.school for d in response.context["page"]] == [school_a]


def test_staff_still_do_not_read_the_sharing_log(client, school_a, spoc_a, sspo_a, staff_a):
    _shared(school_a, spoc_a, sspo_a)
    client.force_login(staff_a)
    assert client.get(reverse("sharing_log")).status_code == 403


def test_the_spocs_home_leads_to_the_sharing_log(client, spoc_a, staff_a):
    client.force_login(spoc_a)
    assert reverse("sharing_log") in client.get(reverse("home")).content.decode()


def test_a_head_named_as_spoc_opens_and_answers_enquiries(
    client, school_a, sspo_a, head_named_spoc
):
    client.force_login(head_named_spoc)
    assert client.get(reverse("enquiry_new")).status_code == 200
    response = client.post(
        reverse("enquiry_new"),
        {"school": school_a.pk, "about": "general", "subject": "Patrols", "text": "Can we talk?"},
    )
    assert response.status_code == 302
    enquiry = Enquiry.objects.get()
    assert (enquiry.opened_by, enquiry.school) == (head_named_spoc, school_a)
    assert client.get(reverse("enquiry_list")).context["can_open"] is True
    reply = client.post(reverse("enquiry_reply", args=[enquiry.code]), {"text": "And Friday?"})
    assert reply.status_code == 302
    assert enquiry.messages.count() == 2


def test_a_head_not_named_as_spoc_reads_enquiries_but_opens_none(
    client, school_a, sspo_a, spoc_a, head_a
):
    client.force_login(head_a)
    assert client.get(reverse("enquiry_list")).status_code == 200
    assert client.get(reverse("enquiry_list")).context["can_open"] is False
    assert client.get(reverse("enquiry_new")).status_code == 403


def test_a_head_named_as_spoc_asks_for_sessions(client, school_a, head_named_spoc):
    client.force_login(head_named_spoc)
    assert client.get(reverse("session_request_new")).status_code == 200


def test_a_head_not_named_as_spoc_asks_for_no_sessions(client, school_a, spoc_a, head_a):
    client.force_login(head_a)
    assert client.get(reverse("session_request_new")).status_code == 403


def test_the_head_invites_their_staff_from_the_schools_page(client, school_a, head_a):
    client.force_login(head_a)
    page = client.get(reverse("school_detail", args=[school_a.code]))
    url = reverse("invite_staff", args=[school_a.code])
    assert url in page.content.decode()
    response = client.post(
        url, {"first_name": "Nina", "last_name": "Newton", "email": "nina@example.org"}
    )
    assert response.status_code == 302
    invitation = Invitation.objects.get()
    assert (invitation.school, invitation.role, invitation.invited_by) == (
        school_a,
        "staff",
        head_a,
    )


def test_a_head_named_as_spoc_still_invites_their_staff(client, school_a, head_named_spoc):
    client.force_login(head_named_spoc)
    assert client.get(reverse("invite_staff", args=[school_a.code])).status_code == 200


@pytest.mark.parametrize("person, status", [("spoc_a", 403), ("staff_a", 403), ("head_b", 404)])
def test_nobody_but_the_head_invites_staff(request, client, school_a, person, status):
    client.force_login(request.getfixturevalue(person))
    page = client.get(reverse("school_detail", args=[school_a.code]))
    if page.status_code == 200:
        assert reverse("invite_staff", args=[school_a.code]) not in page.content.decode()
    assert client.get(reverse("invite_staff", args=[school_a.code])).status_code == status

"""Staff confirm they have read the SSP's summary; the head sees who has and who has not,
beside their other duties."""

import datetime

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from agreements.models import AwarenessConfirmation, Document
from agreements.services import document_version_publish
from schools.models import Membership
from tests.factories import DocumentFactory, MembershipFactory, PartnershipFactory, UserFactory
from tests.reads import queries_for

HOME = "/"
PROMPT = "Read the SSP summary"


def _protocol(force):
    return Document.objects.current_of(force, Document.Kind.PROTOCOL).first()


def _publish_new_protocol(force, summary="Version two: the SPOC is the only channel."):
    draft = DocumentFactory(force=force, kind=Document.Kind.PROTOCOL, version=2, summary=summary)
    return document_version_publish(document=draft, by=UserFactory())


def _confirm(client, school, document=None):
    partnership = school.partnership
    document = document or _protocol(school.force)
    return client.post(
        reverse("ssp_summary", args=[partnership.code]), {"document": str(document.code)}
    )


def test_staff_are_prompted_until_they_confirm(client, staff_a, school_a):
    client.force_login(staff_a)
    assert PROMPT in client.get(HOME).content.decode()
    page = client.get(reverse("ssp_summary", args=[school_a.partnership.code])).content.decode()
    assert "Never contact the officer directly about a pupil" in page  # the summary itself
    assert "I have read this" in page
    response = _confirm(client, school_a)
    assert response.status_code == 302
    confirmation = AwarenessConfirmation.objects.get(user=staff_a)
    assert confirmation.document == _protocol(school_a.force)
    assert confirmation.partnership == school_a.partnership
    assert PROMPT not in client.get(HOME).content.decode()
    page = client.get(reverse("ssp_summary", args=[school_a.partnership.code])).content.decode()
    assert "You confirmed you read this on" in page and "I have read this" not in page


def test_the_spoc_is_prompted_too(client, spoc_a, school_a):
    client.force_login(spoc_a)
    assert PROMPT in client.get(HOME).content.decode()


def test_a_new_protocol_version_asks_again(client, staff_a, school_a):
    client.force_login(staff_a)
    _confirm(client, school_a)
    _publish_new_protocol(school_a.force)
    assert PROMPT in client.get(HOME).content.decode()
    page = client.get(reverse("ssp_summary", args=[school_a.partnership.code])).content.decode()
    assert "Version two: the SPOC is the only channel." in page
    _confirm(client, school_a)
    versions = AwarenessConfirmation.objects.filter(user=staff_a).values_list(
        "document__version", flat=True
    )
    assert sorted(versions) == [1, 2]


def test_confirming_a_version_replaced_meanwhile_asks_to_read_the_new_one(
    client, staff_a, school_a
):
    old = _protocol(school_a.force)
    client.force_login(staff_a)
    _publish_new_protocol(school_a.force)
    response = _confirm(client, school_a, document=old)
    body = response.content.decode()
    assert response.status_code == 200
    assert "A new version of the SSP summary has been published" in body
    assert "Version two: the SPOC is the only channel." in body
    assert not AwarenessConfirmation.objects.filter(user=staff_a).exists()


def test_confirming_twice_keeps_one_confirmation(client, staff_a, school_a):
    client.force_login(staff_a)
    _confirm(client, school_a)
    _confirm(client, school_a)
    assert AwarenessConfirmation.objects.filter(user=staff_a).count() == 1


def test_the_heads_list_shows_current_staff_who_have_and_have_not_confirmed(
    client, head_a, spoc_a, staff_a, staff_a2, school_a, head_b, spoc_b
):
    client.force_login(staff_a)
    _confirm(client, school_a)
    leaver = MembershipFactory(
        school=school_a, left_on=datetime.date(2026, 1, 1), user=UserFactory(last_name="Gone")
    ).user
    client.force_login(head_a)
    body = client.get(
        reverse("awareness_staff", args=[school_a.partnership.code])
    ).content.decode()
    assert "1 of 3" in body
    for person in (spoc_a, staff_a, staff_a2):
        assert person.get_full_name() in body
    for person in (leaver, spoc_b, head_b):
        assert person.get_full_name() not in body
    # Those who have not confirmed come first.
    assert body.index(staff_a2.get_full_name()) < body.index(staff_a.get_full_name())
    assert body.index(spoc_a.get_full_name()) < body.index(staff_a.get_full_name())
    assert body.count("Not yet") == 2 and body.count(">Confirmed<") == 1


# Who may do what


# The summary is read as the partnership register allows; only members of staff confirm it,
# and only the head sees who has.
SUMMARY = {
    "staff_a": 200, "staff_a2": 200, "spoc_a": 200, "head_a": 200,
    "sspo_a": 200, "sergeant": 200, "admin_user": 200,
    "head_b": 404, "spoc_b": 404, "other_sergeant": 404, "yet_officer": 404,
}  # fmt: skip
POLICE_AND_ADMIN = dict.fromkeys(["sspo_a", "sergeant", "admin_user"], 403)
LIST = SUMMARY | POLICE_AND_ADMIN | {"staff_a": 403, "staff_a2": 403, "spoc_a": 403}
CONFIRM = SUMMARY | POLICE_AND_ADMIN | {"head_a": 403}


@pytest.mark.parametrize("who", list(SUMMARY))
def test_who_may_read_the_summary_confirm_and_see_the_list(
    client, request, who, school_a, school_b, sspo_a, yet_officer
):
    user = request.getfixturevalue(who)
    client.force_login(user)
    code = school_a.partnership.code
    assert client.get(reverse("ssp_summary", args=[code])).status_code == SUMMARY[who]
    assert client.get(reverse("awareness_staff", args=[code])).status_code == LIST[who]
    status = _confirm(client, school_a).status_code
    assert status == (302 if CONFIRM[who] == 200 else CONFIRM[who])
    assert AwarenessConfirmation.objects.filter(user=user).exists() == (CONFIRM[who] == 200)


# The head teacher's duties on their home page


def test_the_head_sees_their_duties_done_and_not_done(client, head_a, spoc_a, staff_a, school_a):
    client.force_login(head_a)
    body = client.get(HOME).content.decode()
    assert "Your duties as head teacher" in body
    assert f"SPOC: {spoc_a.get_full_name()}." in body and "No deputy named." in body
    assert "Sign the SSP protocol (version 1)" in body
    assert "Sign the data sharing agreement (version 1)" in body
    assert body.count("The force has signed it.") == 2
    assert "Not signed" not in body
    assert "0 of 2 members of staff have confirmed" in body
    assert reverse("name_spoc", args=[school_a.code]) in body
    assert reverse("awareness_staff", args=[school_a.partnership.code]) in body


def test_the_heads_count_of_staff_is_of_those_still_there_on_the_day(
    client, head_a, spoc_a, staff_a, school_a
):
    # The duties' statement is built once per process; each request brings its own day.
    client.force_login(head_a)
    assert "0 of 2 members of staff have confirmed" in client.get(HOME).content.decode()
    leaving = staff_a.memberships.get()
    leaving.left_on = timezone.localdate() + datetime.timedelta(days=2)
    leaving.save(update_fields=["left_on"])
    assert "0 of 2 members of staff have confirmed" in client.get(HOME).content.decode()
    with time_machine.travel(timezone.now() + datetime.timedelta(days=3)):
        client.force_login(head_a)
        assert "0 of 1 members of staff have confirmed" in client.get(HOME).content.decode()


def test_the_head_sees_what_is_not_signed_and_no_spoc(client, force):
    partnership = PartnershipFactory(school__force=force, signed=False)
    head = MembershipFactory(
        school=partnership.school, position=Membership.Position.HEAD, is_slt=True
    ).user
    _publish_new_protocol(force)  # the force has a protocol to sign, but no DSA yet
    client.force_login(head)
    body = client.get(HOME).content.decode()
    assert "Not done" in body  # no SPOC
    assert body.count("Not signed") == 2


def test_a_new_protocol_version_needs_signing_again(client, head_a, school_a):
    _publish_new_protocol(school_a.force)
    client.force_login(head_a)
    body = client.get(HOME).content.decode()
    assert "Sign the SSP protocol (version 2)" in body
    assert body.count("Not signed") == 1  # the DSA is still signed


def test_a_school_without_a_partnership_has_nothing_to_sign(client, head_c):
    client.force_login(head_c)
    body = client.get(HOME).content.decode()
    assert "has no Safer Schools Partnership, so there is nothing to sign" in body


# Query counts


def _add_staff(school, count, confirm_every=2):
    document = _protocol(school.force)
    for n in range(count):
        user = MembershipFactory(school=school).user
        if n % confirm_every == 0:
            AwarenessConfirmation.objects.create(
                partnership=school.partnership, document=document, user=user
            )


@pytest.mark.parametrize("page", ["list", "home"])
def test_the_heads_pages_answer_in_the_same_number_of_queries_however_many_staff(
    client, django_assert_max_num_queries, head_a, spoc_a, school_a, page
):
    url = reverse("awareness_staff", args=[school_a.partnership.code]) if page == "list" else HOME
    client.force_login(head_a)
    _add_staff(school_a, 3)
    few = queries_for(client, url)
    _add_staff(school_a, 40)
    with django_assert_max_num_queries(few):
        response = client.get(url)
    assert "44" in response.content.decode()  # 3 + 40 staff and the SPOC


def test_the_staff_home_answers_in_the_same_number_of_queries_however_many_staff(
    client, django_assert_max_num_queries, staff_a, school_a
):
    client.force_login(staff_a)
    _add_staff(school_a, 3)
    few = queries_for(client, HOME)
    _add_staff(school_a, 40)
    with django_assert_max_num_queries(few):
        client.get(HOME)

"""Enquiries between the SSPO and the school, always through the SPOC."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from agreements.models import Disclosure
from incidents.models import Enquiry, EnquiryMessage
from incidents.services import enquiry_close, enquiry_open, enquiry_reply
from ssp.models import AccessLog, Notification

from .test_access import ANON, PEOPLE, who

READERS = {"sspo_a": 200, "spoc_a": 200, "head_a": 200, "sergeant": 200}
WRITERS = {"sspo_a", "spoc_a"}


def snapshot(enquiry):
    enquiry.refresh_from_db()
    return (enquiry.status, enquiry.version, enquiry.messages.count())


@pytest.mark.parametrize("person", [*PEOPLE, ANON])
def test_reading_an_enquiry(request, client, enquiry_a, person):
    user = who(request, person)
    if user:
        client.force_login(user)
    response = client.get(reverse("enquiry_detail", args=[enquiry_a.code]))
    if user is None:
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
        return
    assert response.status_code == READERS.get(person, 404)
    assert AccessLog.objects.filter(
        object_type="enquiry", object_code=enquiry_a.code, user=user
    ).exists()


@pytest.mark.parametrize("person", [*PEOPLE, ANON])
@pytest.mark.parametrize("action", ["reply", "close"])
def test_only_the_spoc_and_the_sspo_write_in_a_thread(request, client, enquiry_a, person, action):
    user = who(request, person)
    if user:
        client.force_login(user)
    before = snapshot(enquiry_a)
    url = reverse(f"enquiry_{action}", args=[enquiry_a.code])
    response = client.post(url, {"text": "Yes, Tuesday works."})
    if user is None:
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    elif person in WRITERS:
        assert response.status_code == 302
        assert snapshot(enquiry_a) != before
        return
    elif person in ("head_a", "sergeant"):
        assert response.status_code == 403  # they read; they do not write
    else:
        assert response.status_code == 404  # staff never reach a thread
    assert snapshot(enquiry_a) == before


@pytest.mark.parametrize("person", [*PEOPLE, ANON])
def test_opening_an_enquiry(request, client, school_a, sspo_a, spoc_a, person):
    user = who(request, person)
    if user:
        client.force_login(user)
    page = client.get(reverse("enquiry_new"))
    response = client.post(
        reverse("enquiry_new"),
        {"school": school_a.pk, "about": "general", "subject": "Patrols", "text": "Can we talk?"},
    )
    if user is None:
        assert page.status_code == 302 and response.status_code == 302
    elif person in WRITERS:
        assert page.status_code == 200
        assert response.status_code == 302
        assert Enquiry.objects.get().opened_by == user
        return
    elif person in ("sspo_b", "spoc_b"):
        assert page.status_code == 200
        assert response.status_code == 400  # school A is not among their choices
    else:
        assert page.status_code == 403 and response.status_code == 403
    assert not Enquiry.objects.exists()


def test_staff_pages_offer_no_way_to_reach_the_sspo(client, staff_a, shared_concern_a):
    client.force_login(staff_a)
    page = client.get(reverse("concern_detail", args=[shared_concern_a.code]))
    assert page.context["can_open_enquiry"] is False
    assert reverse("enquiry_new") not in page.content.decode()
    assert client.get(reverse("enquiry_list")).status_code == 403


def test_staff_cannot_open_a_thread_even_through_the_service(staff_a, school_a, sspo_a):
    with pytest.raises(PermissionDenied):
        enquiry_open(by=staff_a, school=school_a, about="general", subject="x", text="y")
    assert not Enquiry.objects.exists()


def test_a_spoc_enquiry_goes_to_the_schools_sspo(school_a, spoc_a, sspo_a):
    enquiry = enquiry_open(
        by=spoc_a, school=school_a, about="general", subject="Parents' evening", text="Come?"
    )
    assert enquiry.sspo == sspo_a and enquiry.awaiting == "police"
    assert Notification.objects.filter(recipient=sspo_a).exists()


def test_an_answer_from_the_school_is_a_logged_disclosure(enquiry_a, spoc_a, sspo_a):
    message = enquiry_reply(enquiry=enquiry_a, by=spoc_a, text="Yes.")
    disclosure = Disclosure.objects.get(record_code=message.code)
    assert disclosure.kind == Disclosure.Kind.ENQUIRY_ANSWER
    assert disclosure.direction == Disclosure.Direction.TO_POLICE
    assert disclosure.disclosed_by == spoc_a and disclosure.disclosed_to == sspo_a
    enquiry_a.refresh_from_db()
    assert enquiry_a.status == "answered"
    note = Notification.objects.filter(recipient=sspo_a).latest("pk")
    assert "Yes." not in note.subject


def test_a_message_from_the_police_is_a_logged_disclosure_to_the_spoc(enquiry_a, spoc_a, sspo_a):
    message = enquiry_reply(enquiry=enquiry_a, by=sspo_a, text="One more thing.")
    disclosure = Disclosure.objects.get(record_code=message.code)
    assert disclosure.kind == Disclosure.Kind.ENQUIRY_MESSAGE
    assert disclosure.direction == Disclosure.Direction.TO_SCHOOL
    assert disclosure.disclosed_by == sspo_a and disclosure.disclosed_to == spoc_a


def test_statuses_follow_the_conversation(enquiry_a, spoc_a, sspo_a):
    assert enquiry_a.status == "open" and enquiry_a.awaiting == "school"
    assert Enquiry.objects.waiting_for("school").filter(pk=enquiry_a.pk).exists()
    enquiry_reply(enquiry=enquiry_a, by=spoc_a, text="Yes.")
    enquiry_reply(enquiry=enquiry_a, by=sspo_a, text="And the week after?")
    enquiry_a.refresh_from_db()
    assert (enquiry_a.status, enquiry_a.awaiting) == ("open", "school")
    enquiry_close(enquiry=enquiry_a, by=sspo_a)
    with pytest.raises(PermissionDenied):
        enquiry_reply(enquiry=enquiry_a, by=spoc_a, text="Late.")
    with pytest.raises(PermissionDenied):
        enquiry_close(enquiry=enquiry_a, by=sspo_a)
    assert enquiry_a.messages.count() == 3


def test_messages_are_never_edited(enquiry_a):
    message = enquiry_a.messages.get()
    assert message.history.count() == 1


def test_no_enquiry_without_an_agreement_in_force(school_a, spoc_a, sspo_a):
    partnership = school_a.partnership
    partnership.status = "suspended"
    partnership.save()
    with pytest.raises(ValidationError):
        enquiry_open(by=spoc_a, school=school_a, about="general", subject="x", text="y")
    assert not EnquiryMessage.objects.exists()


@pytest.mark.parametrize(
    "data, field",
    [
        ({"about": "general", "subject": "", "text": "x"}, "subject"),
        ({"about": "general", "subject": "Patrols", "text": ""}, "text"),
        ({"about": "", "subject": "Patrols", "text": "x"}, "about"),
        ({"about": "concern", "subject": "Patrols", "text": "x"}, "concern"),
        ({"about": "pupil", "subject": "Patrols", "text": "x"}, "pupil"),
    ],
)
def test_bad_enquiry_input_comes_back_with_what_was_typed(
    client, school_a, spoc_a, sspo_a, data, field
):
    client.force_login(spoc_a)
    response = client.post(reverse("enquiry_new"), {"school": school_a.pk, **data})
    assert response.status_code == 400
    assert response.context["form"].errors.get(field)
    assert "There is a problem" in response.content.decode()
    if data["subject"]:
        assert data["subject"] in response.content.decode()
    assert not Enquiry.objects.exists()


def test_an_empty_reply_is_refused(client, enquiry_a, spoc_a):
    client.force_login(spoc_a)
    response = client.post(reverse("enquiry_reply", args=[enquiry_a.code]), {"text": " "})
    assert response.status_code == 400
    assert enquiry_a.messages.count() == 1


def test_an_enquiry_about_a_shared_concern(client, shared_concern_a, sspo_a, school_a):
    client.force_login(sspo_a)
    page = client.get(reverse("enquiry_new") + f"?concern={shared_concern_a.code}")
    assert page.status_code == 200
    response = client.post(
        reverse("enquiry_new"),
        {
            "school": school_a.pk,
            "about": "concern",
            "concern": str(shared_concern_a.code),
            "subject": "Follow-up",
            "text": "Has the pupil been seen?",
        },
    )
    assert response.status_code == 302
    assert Enquiry.objects.get().concern == shared_concern_a


def test_the_sspo_cannot_pick_an_unshared_concern(client, concern_a, sspo_a, school_a):
    client.force_login(sspo_a)
    assert client.get(reverse("enquiry_new") + f"?concern={concern_a.code}").status_code == 404
    response = client.post(
        reverse("enquiry_new"),
        {
            "school": school_a.pk,
            "about": "concern",
            "concern": str(concern_a.code),
            "subject": "Follow-up",
            "text": "?",
        },
    )
    assert response.status_code == 400
    assert not Enquiry.objects.exists()


def test_the_waiting_filter(client, enquiry_a, sspo_a, spoc_a):
    client.force_login(spoc_a)
    assert (
        "Assembly next week" in client.get(reverse("enquiry_list") + "?waiting=1").content.decode()
    )
    client.force_login(sspo_a)
    assert (
        "Assembly next week"
        not in client.get(reverse("enquiry_list") + "?waiting=1").content.decode()
    )
    assert "Assembly next week" in client.get(reverse("enquiry_list")).content.decode()

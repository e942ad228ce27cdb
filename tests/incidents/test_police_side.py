"""The SSPO acknowledges a shared concern, then records what the police did with it."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.urls import reverse

from incidents.models import Concern, ConcernEvent
from incidents.services import (
    ConcernChanged,
    concern_acknowledge,
    concern_record_police_outcome,
)
from ssp.models import AccessLog, Notification

from .test_access import ANON, PEOPLE, who


def snapshot(concern):
    concern.refresh_from_db()
    return (
        concern.status,
        concern.version,
        concern.acknowledged_at,
        concern.police_outcome,
        concern.events.count(),
    )


ACK_ALLOWED = {"sspo_a"}


@pytest.mark.parametrize("person", [*PEOPLE, ANON])
def test_only_the_sspo_the_concern_was_shared_with_may_acknowledge(
    request, client, shared_concern_a, person
):
    user = who(request, person)
    if user:
        client.force_login(user)
    before = snapshot(shared_concern_a)
    response = client.post(reverse("concern_acknowledge", args=[shared_concern_a.code]))
    if user is None:
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    elif person in ACK_ALLOWED:
        assert response.status_code == 302
        shared_concern_a.refresh_from_db()
        assert shared_concern_a.acknowledged_by == user
        return
    elif person in ("spoc_a", "head_a", "staff_a", "sergeant"):
        assert response.status_code == 403  # can read the concern, may not acknowledge
    else:
        assert response.status_code == 404
    assert snapshot(shared_concern_a) == before


@pytest.mark.parametrize("person", [*PEOPLE, ANON])
def test_only_the_sspo_may_record_the_police_outcome(
    request, client, acknowledged_concern_a, person
):
    user = who(request, person)
    if user:
        client.force_login(user)
    before = snapshot(acknowledged_concern_a)
    response = client.post(
        reverse("concern_police_outcome", args=[acknowledged_concern_a.code]),
        {"outcome": "advice", "rationale": "Spoke to the head of year."},
    )
    if user is None:
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    elif person == "sspo_a":
        assert response.status_code == 302
        acknowledged_concern_a.refresh_from_db()
        assert acknowledged_concern_a.police_outcome == "advice"
        return
    elif person in ("spoc_a", "head_a", "staff_a", "sergeant"):
        assert response.status_code == 403
    else:
        assert response.status_code == 404
    assert snapshot(acknowledged_concern_a) == before


def test_an_unshared_concern_cannot_be_acknowledged(client, concern_a, sspo_a):
    client.force_login(sspo_a)
    response = client.post(reverse("concern_acknowledge", args=[concern_a.code]))
    assert response.status_code == 404
    assert snapshot(concern_a)[2] is None


def test_acknowledging_leaves_the_triage_status_and_tells_the_spoc(
    client, shared_concern_a, sspo_a, spoc_a
):
    client.force_login(sspo_a)
    client.post(reverse("concern_acknowledge", args=[shared_concern_a.code]))
    shared_concern_a.refresh_from_db()
    assert shared_concern_a.status == Concern.Status.SHARED
    assert shared_concern_a.events.filter(kind=ConcernEvent.Kind.ACKNOWLEDGED).count() == 1
    note = Notification.objects.filter(recipient=spoc_a).latest("pk")
    assert "acknowledged" in note.subject
    assert "Amelia" not in note.subject and "Ashby" not in note.subject
    assert (
        AccessLog.objects.filter(
            action="acknowledge", object_code=shared_concern_a.code, user=sspo_a
        )
        .exclude(purpose="")
        .exists()
    )


def test_acknowledgement_is_once(client, acknowledged_concern_a, sspo_a):
    client.force_login(sspo_a)
    before = snapshot(acknowledged_concern_a)
    response = client.post(reverse("concern_acknowledge", args=[acknowledged_concern_a.code]))
    assert response.status_code == 302
    assert snapshot(acknowledged_concern_a) == before
    with pytest.raises(ConcernChanged):
        concern_acknowledge(concern=acknowledged_concern_a, by=sspo_a)


@pytest.mark.django_db(transaction=True)
def test_of_two_acknowledgements_at_once_one_wins(shared_concern_a, sspo_a):
    barrier = threading.Barrier(2)
    results = []

    def attempt():
        try:
            barrier.wait()
            concern_acknowledge(concern=shared_concern_a, by=sspo_a)
            results.append("won")
        except ConcernChanged:
            results.append("lost")
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == ["lost", "won"]
    assert shared_concern_a.events.filter(kind="acknowledged").count() == 1


def test_the_outcome_needs_an_acknowledgement_first(shared_concern_a, sspo_a):
    with pytest.raises(ValidationError):
        concern_record_police_outcome(
            concern=shared_concern_a, by=sspo_a, outcome="advice", rationale=""
        )
    assert snapshot(shared_concern_a)[3] == ""


def test_the_outcome_is_recorded_once(acknowledged_concern_a, sspo_a):
    concern_record_police_outcome(
        concern=acknowledged_concern_a, by=sspo_a, outcome="referral", rationale=""
    )
    with pytest.raises(ValidationError):
        concern_record_police_outcome(
            concern=acknowledged_concern_a, by=sspo_a, outcome="advice", rationale="x"
        )
    acknowledged_concern_a.refresh_from_db()
    assert acknowledged_concern_a.police_outcome == "referral"


@pytest.mark.parametrize(
    "data, field",
    [
        ({"outcome": "no_action", "rationale": "  "}, "rationale"),
        ({"outcome": "", "rationale": "x"}, "outcome"),
        ({"outcome": "arrest", "rationale": "x"}, "outcome"),
        ({"outcome": "incident", "rationale": ""}, "outcome"),  # no incident made yet
    ],
)
def test_bad_outcome_input_comes_back_with_a_message_and_what_was_typed(
    client, acknowledged_concern_a, sspo_a, data, field
):
    client.force_login(sspo_a)
    before = snapshot(acknowledged_concern_a)
    response = client.post(
        reverse("concern_police_outcome", args=[acknowledged_concern_a.code]), data
    )
    assert response.status_code == 400
    assert response.context["outcome_form"].errors.get(field)
    assert "There is a problem" in response.content.decode()
    if data["rationale"].strip():
        assert data["rationale"] in response.content.decode()
    assert snapshot(acknowledged_concern_a) == before


def test_the_spoc_sees_the_police_steps_and_the_reporter_does_not(
    client, acknowledged_concern_a, sspo_a, spoc_a, staff_a
):
    concern_record_police_outcome(
        concern=acknowledged_concern_a,
        by=sspo_a,
        outcome="no_action",
        rationale="No offence disclosed.",
    )
    client.force_login(spoc_a)
    page = client.get(reverse("concern_detail", args=[acknowledged_concern_a.code])).content
    assert b"Acknowledged by the SSPO" in page and b"No offence disclosed." in page
    client.force_login(staff_a)
    page = client.get(reverse("concern_detail", args=[acknowledged_concern_a.code])).content
    assert b"No offence disclosed." not in page


def test_the_sspo_sees_the_right_links_at_each_step(client, shared_concern_a, sspo_a):
    client.force_login(sspo_a)
    url = reverse("concern_detail", args=[shared_concern_a.code])
    context = client.get(url).context
    assert context["can_acknowledge"] and not context["can_record_outcome"]
    assert not context["can_create_incident"] and context["can_open_enquiry"]
    concern_acknowledge(concern=shared_concern_a, by=sspo_a)
    context = client.get(url).context
    assert not context["can_acknowledge"] and context["can_record_outcome"]
    assert context["can_create_incident"]


@pytest.mark.parametrize("person", ["staff_a", "head_a", "sergeant", "spoc_a"])
def test_school_people_and_the_sergeant_get_no_police_actions(
    request, client, shared_concern_a, person
):
    client.force_login(request.getfixturevalue(person))
    context = client.get(reverse("concern_detail", args=[shared_concern_a.code])).context
    assert not context["can_acknowledge"]
    assert not context["can_record_outcome"]
    assert not context["can_create_incident"]
    assert context["can_open_enquiry"] == (person == "spoc_a")

"""A concern posted twice from the same rendered form is saved once (issue 14, item 1)."""

import threading
import uuid
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from incidents.models import Concern
from ssp.models import Notification, Submission
from ssp.submissions import submissions_sweep
from tests.submissions import form_token

from .test_logging import base_form

NEW = reverse("concern_new")
EARLY = reverse("early_intervention_new")


def concern_form(pupil, token, **overrides):
    return base_form(pupils=[str(pupil.code)], **{f"role_{pupil.code}": "victim"}) | (
        {"once": token} | overrides
    )


def test_the_form_carries_a_new_token_each_time_it_is_rendered(client, staff_a):
    client.force_login(staff_a)
    first, second = form_token(client.get(NEW)), form_token(client.get(NEW))
    assert uuid.UUID(first) != uuid.UUID(second)


def test_the_token_stays_the_same_while_pupils_are_found_and_added(client, staff_a, pupil_a):
    client.force_login(staff_a)
    token = form_token(client.get(NEW))
    found = client.post(NEW, {"once": token, "search": "1", "pupil_query": "Ashby"})
    assert form_token(found) == token
    added = client.post(NEW, {"once": token, "add": str(pupil_a.code)})
    assert form_token(added) == token


def test_the_log_button_stops_a_double_click_in_the_browser(client, staff_a):
    client.force_login(staff_a)
    html = client.get(NEW).content.decode()
    assert 'name="submit" value="1" class="govuk-button" data-module="govuk-button" ' in html
    assert 'data-prevent-double-click="true">Log concern</button>' in html


def test_the_same_form_posted_twice_makes_one_concern_and_one_alert(
    client, staff_a, spoc_a, pupil_a
):
    client.force_login(staff_a)
    token = form_token(client.get(NEW))
    first = client.post(NEW, concern_form(pupil_a, token))
    alerts = Notification.objects.count()
    second = client.post(NEW, concern_form(pupil_a, token))
    concern = Concern.objects.get()
    receipt = reverse("concern_detail", args=[concern.code])
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"] == receipt
    assert Notification.objects.count() == alerts
    assert Notification.objects.filter(recipient=spoc_a).count() == 1
    assert concern.events.count() == 1
    page = client.get(second["Location"]).content.decode()
    assert concern.reference in page and "There is a problem" not in page


def test_an_early_intervention_posted_twice_is_saved_once(client, staff_a, spoc_a, pupil_a):
    client.force_login(staff_a)
    token = form_token(client.get(EARLY))
    data = {
        "once": token,
        "narrative": "Quieter than usual, missing lunch.",
        "pupils": [str(pupil_a.code)],
        f"role_{pupil_a.code}": "other",
        "submit": "1",
    }
    first, second = client.post(EARLY, data), client.post(EARLY, data)
    concern = Concern.objects.get()
    assert concern.kind == Concern.Kind.EARLY_INTERVENTION
    assert first["Location"] == second["Location"]
    assert Notification.objects.filter(recipient=spoc_a).count() == 1


def test_two_forms_make_two_concerns(client, staff_a, pupil_a):
    client.force_login(staff_a)
    for _ in range(2):
        client.post(NEW, concern_form(pupil_a, form_token(client.get(NEW))))
    assert Concern.objects.count() == 2


def test_a_post_without_a_token_still_creates(client, staff_a, pupil_a):
    # A page rendered before tokens existed, or a mangled token: the concern is never lost.
    client.force_login(staff_a)
    client.post(NEW, concern_form(pupil_a, ""))
    client.post(NEW, concern_form(pupil_a, "not-a-token"))
    assert Concern.objects.count() == 2


def test_an_unknown_token_creates_normally(client, staff_a, spoc_a, pupil_a):
    client.force_login(staff_a)
    response = client.post(NEW, concern_form(pupil_a, str(uuid.uuid4())))
    concern = Concern.objects.get()
    assert response["Location"] == reverse("concern_detail", args=[concern.code])
    assert Notification.objects.filter(recipient=spoc_a).count() == 1


def test_a_token_swept_as_expired_creates_normally(client, staff_a, pupil_a):
    client.force_login(staff_a)
    token = form_token(client.get(NEW))
    client.post(NEW, concern_form(pupil_a, token))
    Submission.objects.filter(token=token).update(created_at=timezone.now() - timedelta(days=2))
    assert submissions_sweep() == 1
    client.post(NEW, concern_form(pupil_a, token))
    assert Concern.objects.count() == 2


def test_the_sweep_keeps_recent_tokens(client, staff_a, pupil_a):
    client.force_login(staff_a)
    token = form_token(client.get(NEW))
    client.post(NEW, concern_form(pupil_a, token))
    assert submissions_sweep() == 0
    client.post(NEW, concern_form(pupil_a, token))
    assert Concern.objects.count() == 1


def test_another_persons_token_makes_their_own_concern_and_shows_nothing_of_the_first(
    client, staff_a, staff_a2, pupil_a
):
    # The token is honoured only for the person who posted it first. Anyone else's post is
    # a new form of their own: saved (a report is never lost), and the first record never
    # reached through it (no redirect to it, no 404 telling them the token was used).
    client.force_login(staff_a)
    token = form_token(client.get(NEW))
    client.post(NEW, concern_form(pupil_a, token))
    first = Concern.objects.get()
    client.force_login(staff_a2)
    response = client.post(NEW, concern_form(pupil_a, token, narrative="Seen at the gate."))
    theirs = Concern.objects.exclude(pk=first.pk).get()
    assert theirs.reported_by == staff_a2 and theirs.narrative == "Seen at the gate."
    assert response["Location"] == reverse("concern_detail", args=[theirs.code])
    assert client.get(reverse("concern_detail", args=[first.code])).status_code == 404


def test_a_refused_create_leaves_the_token_free_for_the_corrected_one(
    staff_a, pupil_a, school_a, school_b
):
    from django.core.exceptions import ValidationError

    from incidents.services import Involvement, concern_log
    from tests.factories import PupilFactory

    token = uuid.uuid4()
    facts = {
        "by": staff_a,
        "school": school_a,
        "kind": Concern.Kind.CONCERN,
        "category": "bullying",
        "narrative": "Pushed.",
        "happened_at": timezone.now() - timedelta(hours=1),
        "location": Concern.Location.IN_SCHOOL,
        "immediate_risk": False,
        "once": token,
    }
    elsewhere = PupilFactory(school=school_b)
    with pytest.raises(ValidationError):
        concern_log(involved=[Involvement(elsewhere, "victim")], **facts)
    assert not Submission.objects.exists()
    concern = concern_log(involved=[Involvement(pupil_a, "victim")], **facts)
    again = concern_log(involved=[Involvement(pupil_a, "victim")], **facts)
    assert again == concern and Concern.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_posts_of_the_same_form_make_one_concern(staff_a, spoc_a, pupil_a):
    rounds = 4
    for _ in range(rounds):
        clients = [Client(), Client()]
        for c in clients:
            c.force_login(staff_a)
        token = form_token(clients[0].get(NEW))
        barrier = threading.Barrier(2)
        locations = []

        def post(c, token=token, barrier=barrier, locations=locations):
            try:
                barrier.wait()
                locations.append(c.post(NEW, concern_form(pupil_a, token))["Location"])
            finally:
                connection.close()

        threads = [threading.Thread(target=post, args=(c,)) for c in clients]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert len(locations) == 2 and locations[0] == locations[1]
    assert Concern.objects.count() == rounds
    assert Notification.objects.filter(recipient=spoc_a).count() == rounds

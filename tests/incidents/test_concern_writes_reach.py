"""The police writes on a shared concern ask again, under the concern's lock, whether the person
still reaches it (ssp.access.lock_visible_or_404), then whether they may act (ACCESS.md):

- the school's DSA is revoked, or the officer's assignment ends, after the page's gate let them
  in and before the write: the concern has left their reach, so 404, and nothing changes;
- in reach but not allowed (the sergeant reads shared concerns, read only): 403, nothing
  changes.

Each write: a correction note, acknowledging, the police outcome, and an incident recorded
from the concern.
"""

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from incidents import access
from incidents.models import Concern, ConcernEvent, CorrectionNote, Incident, PoliceOutcome
from incidents.services import (
    IncidentFacts,
    concern_acknowledge,
    concern_add_note,
    concern_record_police_outcome,
    incident_record,
)
from schools.models import Assignment, today
from ssp.models import Notification
from tests.after_the_gate import after_the_gate
from tests.factories import revoke_dsa


def end_assignments(officer_user):
    for assignment in Assignment.objects.filter(officer=officer_user.officer):
        assignment.ends_on = today() - datetime.timedelta(days=1)
        assignment.save()


# How a concern leaves the officer's reach between the page and the write.
LEAVES_REACH = {
    "dsa revoked": lambda school, officer: revoke_dsa(school.partnership),
    "assignment ended": lambda school, officer: end_assignments(officer),
}


def snapshot(concern: Concern) -> tuple:
    """What a refused write must leave as it was."""
    concern.refresh_from_db()
    return (
        concern.version,
        concern.acknowledged_at,
        concern.police_outcome,
        CorrectionNote.objects.count(),
        ConcernEvent.objects.filter(concern=concern).count(),
        Incident.objects.count(),
        Notification.objects.count(),
    )


def _note(client, concern):
    return client.post(reverse("concern_note", args=[concern.code]), {"text": "Seen again."})


def _acknowledge(client, concern):
    return client.post(reverse("concern_acknowledge", args=[concern.code]))


def _outcome(client, concern):
    return client.post(
        reverse("concern_police_outcome", args=[concern.code]),
        {"outcome": PoliceOutcome.ADVICE, "rationale": "Advised the school."},
    )


def _incident(client, concern):
    return client.post(
        reverse("incident_new"),
        {
            "concern": str(concern.code),
            "school": concern.school_id,
            "category": "drugs",
            "narrative": "Found cannabis in a locker.",
            "happened_on_0": "1",
            "happened_on_1": "10",
            "happened_on_2": "2026",
            "happened_time": "10:30",
            "location": "in_school",
            "place": "Lockers by the library",
            "drugs_description": "Cannabis resin",
            "drugs_quantity": "2 g",
        },
    )


# (the post, the concern it needs: shared, or shared and acknowledged)
POSTS = {
    "note": (_note, "shared_concern_a"),
    "acknowledge": (_acknowledge, "shared_concern_a"),
    "police outcome": (_outcome, "acknowledged_concern_a"),
    "incident from the concern": (_incident, "acknowledged_concern_a"),
}


# Every write, with each way out of reach; but an ended assignment takes the school out of
# the incident form's choices, which refuses it (400) before any write is tried.
RACES = [
    (write, change)
    for write in POSTS
    for change in LEAVES_REACH
    if (write, change) != ("incident from the concern", "assignment ended")
]


@pytest.mark.parametrize("write, change", RACES)
def test_a_concern_that_left_the_officers_reach_after_the_gate_answers_404(
    request, client, monkeypatch, sspo_a, school_a, write, change
):
    post, fixture = POSTS[write]
    concern = request.getfixturevalue(fixture)
    client.force_login(sspo_a)
    seen = []

    def leaves_reach():
        LEAVES_REACH[change](school_a, sspo_a)
        seen.append(snapshot(concern))  # as the write found it

    after_the_gate(monkeypatch, access, leaves_reach)
    assert post(client, concern).status_code == 404
    assert seen and snapshot(concern) == seen[0]


@pytest.mark.parametrize("write", POSTS)
def test_the_officer_still_in_reach_makes_the_same_post(request, client, sspo_a, write):
    """The other half of the case above: the same post, nothing changed after the gate."""
    post, fixture = POSTS[write]
    concern = request.getfixturevalue(fixture)
    before = snapshot(concern)
    client.force_login(sspo_a)
    assert post(client, concern).status_code == 302
    assert snapshot(concern) != before


@pytest.mark.parametrize("write", POSTS)
def test_the_sergeant_reads_the_concern_but_may_not_write_403(request, client, sergeant, write):
    post, fixture = POSTS[write]
    concern = request.getfixturevalue(fixture)
    before = snapshot(concern)
    client.force_login(sergeant)
    assert client.get(reverse("concern_detail", args=[concern.code])).status_code == 200
    assert post(client, concern).status_code == 403
    assert snapshot(concern) == before


# The services themselves, whatever the view did.


def _services(by, concern):
    return {
        "note": lambda: concern_add_note(concern=concern, by=by, text="Seen again."),
        "acknowledge": lambda: concern_acknowledge(concern=concern, by=by),
        "police outcome": lambda: concern_record_police_outcome(
            concern=concern, by=by, outcome=PoliceOutcome.ADVICE, rationale="Advised."
        ),
        "incident from the concern": lambda: incident_record(
            by=by,
            school=concern.school,
            category="drugs",
            narrative="Found cannabis in a locker.",
            location="in_school",
            place="Lockers",
            happened_at=timezone.now() - datetime.timedelta(hours=1),
            involved=[],
            facts=IncidentFacts(drugs_description="Resin"),
            concern=concern,
        ),
    }


@pytest.mark.parametrize("write", POSTS)
def test_the_service_answers_404_once_the_dsa_is_revoked(request, sspo_a, school_a, write):
    concern = request.getfixturevalue(POSTS[write][1])
    before = snapshot(concern)
    revoke_dsa(school_a.partnership)
    with pytest.raises(Http404):
        _services(sspo_a, concern)[write]()
    assert snapshot(concern) == before


@pytest.mark.parametrize("write", POSTS)
def test_the_service_refuses_the_sergeant_403(request, sergeant, write):
    concern = request.getfixturevalue(POSTS[write][1])
    before = snapshot(concern)
    with pytest.raises(PermissionDenied):
        _services(sergeant, concern)[write]()
    assert snapshot(concern) == before

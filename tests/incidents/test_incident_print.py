"""The officer's printable record reads as words, not the export's keys; and printing or
exporting again within the step-up window asks nothing more (issue 11, item 8)."""

import datetime
import re

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from tests.factories import step_up

# The JSON export's (ssp-portal/incident/v1) code names, nested ones too.
KEYS = [
    "incident_id",
    "portal_reference",
    "police_reference",
    "occurred_at",
    "recorded_at",
    "school_name",
    "school_urn",
    "item_kind",
    "item_seized",
    "item_handed_to",
    "person_id",
    "first_name",
    "date_of_birth",
    "year_group",
    "recorded_by",
    "collar_number",
    "source_concern_id",
]


def printed(client, incident) -> str:
    response = client.get(reverse("incident_export_print", args=[incident.code]))
    assert response.status_code == 200
    return response.content.decode()


def test_the_printable_record_shows_labels_not_the_exports_keys(
    client, incident_a, sspo_a, pupil_a
):
    client.force_login(sspo_a)
    step_up(client)
    page = printed(client, incident_a)
    main = page[page.index("<main") :]
    for key in KEYS:
        assert key not in main, key
    for label in ("Police reference", "When it happened", "When it was recorded", "Where"):
        assert f">{label}</dt>" in main
    assert ">Kind of item</dt>" in main and "Kitchen knife" in main
    assert ">Item seized</dt>" in main and re.search(r">Yes</dd>", main)
    assert ">Handed over to</dt>" in main
    assert ">Open</dd>" in main  # the status in words, not "open"
    assert f"born {pupil_a.date_of_birth:%-d %B %Y}" in main
    assert f"{pupil_a.get_year_group_display()}: suspect" in main
    assert incident_a.happened_at.isoformat() not in main


def test_the_json_export_keeps_its_keys(client, incident_a, sspo_a):
    client.force_login(sspo_a)
    step_up(client)
    body = client.get(reverse("incident_export_json", args=[incident_a.code])).content.decode()
    assert '"incident_id"' in body and '"occurred_at"' in body


def asked_to_step_up(response) -> bool:
    return response.status_code == 302 and "reauthenticate" in response["Location"]


@pytest.mark.parametrize("minutes, asked", [(9, False), (11, True)])
def test_printing_again_within_the_window_asks_nothing_more(
    client, make_incident, school_a, pupil_a, sspo_a, minutes, asked
):
    first = make_incident(school=school_a, pupils=[pupil_a])
    second = make_incident(school=school_a, pupils=[pupil_a], category="drugs")
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        client.force_login(sspo_a)
        assert asked_to_step_up(client.get(reverse("incident_export_print", args=[first.code])))
        step_up(client)
        printed(client, first)
    with time_machine.travel(start + datetime.timedelta(minutes=minutes), tick=False):
        response = client.get(reverse("incident_export_print", args=[second.code]))
        assert asked_to_step_up(response) is asked
        response = client.get(reverse("pupil_chronology_pdf", args=[pupil_a.code]))
        assert asked_to_step_up(response) is asked
        if not asked:
            assert response["Content-Type"] == "application/pdf"

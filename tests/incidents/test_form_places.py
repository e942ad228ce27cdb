"""The concern and incident forms on a phone (issue 11, item 7): a fact needed for some
categories is not called optional, each problem is listed once, a pupil search or Add comes
back at the pupils with the changed part focused, and the incident form judges and keeps the
chosen category's facts only."""

import re

import pytest
from django.urls import reverse

from incidents.models import Concern, Incident

from .test_incident_records import _post_incident
from .test_logging import base_form

NEW = reverse("concern_new")


def summary_items(body):
    summary = body.split('govuk-error-summary__list"', 1)[1].split("</ul>", 1)[0]
    return [
        re.sub(r"<[^>]+>", "", item).strip() for item in re.findall(r"<li>(.*?)</li>", summary)
    ]


@pytest.mark.django_db
def test_the_image_facts_are_not_called_optional_but_attachments_are(client, staff_a):
    client.force_login(staff_a)
    body = client.get(NEW).content.decode()
    assert "Where is the device now?</label>" in body
    assert "Who has been told?</label>" in body
    assert "(do not copy, save or forward them)</label>" in body
    assert "Attachments (optional)" in body


@pytest.mark.django_db
def test_a_concern_about_images_lists_each_missing_fact_once(client, staff_a, pupil_a):
    client.force_login(staff_a)
    data = base_form(
        category="indecent_images",
        pupils=[str(pupil_a.code)],
        **{f"role_{pupil_a.code}": "victim"},
    )
    body = client.post(NEW, data).content.decode()
    items = summary_items(body)
    assert items == [
        "Describe the images, without copying, saving or forwarding them",
        "Say where the device is now",
        "Say who has been told about the images",
    ]
    assert not Concern.objects.exists()


@pytest.mark.django_db
def test_the_pupil_buttons_come_back_to_the_pupils_and_the_form_does_not(client, staff_a):
    client.force_login(staff_a)
    body = client.get(NEW).content.decode()
    assert body.count('data-updates="pupils"') == 2  # Enter's hidden search, and Search
    assert f'action="{NEW}"' in body  # the final post never carries a fragment along
    assert 'id="pupils"' in body


@pytest.mark.django_db
def test_a_search_focuses_the_first_pupil_found(client, staff_a, pupil_a, pupil_a2):
    client.force_login(staff_a)
    body = client.post(NEW, {"search": "1", "pupil_query": "Ashby"}).content.decode()
    adds = re.findall(r'<button type="submit" name="add"[^>]*>', body)
    assert len(adds) == 2
    assert all('data-updates="pupils"' in button for button in adds)
    assert "autofocus" in adds[0] and "autofocus" not in adds[1]
    assert body.count("autofocus") == 1


@pytest.mark.django_db
def test_a_search_that_finds_nobody_focuses_the_search_box(client, staff_a, pupil_a):
    client.force_login(staff_a)
    body = client.post(NEW, {"search": "1", "pupil_query": "Nobody"}).content.decode()
    assert re.search(r'<input[^>]*id="pupil_query"[^>]*autofocus', body)
    assert body.count("autofocus") == 1


@pytest.mark.django_db
def test_adding_a_pupil_focuses_their_role(client, staff_a, pupil_a, pupil_a2):
    client.force_login(staff_a)
    body = client.post(
        NEW, {"add": str(pupil_a2.code), "pupils": [str(pupil_a.code)], "narrative": "Kept"}
    ).content.decode()
    assert re.search(rf'<select[^>]*id="role_{pupil_a2.code}"[^>]*autofocus', body)
    assert body.count("autofocus") == 1
    assert "Kept" in body  # what was typed stays
    removed = client.post(
        NEW, {"remove": str(pupil_a2.code), "pupils": [str(pupil_a.code), str(pupil_a2.code)]}
    ).content.decode()
    assert re.search(r'<input[^>]*id="pupil_query"[^>]*autofocus', removed)


@pytest.mark.django_db
def test_the_incident_form_groups_the_facts_under_their_category(client, sspo_a):
    client.force_login(sspo_a)
    body = client.get(reverse("incident_new")).content.decode()
    for heading in ("Weapons and blades", "Drugs", "Serious visible injuries", "Images"):
        assert f'<h3 class="govuk-heading-s">{heading}</h3>' in body
    assert 'data-shown-when="id_category:blades,weapons" data-facts="weapons"' in body
    assert 'data-shown-when="id_category:drugs" data-facts="drugs"' in body
    assert "Kind of item</label>" in body  # needed for weapons: not "(optional)"
    assert "Handed over to (optional)</label>" in body
    assert body.count('data-updates="pupils"') == 2


@pytest.mark.django_db
def test_another_categorys_facts_are_neither_judged_nor_kept(client, sspo_a, school_a):
    client.force_login(sspo_a)
    response = _post_incident(
        client,
        school_a,
        item_kind="x" * 500,  # too long for a weapon's kind, but this is about drugs
        device_status="not a status",
        injury_nature="Bruises",
    )
    assert response.status_code == 302, response.context["form"].errors
    incident = Incident.objects.get()
    assert incident.drugs_description == "Cannabis resin"
    assert (incident.item_kind, incident.device_status, incident.injury_nature) == ("", "", "")


@pytest.mark.django_db
def test_the_chosen_categorys_facts_are_still_judged(client, sspo_a, school_a):
    client.force_login(sspo_a)
    response = _post_incident(client, school_a, category="weapons", item_kind="x" * 500)
    assert response.status_code == 400
    assert response.context["form"].errors["item_kind"]
    assert response.context["form"].errors["item_seized"]
    assert not Incident.objects.exists()

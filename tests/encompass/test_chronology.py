"""A notification matched to a pupil joins the pupil's chronology, on the school side only."""

import pytest
from django.urls import reverse

from encompass import services
from tests.encompass.test_notifications import details
from tests.factories import PupilFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def matched(sergeant, sspo_a, school_a, spoc_a, make_concern, staff_a):
    amelia = PupilFactory(
        school=school_a,
        first_name="Amelia",
        last_name="Ashby",
        date_of_birth=details()["child_date_of_birth"],
    )
    # A concern shared with the police, so the police reach Amelia's chronology at all.
    from incidents.services import concern_triage

    shared = make_concern(
        school=school_a, reported_by=staff_a, pupils=[amelia], category="weapons"
    )
    concern_triage(
        concern=shared, by=spoc_a, decision="shared", rationale="Weapon.", seen_version=1
    )
    notification, _ = services.receive(
        school=school_a, details=details(police_reference="DA/CHRONO/1"), sender=sergeant
    )
    assert notification.pupil == amelia
    return amelia, notification


def chronology(client, user, pupil):
    client.force_login(user)
    return client.get(reverse("pupil_chronology", args=[pupil.code]))


@pytest.mark.parametrize("who", ["spoc_a", "deputy_a", "head_a"])
def test_the_schools_leads_see_it_in_the_chronology(request, client, matched, who):
    pupil, notification = matched
    body = chronology(client, request.getfixturevalue(who), pupil).content.decode()
    assert "Operation Encompass notification" in body
    assert "DA/CHRONO/1" in body
    assert reverse("encompass:detail", args=[notification.code]) in body


def test_acknowledgement_shows_on_the_entry(client, matched, spoc_a):
    pupil, notification = matched
    services.acknowledge(user=spoc_a, notification=notification, support_plan="Check-in")
    body = chronology(client, spoc_a, pupil).content.decode()
    assert "Acknowledged" in body
    assert "Check-in" not in body  # the plan is on the notification's own page


@pytest.mark.parametrize("who", ["staff_a", "sspo_a", "sergeant"])
def test_staff_and_police_never_see_it(request, client, matched, who):
    pupil, _ = matched
    response = chronology(client, request.getfixturevalue(who), pupil)
    assert response.status_code == 200  # they reach the chronology through the concern
    assert "Operation Encompass" not in response.content.decode()
    assert "DA/CHRONO/1" not in response.content.decode()


def test_the_police_do_not_reach_a_pupil_through_a_notification_alone(
    client, sergeant, sspo_a, school_a, spoc_a
):
    amelia = PupilFactory(
        school=school_a,
        first_name="Amelia",
        last_name="Ashby",
        date_of_birth=details()["child_date_of_birth"],
    )
    services.receive(school=school_a, details=details(), sender=sergeant)
    for person in (sergeant, sspo_a):
        assert chronology(client, person, amelia).status_code == 404
    assert chronology(client, spoc_a, amelia).status_code == 200


def test_an_unmatched_notification_is_in_no_chronology(client, sergeant, sspo_a, school_a, spoc_a):
    one, two = (
        PupilFactory(
            school=school_a,
            first_name="Sam",
            last_name="Lee",
            date_of_birth=details()["child_date_of_birth"],
        )
        for _ in range(2)
    )
    notification, _ = services.receive(
        school=school_a,
        details=details(child_first_name="Sam", child_last_name="Lee"),
        sender=sergeant,
    )
    assert notification.pupil is None
    assert "Operation Encompass" not in chronology(client, spoc_a, one).content.decode()
    services.match_pupil(user=spoc_a, notification=notification, pupil=two)
    assert "Operation Encompass" in chronology(client, spoc_a, two).content.decode()
    assert "Operation Encompass" not in chronology(client, spoc_a, one).content.decode()


def test_the_notification_links_the_key_adult_to_the_pupils_chronology(client, matched, spoc_a):
    pupil, notification = matched
    client.force_login(spoc_a)
    body = client.get(reverse("encompass:detail", args=[notification.code])).content.decode()
    link = reverse("pupil_chronology", args=[pupil.code])
    assert f'href="{link}"' in body
    assert "DA/CHRONO/1" in client.get(link).content.decode()


def test_the_sergeants_receipt_names_no_pupil(client, matched, sergeant):
    pupil, notification = matched
    client.force_login(sergeant)
    body = client.get(reverse("encompass:detail", args=[notification.code])).content.decode()
    assert reverse("pupil_chronology", args=[pupil.code]) not in body
    assert pupil.last_name not in body

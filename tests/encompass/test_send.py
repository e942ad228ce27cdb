"""The force's Encompass team sends from a form: the same intake as the force's client, bad
input answered next to the field with nothing typed lost, a double click saving once; the
sergeant then reads receipts, never the school's plan."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from encompass import services
from encompass.models import Notification
from ssp.models import Notification as PortalNotification
from tests.factories import PupilFactory
from tests.submissions import assert_posted_twice_saves_once, form_token

pytestmark = pytest.mark.django_db
SEND = reverse("encompass:send")


def form_data(school, **over):
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    data = {
        "school": school.pk,
        "child_first_name": "Amelia",
        "child_last_name": "Ashby",
        "child_date_of_birth_0": "2",
        "child_date_of_birth_1": "4",
        "child_date_of_birth_2": "2013",
        "police_reference": "DA/2026/0042",
        "incident_on_0": str(yesterday.day),
        "incident_on_1": str(yesterday.month),
        "incident_on_2": str(yesterday.year),
        "incident_time": "21:30",
        "incident_location": "Home address",
        "child_presence": "present",
        "child_whereabouts": "Upstairs bedroom",
        "voice_of_child": "Said they were scared.",
        "circumstances": "Argument between adults; one arrested.",
        "other_information": "Younger sibling at the primary school.",
    }
    data.update(over)
    return data


@pytest.fixture
def team_sergeant(sergeant, sspo_a):
    return sergeant  # the team serves school A through its SSPO


def test_the_sergeant_sends_and_the_key_adult_is_told(client, team_sergeant, school_a, spoc_a):
    PupilFactory(
        school=school_a, first_name="Amelia", last_name="Ashby", date_of_birth=dt.date(2013, 4, 2)
    )
    client.force_login(team_sergeant)
    page = client.get(SEND)
    assert page.status_code == 200
    response = client.post(SEND, form_data(school_a) | {"once": form_token(page)})
    notification = Notification.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("encompass:detail", args=[notification.code])
    assert notification.sent_by == team_sergeant and notification.sent_by_client is None
    assert notification.school == school_a and notification.pupil is not None
    assert notification.child_presence == "present"
    assert notification.other_information == "Younger sibling at the primary school."
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    assert timezone.localtime(notification.incident_at).date() == yesterday
    assert timezone.localtime(notification.incident_at).time() == dt.time(21, 30)
    assert notification.deadline > notification.received_at
    told = PortalNotification.objects.get(recipient=spoc_a)
    assert "Amelia" not in told.subject


def test_a_double_click_sends_once(client, team_sergeant, school_a, spoc_a):
    client.force_login(team_sergeant)
    assert_posted_twice_saves_once(
        client, page=SEND, post=SEND, data=form_data(school_a), model=Notification
    )


@pytest.mark.parametrize(
    "change, field, message",
    [
        ({"child_date_of_birth_2": str(timezone.localdate().year + 1)}, "child_date_of_birth",
         "must be today or in the past"),
        ({"circumstances": ""}, "circumstances", "Describe the circumstances"),
        ({"incident_time": "25:99"}, "incident_time", "hours and minutes"),
        ({"child_presence": ""}, "child_presence", "Say whether the child was present"),
        ({"police_reference": ""}, "police_reference", "Enter the police reference"),
    ],
)  # fmt: skip
def test_bad_input_is_told_next_to_the_field_and_nothing_typed_is_lost(
    client, team_sergeant, school_a, change, field, message
):
    client.force_login(team_sergeant)
    response = client.post(SEND, form_data(school_a, **change))
    assert response.status_code == 400
    assert message in str(response.context["form"].errors[field])
    body = response.content.decode()
    assert f'href="#id_{field}' in body  # the error summary leads to the field
    assert "Argument between adults; one arrested." in body or field == "circumstances"
    assert 'value="DA/2026/0042"' in body or field == "police_reference"
    assert "Said they were scared." in body
    assert not Notification.objects.exists()


def test_an_incident_in_the_future_is_refused(client, team_sergeant, school_a):
    client.force_login(team_sergeant)
    today = timezone.localdate()
    later = (timezone.localtime() + dt.timedelta(hours=1)).strftime("%H:%M")
    if later < timezone.localtime().strftime("%H:%M"):  # an hour from now is tomorrow
        later = "23:59"
    response = client.post(
        SEND,
        form_data(
            school_a,
            incident_on_0=str(today.day),
            incident_on_1=str(today.month),
            incident_on_2=str(today.year),
            incident_time=later,
        ),
    )
    assert response.status_code == 400
    assert "cannot be in the future" in str(response.context["form"].errors["incident_time"])
    assert not Notification.objects.exists()


def test_a_school_outside_the_team_is_not_a_choice(client, team_sergeant, school_a, school_c):
    client.force_login(team_sergeant)
    page = client.get(SEND).content.decode()
    assert school_a.name in page and school_c.name not in page
    response = client.post(SEND, form_data(school_c))
    assert response.status_code == 400
    assert "school" in response.context["form"].errors
    assert not Notification.objects.exists()


@pytest.mark.parametrize("who", ["spoc_a", "head_a", "staff_a", "sspo_a", "yet_officer"])
def test_nobody_but_the_sergeant_sends(request, client, school_a, sspo_a, who):
    client.force_login(request.getfixturevalue(who))
    assert client.get(SEND).status_code == 403
    assert client.post(SEND, form_data(school_a)).status_code == 403
    assert not Notification.objects.exists()


def test_the_send_service_refuses_a_school_outside_the_team(team_sergeant, school_c):
    from django.core.exceptions import PermissionDenied

    from tests.encompass.test_notifications import details

    with pytest.raises(PermissionDenied):
        services.send(by=team_sergeant, school=school_c, details=details())
    assert not Notification.objects.exists()


def test_the_sergeant_reads_receipts_never_the_plan_nor_the_child(
    client, team_sergeant, school_a, spoc_a, other_sergeant
):
    client.force_login(team_sergeant)
    client.post(SEND, form_data(school_a))
    notification = Notification.objects.get()
    services.acknowledge(
        user=spoc_a, notification=notification, support_plan="Quiet check-in with the form tutor"
    )
    listing = client.get(reverse("encompass:list")).content.decode()
    detail = client.get(reverse("encompass:detail", args=[notification.code])).content.decode()
    for body in (listing, detail):
        assert "DA/2026/0042" in body
        assert spoc_a.get_full_name() in body  # acknowledged by whom
        assert "Quiet check-in" not in body
        assert "Amelia" not in body
    assert "Acknowledged" in listing
    # Another team's sergeant does not reach it.
    client.force_login(other_sergeant)
    assert "DA/2026/0042" not in client.get(reverse("encompass:list")).content.decode()
    assert client.get(reverse("encompass:detail", args=[notification.code])).status_code == 404


def test_the_sergeants_home_leads_to_the_form_and_the_receipts(client, team_sergeant):
    client.force_login(team_sergeant)
    body = client.get(reverse("home")).content.decode()
    assert f'href="{SEND}"' in body
    assert f'href="{reverse("encompass:list")}"' in body

"""An activity or a session request posted twice from one rendered form is saved once."""

import datetime

from django.urls import reverse
from django.utils import timezone

from schools.models import Activity, SessionRequest
from tests.submissions import assert_posted_twice_saves_once, form_token


def test_an_activity_posted_twice_is_recorded_once(client, sspo_a, school_a):
    client.force_login(sspo_a)
    on = timezone.localdate() - datetime.timedelta(days=2)
    url = reverse("activity_new") + "?kind=assembly"
    data = {
        "school": str(school_a.code),
        "on_0": on.day,
        "on_1": on.month,
        "on_2": on.year,
        "starts_at": "09:00",
        "ends_at": "09:30",
        "theme": "Hate crime",
        "year_groups": ["9"],
        "pupils_count": "200",
        "notes": "",
    }
    assert_posted_twice_saves_once(client, page=url, post=url, data=data, model=Activity)


def test_a_session_request_posted_twice_is_sent_once(client, spoc_a, sspo_a):
    client.force_login(spoc_a)
    url = reverse("session_request_new")
    data = {
        "topic": "Online safety",
        "year_groups": ["7", "8"],
        "preferred_dates": "Any Monday in March",
        "notes": "",
    }
    assert_posted_twice_saves_once(client, page=url, post=url, data=data, model=SessionRequest)


def test_an_invitation_posted_twice_is_made_and_e_mailed_once(client, head_a, school_a):
    from django.core import mail

    from schools.models import Invitation

    client.force_login(head_a)
    url = reverse("invite_staff", args=[school_a.code])
    data = {
        "first_name": "Nina",
        "last_name": "Newton",
        "email": "nina.newton@example.org",
        "job_title": "Teacher of Maths",
    }
    rendered = client.get(url)
    assert 'data-prevent-double-click="true"' in rendered.content.decode()
    data["once"] = form_token(rendered)
    first, second = client.post(url, data), client.post(url, data)
    assert first["Location"] == second["Location"]
    assert Invitation.objects.count() == 1
    assert len(mail.outbox) == 1
    assert (
        "Invitation sent to nina.newton@example.org"
        in client.get(second["Location"]).content.decode()
    )


def test_a_pupil_added_twice_from_one_form_is_on_the_roll_once(client, spoc_a, school_a):
    from schools.models import Pupil

    from .test_pupil_pages import _pupil_form

    client.force_login(spoc_a)
    url = reverse("pupil_new", args=[school_a.code])
    assert_posted_twice_saves_once(
        client,
        page=url,
        post=url,
        data=_pupil_form(upn=""),
        model=Pupil,
        fresh={"first_name": "Bea"},
    )


def test_an_assignment_posted_twice_is_made_once_and_not_refused_as_a_duplicate(
    client, force, sergeant, safer_team
):
    from schools.models import Assignment
    from ssp.models import Notification
    from tests.factories import OfficerFactory, SchoolFactory

    officer = OfficerFactory(team=safer_team)
    school = SchoolFactory(force=force)
    client.force_login(sergeant)
    url = reverse("assign_officer", args=[school.code])
    rendered = client.get(url)
    assert 'data-prevent-double-click="true"' in rendered.content.decode()
    data = {"officer": officer.collar_number, "once": form_token(rendered)}
    data |= {f"starts_on_{i}": str(v) for i, v in enumerate((1, 12, 2026))}
    first = client.post(url, data)
    alerts = Notification.objects.count()
    second = client.post(url, data)
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    assert Assignment.objects.filter(school=school).count() == 1
    assert Notification.objects.count() == alerts

"""Notifications say what they are about, become read, and are counted in the header."""

from django.urls import reverse

from incidents.models import Concern
from ssp.models import Notification
from ssp.notifications import notify
from tests.incidents.test_logging import NEW, base_form


def _form(pupil, **overrides):
    return base_form(pupils=[str(pupil.code)], **{f"role_{pupil.code}": "victim"}, **overrides)


def test_a_notification_shows_its_reference_linked_to_what_it_is_about(client, spoc_a):
    (notification,) = notify(
        recipients=[spoc_a], subject="A concern has been shared", link="/", reference="C-2026-1"
    )
    client.force_login(spoc_a)
    page = client.get(reverse("notifications")).content.decode()
    opener = reverse("notification_open", args=[notification.code])
    assert f'<a class="govuk-link" href="{opener}">C-2026-1</a>' in page


def test_opening_a_notification_marks_it_read_and_the_header_count_falls(client, spoc_a):
    first, *_ = notify(recipients=[spoc_a], subject="One", link="/")
    notify(recipients=[spoc_a], subject="Two", link="/")
    client.force_login(spoc_a)
    page = client.get(reverse("notifications")).content.decode()
    assert '2<span class="govuk-visually-hidden"> unread</span>' in page
    client.get(reverse("notification_open", args=[first.code]))
    first.refresh_from_db()
    assert first.read_at is not None
    page = client.get(reverse("home")).content.decode()
    assert '1<span class="govuk-visually-hidden"> unread</span>' in page


def test_mark_all_as_read_reads_only_ones_own_notifications_with_history(client, spoc_a, staff_a):
    notify(recipients=[spoc_a, staff_a], subject="One", link="/")
    notify(recipients=[spoc_a], subject="Two", link="/")
    client.force_login(spoc_a)
    assert "Mark all as read" in client.get(reverse("notifications")).content.decode()
    response = client.post(reverse("notifications_read_all"), follow=True)
    body = response.content.decode()
    assert "2 notifications marked as read." in body
    assert "data-unread-count" not in body and "Mark all as read" not in body
    assert not Notification.objects.filter(recipient=spoc_a, read_at=None).exists()
    assert Notification.objects.filter(recipient=staff_a, read_at=None).count() == 1
    read = Notification.objects.filter(recipient=spoc_a).first()
    assert read.history.first().history_user == spoc_a


def test_a_new_notification_raises_the_header_count_once_committed(
    client, spoc_a, django_capture_on_commit_callbacks
):
    client.force_login(spoc_a)
    assert "data-unread-count" not in client.get(reverse("home")).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        notify(recipients=[spoc_a], subject="One", link="/")
    page = client.get(reverse("home")).content.decode()
    assert '1<span class="govuk-visually-hidden"> unread</span>' in page


def test_mark_all_as_read_refuses_a_get(client, spoc_a):
    notify(recipients=[spoc_a], subject="One", link="/")
    client.force_login(spoc_a)
    assert client.get(reverse("notifications_read_all")).status_code == 405
    assert Notification.objects.filter(recipient=spoc_a, read_at=None).exists()


def test_an_immediate_risk_concern_is_received_as_a_warning_and_its_alert_is_urgent(
    client, staff_a, spoc_a, pupil_a
):
    client.force_login(staff_a)
    response = client.post(NEW, _form(pupil_a, immediate_risk="yes"), follow=True)
    body = response.content.decode()
    concern = Concern.objects.get()
    assert concern.immediate_risk
    assert "govuk-notification-banner--success" not in body
    assert "govuk-warning-text__text" in body and concern.reference in body
    alert = Notification.objects.get(recipient=spoc_a)
    assert alert.urgent and alert.reference == concern.reference
    client.force_login(spoc_a)
    page = client.get(reverse("notifications")).content.decode()
    assert "Urgent</strong>" in page


def test_an_ordinary_concern_is_received_as_a_success_and_its_alert_is_not_urgent(
    client, staff_a, spoc_a, pupil_a
):
    client.force_login(staff_a)
    body = client.post(NEW, _form(pupil_a), follow=True).content.decode()
    assert "govuk-notification-banner--success" in body
    assert not Notification.objects.get(recipient=spoc_a).urgent

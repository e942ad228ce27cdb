import datetime

from django.urls import reverse
from django.utils import timezone

from incidents.models import Concern, ConcernPupil
from ssp.models import Notification

NEW = reverse("concern_new")


def base_form(**overrides):
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    return {
        "category": "bullying",
        "narrative": "Pushed against the lockers and called names.",
        "happened_on_0": yesterday.day,
        "happened_on_1": yesterday.month,
        "happened_on_2": yesterday.year,
        "happened_time": "12:30",
        "location": "in_school",
        "immediate_risk": "no",
        "submit": "1",
    } | overrides


def test_staff_log_a_concern_with_two_pupils_each_in_their_own_role(
    client, staff_a, spoc_a, pupil_a, pupil_a2
):
    client.force_login(staff_a)
    found = client.post(NEW, {"search": "1", "pupil_query": "Ashby"}).content.decode()
    assert "Amelia Ashby" in found and "Noah Ashby" in found
    data = base_form(
        pupils=[str(pupil_a.code), str(pupil_a2.code)],
        **{f"role_{pupil_a.code}": "victim", f"role_{pupil_a2.code}": "perpetrator"},
    )
    response = client.post(NEW, data)
    concern = Concern.objects.get()
    assert response["Location"] == reverse("concern_detail", args=[concern.code])
    roles = dict(ConcernPupil.objects.values_list("pupil__first_name", "role"))
    assert roles == {"Amelia": "victim", "Noah": "perpetrator"}
    assert concern.happened_at.date() < concern.recorded_at.date()
    assert concern.events.get().kind == "logged"
    notification = Notification.objects.get(recipient=spoc_a)
    assert "Ashby" not in notification.subject
    receipt = client.get(response["Location"]).content.decode()
    assert concern.reference in receipt and "Your SPOC has been told" in receipt

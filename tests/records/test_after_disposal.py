"""The rest of the portal keeps working after a disposal: records made from a disposed concern
say so, and the lists, chronologies, logs and the overview open as before (their counts of
disposed records drop)."""

import pytest
from django.urls import reverse

from incidents.services import enquiry_open
from records import disposal
from tests.factories import PupilFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def disposed(records_about, school_a, head_a, sspo_a):
    pupil = PupilFactory(school=school_a)
    made = records_about(pupil)
    about_concern = enquiry_open(
        by=sspo_a,
        school=school_a,
        about="concern",
        concern=made["concern"],
        subject="About a concern",
        text="Any news?",
    )
    disposal.dispose(kind="concern", codes=[made["concern"].code], by=head_a, rule="R")
    return pupil, made, about_concern


def test_records_made_from_a_disposed_concern_say_so(disposed, signed_in, sspo_a):
    _pupil, made, about_concern = disposed
    client = signed_in(sspo_a)
    pages = {
        "incident_detail": made["incident"].code,
        "referral_detail": made["referral"].code,
        "enquiry_detail": about_concern.code,
    }
    for name, code in pages.items():
        response = client.get(reverse(name, args=[code]))
        assert response.status_code == 200, name
        assert "since disposed of" in response.content.decode() or (
            "Disposed of by the school" in response.content.decode()
        ), name


@pytest.mark.parametrize(
    ("who", "pages"),
    [
        ("head_a", ["triage_queue", "sharing_log", "enquiry_list", "overview", "chronology"]),
        ("sspo_a", ["incident_list", "referral_list", "enquiry_list", "chronology"]),
        ("sergeant", ["overview", "incident_list", "sharing_log"]),
    ],
)
def test_lists_chronologies_and_the_overview_open_after_a_disposal(
    disposed, signed_in, request, who, pages
):
    pupil, _made, _about = disposed
    client = signed_in(request.getfixturevalue(who))
    for name in pages:
        path = (
            reverse("pupil_chronology", args=[pupil.code])
            if name == "chronology"
            else reverse(name)
        )
        assert client.get(path).status_code == 200, name

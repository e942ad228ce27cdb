import pytest
from django.urls import reverse

from incidents.services import concern_triage
from ssp.models import AccessLog
from tests.factories import step_up


def url(pupil):
    return reverse("pupil_chronology", args=[pupil.code])


@pytest.fixture
def history_of_amelia(make_concern, school_a, staff_a, staff_a2, spoc_a, sspo_a, pupil_a):
    """Three concerns about Amelia: one staff_a logged and the SPOC shared, one staff_a2
    logged and the school handled, one staff_a logged still waiting."""
    shared = make_concern(
        school=school_a, reported_by=staff_a, pupils=[pupil_a], category="weapons"
    )
    concern_triage(
        concern=shared, by=spoc_a, decision="shared", rationale="Weapon.", seen_version=1
    )
    handled = make_concern(
        school=school_a, reported_by=staff_a2, pupils=[pupil_a], category="bullying"
    )
    concern_triage(
        concern=handled, by=spoc_a, decision="in_school", rationale="Pastoral.", seen_version=1
    )
    waiting = make_concern(
        school=school_a, reported_by=staff_a, pupils=[pupil_a], category="welfare"
    )
    return shared, handled, waiting


def refs_seen(client, user, pupil):
    client.force_login(user)
    response = client.get(url(pupil))
    assert response.status_code == 200
    return response.content.decode()


def test_the_spoc_sees_the_whole_school_record_in_order(
    client, history_of_amelia, spoc_a, pupil_a
):
    body = refs_seen(client, spoc_a, pupil_a)
    shared, handled, waiting = history_of_amelia
    for concern in (shared, handled, waiting):
        assert concern.reference in body
    assert "Triage: Shared with the SSPO" in body and "Triage: Handled within school" in body
    assert pupil_a.upn in body


def test_staff_see_only_what_they_logged(client, history_of_amelia, staff_a, pupil_a):
    shared, handled, waiting = history_of_amelia
    body = refs_seen(client, staff_a, pupil_a)
    assert shared.reference in body and waiting.reference in body
    assert handled.reference not in body


def test_the_sspo_sees_what_was_shared_and_never_the_upn(
    client, history_of_amelia, sspo_a, pupil_a
):
    shared, handled, waiting = history_of_amelia
    body = refs_seen(client, sspo_a, pupil_a)
    assert shared.reference in body
    assert handled.reference not in body and waiting.reference not in body
    assert pupil_a.upn not in body
    row = AccessLog.objects.get(object_type="pupil", user=sspo_a)
    assert row.purpose and row.outcome == "allowed"


@pytest.mark.parametrize(
    "who", ["spoc_b", "sspo_b", "other_sergeant", "yet_officer", "admin_user"]
)
def test_outsiders_get_404_and_the_attempt_is_logged(
    request, client, history_of_amelia, pupil_a, who
):
    user = request.getfixturevalue(who)
    client.force_login(user)
    assert client.get(url(pupil_a)).status_code == 404
    assert AccessLog.objects.get(object_type="pupil", user=user).outcome == "not_found"


def test_police_cannot_open_a_pupil_with_nothing_shared(
    client, sspo_a, pupil_a, make_concern, school_a, staff_a
):
    make_concern(school=school_a, reported_by=staff_a, pupils=[pupil_a])  # not shared
    client.force_login(sspo_a)
    assert client.get(url(pupil_a)).status_code == 404


def test_the_chronology_answers_in_the_same_queries_however_long(
    client, make_concern, school_a, staff_a, spoc_a, pupil_a, django_assert_max_num_queries
):
    make_concern(school=school_a, reported_by=staff_a, pupils=[pupil_a])
    client.force_login(spoc_a)
    client.get(url(pupil_a))
    with django_assert_max_num_queries(12) as few:
        client.get(url(pupil_a))
    for _ in range(20):
        make_concern(school=school_a, reported_by=staff_a, pupils=[pupil_a])
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(url(pupil_a))


class TestPdf:
    def test_asks_to_reauthenticate_first(self, client, history_of_amelia, spoc_a, pupil_a):
        client.force_login(spoc_a)
        response = client.get(reverse("pupil_chronology_pdf", args=[pupil_a.code]))
        assert response.status_code == 302 and "reauthenticate" in response["Location"]

    def test_downloads_a_pdf_of_what_the_viewer_may_see(
        self, client, history_of_amelia, sspo_a, pupil_a
    ):
        client.force_login(sspo_a)
        step_up(client)
        response = client.get(reverse("pupil_chronology_pdf", args=[pupil_a.code]))
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        assert response["Content-Disposition"].startswith('attachment; filename="chronology-')
        assert response.content.startswith(b"%PDF-")
        row = AccessLog.objects.get(action="export_pdf")
        assert row.user == sspo_a and row.purpose

    def test_outsiders_get_404(self, client, history_of_amelia, spoc_b, pupil_a):
        client.force_login(spoc_b)
        step_up(client)
        response = client.get(reverse("pupil_chronology_pdf", args=[pupil_a.code]))
        assert response.status_code == 404


class TestReferralsAndConferences:
    def test_the_sspo_sees_referrals_and_conferences_with_the_purpose(
        self, client, referral_a, conference_a, sspo_a, pupil_a
    ):
        body = refs_seen(client, sspo_a, pupil_a)
        assert f"Referral to {referral_a.scheme.name}" in body
        assert "Diverting from crime" in body
        assert "Multi-agency case conference" in body

    def test_the_spoc_sees_a_summary_of_police_referrals(
        self, client, referral_a, spoc_a, pupil_a
    ):
        body = refs_seen(client, spoc_a, pupil_a)
        assert referral_a.reference in body
        assert "Diverting from crime" not in body and "Police-only reason text" not in body

    def test_staff_see_no_referrals_or_conferences(
        self, client, referral_a, conference_a, staff_a, pupil_a
    ):
        body = refs_seen(client, staff_a, pupil_a)
        assert referral_a.reference not in body
        assert "Multi-agency case conference" not in body

    def test_police_reach_a_pupil_through_a_referral_alone(
        self, client, referral_a, sspo_a, sspo_b, pupil_a
    ):
        client.force_login(sspo_a)
        assert client.get(url(pupil_a)).status_code == 200
        client.force_login(sspo_b)
        assert client.get(url(pupil_a)).status_code == 404


class TestIncidentsAndEnquiries:
    def test_the_sspo_sees_the_incident_record(
        self, client, make_incident, school_a, sspo_a, pupil_a
    ):
        incident = make_incident(school=school_a, pupils=[pupil_a])
        body = refs_seen(client, sspo_a, pupil_a)
        assert incident.reference in body and "Incident: Possession of any weapon" in body

    def test_the_spoc_sees_only_the_summary_sent_to_the_school(
        self, client, make_incident, school_a, sspo_a, spoc_a, pupil_a
    ):
        from incidents.services import incident_send_summary

        incident = make_incident(school=school_a, pupils=[pupil_a])
        body = refs_seen(client, spoc_a, pupil_a)
        assert incident.reference not in body and "Incident summary" not in body
        incident_send_summary(incident=incident, by=sspo_a, text="Knife seized; words given.")
        body = refs_seen(client, spoc_a, pupil_a)
        assert "Incident summary from the police" in body
        assert incident.reference not in body

    def test_an_enquiry_about_the_pupil_appears_for_both_sides(
        self, client, school_a, sspo_a, spoc_a, pupil_a
    ):
        from incidents.services import enquiry_open

        enquiry_open(
            by=sspo_a,
            school=school_a,
            about="pupil",
            pupil=pupil_a,
            subject="Attendance this week",
            text="Has Amelia been in?",
        )
        for user in (sspo_a, spoc_a):
            assert "Enquiry: Attendance this week" in refs_seen(client, user, pupil_a)


def test_a_share_appears_once_and_the_police_side_to_leads_not_staff(
    client, shared_concern_a, sspo_a, spoc_a, staff_a, pupil_a
):
    from incidents.services import concern_acknowledge

    concern_acknowledge(concern=shared_concern_a, by=sspo_a)
    body = refs_seen(client, spoc_a, pupil_a)
    assert body.count("Shared with the SSPO") == 1  # the triage entry, not a second one
    assert "Acknowledged by the SSPO" in body
    assert "Acknowledged by the SSPO" not in refs_seen(client, staff_a, pupil_a)


def test_the_concern_page_links_each_pupil_to_their_chronology(client, concern_a, spoc_a, pupil_a):
    client.force_login(spoc_a)
    body = client.get(reverse("concern_detail", args=[concern_a.code])).content.decode()
    assert f'href="{url(pupil_a)}"' in body


@pytest.mark.parametrize("who", ["spoc_a", "sspo_a"])
def test_a_full_chronology_stays_within_twelve_queries(
    request,
    client,
    who,
    make_concern,
    make_incident,
    make_referral,
    conference_a,
    school_a,
    staff_a,
    spoc_a,
    sspo_a,
    pupil_a,
    django_assert_max_num_queries,
):
    from incidents.services import enquiry_open, incident_send_summary

    def add_history():
        concern = make_concern(school=school_a, reported_by=staff_a, pupils=[pupil_a])
        concern_triage(
            concern=concern, by=spoc_a, decision="shared", rationale="Share.", seen_version=1
        )
        incident = make_incident(school=school_a, pupils=[pupil_a])
        incident_send_summary(incident=incident, by=sspo_a, text="Summary for the school.")
        make_referral(pupil=pupil_a, made_by=sspo_a)
        enquiry_open(
            by=sspo_a,
            school=school_a,
            about="pupil",
            pupil=pupil_a,
            subject="About Amelia",
            text="A question.",
        )

    add_history()
    user = request.getfixturevalue(who)
    client.force_login(user)
    client.get(url(pupil_a))
    with django_assert_max_num_queries(12) as few:
        client.get(url(pupil_a))
    for _ in range(5):
        add_history()
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(url(pupil_a))


def test_a_long_chronology_is_read_25_entries_a_page(
    client, make_concern, school_a, staff_a, spoc_a, pupil_a
):
    for _ in range(30):
        make_concern(school=school_a, reported_by=staff_a, pupils=[pupil_a])
    client.force_login(spoc_a)
    first = client.get(url(pupil_a)).content.decode()
    second = client.get(url(pupil_a), {"page": 2}).content.decode()
    assert first.count("moj-timeline__item") == 25 and "Page 1 of 2" in first
    assert second.count("moj-timeline__item") == 5


@pytest.fixture
def long_varied_history(
    make_concern,
    make_incident,
    make_referral,
    school_a,
    staff_a,
    staff_a2,
    spoc_a,
    sspo_a,
    pupil_a,
):
    """A long history of every kind (the bench's long pupil, smaller): concerns logged by two
    people, shared, acknowledged, with outcomes, notes and attachments; incidents with
    summaries; referrals open and ended; case conferences with actions; enquiries."""
    import datetime

    from django.utils import timezone

    from incidents.models import Attachment
    from incidents.services import (
        concern_acknowledge,
        concern_add_note,
        concern_record_police_outcome,
        enquiry_open,
        incident_send_summary,
    )
    from referrals.models import Conference, ConferenceAction
    from tests.factories import PupilFactory

    sibling = PupilFactory(school=school_a)
    for n in range(24):
        concern = make_concern(
            school=school_a,
            reported_by=(staff_a, staff_a2)[n % 2],
            pupils=[pupil_a, sibling] if n % 4 == 0 else [pupil_a],
            category=("welfare", "weapons", "bullying")[n % 3],
        )
        Attachment.objects.create(
            concern=concern,
            file=f"attachments/{n}.pdf",
            original_name=f"statement-{n}.pdf",
            content_type="application/pdf",
            size=100,
            uploaded_by=staff_a,
        )
        if n % 3 == 0:
            concern_triage(
                concern=concern, by=spoc_a, decision="shared", rationale="Share.", seen_version=1
            )
            concern_acknowledge(concern=concern, by=sspo_a)
            concern.refresh_from_db()
            concern_record_police_outcome(
                concern=concern, by=sspo_a, outcome="advice", rationale="Spoken to."
            )
        elif n % 3 == 1:
            concern_triage(
                concern=concern, by=spoc_a, decision="in_school", rationale="Ours.", seen_version=1
            )
            concern_add_note(concern=concern, by=spoc_a, text="Parent called back.")
    for n in range(6):
        incident = make_incident(school=school_a, pupils=[pupil_a])
        if n % 2 == 0:
            incident_send_summary(incident=incident, by=sspo_a, text="Summary for the school.")
    for n in range(5):
        make_referral(pupil=pupil_a, made_by=sspo_a, status=("made", "completed")[n % 2])
    for n in range(4):
        conference = Conference.objects.create(
            school=school_a,
            held_on=timezone.localdate() - datetime.timedelta(days=n * 10),
            agencies="Children's services; CAMHS",
            attendees="SSPO, SPOC",
            decisions="Mentoring",
            rationale="Risk",
            recorded_by=sspo_a,
        )
        conference.pupils.set([pupil_a, sibling] if n % 2 else [pupil_a])
        for k in range(3):
            ConferenceAction.objects.create(
                conference=conference,
                description=f"Action {k}",
                owner="Youth service",
                due_on=timezone.localdate() + datetime.timedelta(days=k),
            )
    for n in range(5):
        enquiry_open(
            by=sspo_a if n % 2 else spoc_a,
            school=school_a,
            about="pupil",
            pupil=pupil_a,
            subject=f"About Amelia {n}",
            text="A question.",
        )


@pytest.mark.parametrize("who", ["spoc_a", "sspo_a", "head_a", "sergeant"])
def test_a_long_varied_chronology_stays_within_twelve_queries(
    request, client, who, long_varied_history, pupil_a, django_assert_max_num_queries
):
    client.force_login(request.getfixturevalue(who))
    client.get(url(pupil_a))  # the session's first request does more
    with django_assert_max_num_queries(12):
        body = client.get(url(pupil_a)).content.decode()
    assert body.count("moj-timeline__item") == 25
    with django_assert_max_num_queries(12):
        assert client.get(url(pupil_a), {"page": 2}).status_code == 200

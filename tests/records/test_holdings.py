"""Every app answers what it holds about pupils through one function (ssp/held.py), and each
answer names exactly the records about the pupils asked about: none of another pupil's."""

import pytest

from agreements.models import Disclosure
from schools.models import Pupil
from ssp.held import Controller, held_about_pupils, mentions_of
from ssp.models import Notification
from tests.factories import PupilFactory

pytestmark = pytest.mark.django_db


def _held(*pupils):
    return {
        h.kind: h for h in held_about_pupils(Pupil.objects.filter(pk__in=[p.pk for p in pupils]))
    }


def test_a_concern_is_held_about_each_pupil_in_it_and_no_other(
    make_concern, school_a, staff_a, pupil_a
):
    other = PupilFactory(school=school_a)
    concern = make_concern(school=school_a, reported_by=staff_a, pupils=[pupil_a, other])
    alone = make_concern(school=school_a, reported_by=staff_a, pupils=[other])

    assert list(_held(pupil_a)["concern"].rows) == [concern]
    assert set(_held(other)["concern"].rows) == {concern, alone}
    assert _held(pupil_a)["concern"].controller is Controller.SCHOOL


@pytest.fixture
def two_pupils(records_about, school_a):
    first = PupilFactory(school=school_a, first_name="Zephyrine", last_name="Quillfeather")
    second = PupilFactory(school=school_a, first_name="Ottoline", last_name="Marchbanks")
    return (first, records_about(first)), (second, records_about(second))


KINDS = {
    # kind: (the app's record in records_about, controller)
    "concern": ("concern", Controller.SCHOOL),
    "incident": ("incident", Controller.POLICE),
    "enquiry": ("enquiry", Controller.SCHOOL),
    "referral": ("referral", Controller.POLICE),
    "conference": ("conference", Controller.POLICE),
    "encompass_notification": ("encompass_notification", Controller.SCHOOL),
}


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_each_apps_holdings_name_exactly_the_records_about_the_pupil(two_pupils, kind):
    (first, firsts), (second, seconds) = two_pupils
    made, controller = KINDS[kind]
    held = _held(first)[kind]
    assert list(held.rows) == [firsts[made]]
    assert list(_held(second)[kind].rows) == [seconds[made]]
    assert set(_held(first, second)[kind].rows) == {firsts[made], seconds[made]}
    assert held.controller is controller
    reached = set()
    for path in held.pupil_paths:  # the ways from a row to its pupils lead to this pupil
        reached |= set(held.rows.values_list(path, flat=True))
    assert first.pk in reached
    assert second.pk not in reached


def test_the_pupil_record_itself_is_held_about_the_pupil_and_goes_last(pupil_a, school_a):
    other = PupilFactory(school=school_a)
    held = _held(pupil_a)
    assert list(held["pupil"].rows) == [pupil_a]
    assert held["pupil"].controller is Controller.SCHOOL
    assert held["pupil"].dated_by == "date_of_birth"
    assert other not in held["pupil"].rows
    assert all("pupil" in h.after for kind, h in held.items() if kind != "pupil")


def test_an_enquiry_about_a_concern_is_held_about_the_concerns_pupils(
    make_concern, school_a, staff_a, sspo_a, spoc_a, pupil_a
):
    from incidents.services import concern_triage, enquiry_open

    other = PupilFactory(school=school_a)
    concern = make_concern(school=school_a, reported_by=staff_a, pupils=[pupil_a])
    concern_triage(concern=concern, by=spoc_a, decision="shared", rationale="x", seen_version=1)
    enquiry = enquiry_open(
        by=sspo_a, school=school_a, about="concern", concern=concern, subject="S", text="T"
    )
    assert list(_held(pupil_a)["enquiry"].rows) == [enquiry]
    assert not _held(other)["enquiry"].rows.exists()


def test_police_kinds_give_their_mopi_group_from_the_category(make_incident, school_a, pupil_a):
    other = PupilFactory(school=school_a)
    make_incident(school=school_a, pupils=[pupil_a], category="sexual_assault")
    make_incident(school=school_a, pupils=[other], category="drugs")
    for pupil, group in ((pupil_a, 2), (other, 3)):
        held = _held(pupil)["incident"]
        assert list(held.rows.annotate(g=held.group).values_list("g", flat=True)) == [group]


def test_sharing_log_entries_and_unsent_notifications_are_mentions_of_their_record(two_pupils):
    (first, firsts), (second, seconds) = two_pupils
    codes = [firsts["concern"].code, firsts["summary"].code]
    found = {m.label: m for m in mentions_of(codes)}
    log = found["Sharing log entries"].rows
    assert set(log.values_list("record_code", flat=True)) == set(codes)
    assert Disclosure.objects.filter(record_code=seconds["concern"].code).exists()
    outbox = found["Notifications not yet sent"].rows
    assert outbox.exists()
    assert all(any(str(code) in n.link for code in codes) for n in outbox)
    assert any(str(firsts["concern"].code) in n.link for n in outbox)
    first_pk = outbox[0].pk
    Notification.objects.filter(pk=first_pk).update(email_sent_at="2026-01-01T00:00Z")
    # a notification already sent is not the outbox's any more
    again = {m.label: m for m in mentions_of(codes)}["Notifications not yet sent"].rows
    assert first_pk not in set(again.values_list("pk", flat=True))

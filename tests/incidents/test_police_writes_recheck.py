"""Recording an incident and opening an enquiry ask again, under the school's lock and with the
person's reach read afresh, whether they may still do it: an assignment ended, a place at the
school ended or a DSA revoked between loading the form and posting it writes nothing.

The last tests run the write inside one request whose scope the page had already filled (as a
view does when it fetches the record or lists the form's choices): the write must not pass on
that earlier answer."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from incidents.models import Enquiry, EnquiryMessage, Incident, IncidentPupil
from incidents.services import IncidentFacts, Involvement, enquiry_open, incident_record
from schools.access import police_pupils
from schools.models import Assignment, Membership, School, today
from tests.factories import revoke_dsa
from tests.one_request import in_one_request


def _end_assignments(officer_user):
    Assignment.objects.filter(officer=officer_user.officer).update(
        ends_on=today() - datetime.timedelta(days=1)
    )


def _record(by, school, pupils=()):
    return incident_record(
        by=by,
        school=school,
        category="weapons",
        narrative="A knife was found in a bag.",
        location="in_school",
        place="Sports hall",
        happened_at=timezone.now() - datetime.timedelta(hours=2),
        involved=[Involvement(pupil=p, role="suspect") for p in pupils],
        facts=IncidentFacts(item_kind="knife"),
    )


def _open(by, school):
    return enquiry_open(
        by=by, school=school, about="general", subject="Patrols at the gate", text="When?"
    )


def _nothing_recorded():
    return not Incident.objects.exists() and not IncidentPupil.objects.exists()


def _nothing_opened():
    return not Enquiry.objects.exists() and not EnquiryMessage.objects.exists()


def test_an_officer_whose_assignment_ended_records_no_incident(sspo_a, school_a):
    _end_assignments(sspo_a)
    with pytest.raises(PermissionDenied):
        _record(sspo_a, school_a)
    assert _nothing_recorded()


def test_the_assigned_officer_records_the_incident(sspo_a, school_a, pupil_a):
    incident = _record(sspo_a, school_a, [pupil_a])
    assert Incident.objects.get().pk == incident.pk
    assert list(IncidentPupil.objects.values_list("pupil", flat=True)) == [pupil_a.pk]


def test_an_officer_whose_assignment_ended_opens_no_enquiry(sspo_a, spoc_a, school_a):
    _end_assignments(sspo_a)
    with pytest.raises(PermissionDenied):
        _open(sspo_a, school_a)
    assert _nothing_opened()


def test_a_spoc_whose_place_ended_opens_no_enquiry(sspo_a, spoc_a, school_a):
    Membership.objects.filter(user=spoc_a, school=school_a).update(left_on=today())
    with pytest.raises(PermissionDenied):
        _open(spoc_a, school_a)  # the same user object the page was served to
    assert _nothing_opened()


def test_no_enquiry_once_the_dsa_is_revoked(sspo_a, spoc_a, school_a):
    revoke_dsa(school_a.partnership)
    with pytest.raises(ValidationError):
        _open(sspo_a, school_a)
    assert _nothing_opened()


def test_the_spoc_and_the_officer_in_post_open_enquiries(sspo_a, spoc_a, school_a):
    assert _open(spoc_a, school_a).sspo == sspo_a
    assert _open(sspo_a, school_a).sspo == sspo_a
    assert Enquiry.objects.count() == 2


# Within one request --------------------------------------------------------------------------


def test_a_dsa_revoked_after_the_page_asked_names_no_pupil_in_an_incident(
    sspo_a, school_a, pupil_a
):
    def page(request):
        # The form's pupil search filled this request's scope while the DSA was in force.
        assert list(police_pupils(request.user)) == [pupil_a]
        revoke_dsa(school_a.partnership)  # committed before the write takes its lock
        return _record(request.user, school_a, [pupil_a])

    seen = in_one_request(sspo_a, page, method="post")
    assert isinstance(seen.get("refused"), ValidationError)
    assert _nothing_recorded()


def test_an_assignment_ended_after_the_page_asked_opens_no_enquiry(sspo_a, spoc_a, school_a):
    def page(request):
        assert School.objects.visible_ids(request.user) == [school_a.pk]
        _end_assignments(sspo_a)
        return _open(request.user, school_a)

    seen = in_one_request(sspo_a, page, method="post")
    assert isinstance(seen.get("refused"), PermissionDenied)
    assert _nothing_opened()

import datetime
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from schools.models import Assignment
from schools.services import assignment_create
from tests.factories import OfficerFactory, SchoolFactory

D = datetime.date


def test_an_officer_can_hold_two_schools(db):
    officer = OfficerFactory()
    for _ in range(2):
        assignment_create(officer=officer, school=SchoolFactory(), starts_on=D(2026, 9, 1))
    assert Assignment.objects.filter(officer=officer).count() == 2


def test_a_third_school_at_once_is_refused(db):
    officer = OfficerFactory()
    for _ in range(2):
        assignment_create(officer=officer, school=SchoolFactory(), starts_on=D(2026, 9, 1))
    with pytest.raises(ValidationError, match="at most two schools"):
        assignment_create(officer=officer, school=SchoolFactory(), starts_on=D(2026, 10, 1))
    assert Assignment.objects.filter(officer=officer).count() == 2


def test_a_third_school_after_one_has_ended_is_allowed(db):
    officer = OfficerFactory()
    assignment_create(
        officer=officer, school=SchoolFactory(), starts_on=D(2025, 9, 1), ends_on=D(2026, 7, 31)
    )
    assignment_create(officer=officer, school=SchoolFactory(), starts_on=D(2025, 9, 1))
    assignment_create(officer=officer, school=SchoolFactory(), starts_on=D(2026, 9, 1))
    assert Assignment.objects.filter(officer=officer).count() == 3


def test_a_future_third_school_overlapping_two_others_is_refused(db):
    officer = OfficerFactory()
    assignment_create(officer=officer, school=SchoolFactory(), starts_on=D(2026, 9, 1))
    assignment_create(officer=officer, school=SchoolFactory(), starts_on=D(2027, 1, 1))
    with pytest.raises(ValidationError):
        assignment_create(officer=officer, school=SchoolFactory(), starts_on=D(2025, 1, 1))


def test_the_same_school_twice_is_refused(db):
    officer, school = OfficerFactory(), SchoolFactory()
    assignment_create(officer=officer, school=school)
    with pytest.raises(ValidationError, match="already assigned"):
        assignment_create(officer=officer, school=school)


def test_only_sspos_hold_schools(db, yet_officer, sergeant):
    for user in (yet_officer, sergeant):
        with pytest.raises(ValidationError, match="Only Safer Schools Police Officers"):
            assignment_create(officer=user.officer, school=SchoolFactory())


@pytest.mark.django_db(transaction=True)
def test_two_assignments_saved_at_the_same_moment_keep_the_limit():
    """Two sergeants give an officer who holds one school a second and a third at once."""
    officer = OfficerFactory()
    assignment_create(officer=officer, school=SchoolFactory(), starts_on=D(2026, 9, 1))
    schools = [SchoolFactory(), SchoolFactory()]
    barrier = threading.Barrier(2)
    outcomes = []

    def assign(school):
        try:
            barrier.wait()
            assignment_create(officer=officer, school=school, starts_on=D(2026, 9, 1))
            outcomes.append("ok")
        except ValidationError:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=assign, args=(s,)) for s in schools]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["ok", "refused"]
    assert Assignment.objects.filter(officer=officer).count() == 2

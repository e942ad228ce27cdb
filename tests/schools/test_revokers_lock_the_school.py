"""A revocation holds the school's row until it commits, as the writes it would stop do.

Writes that re-check a person's reach lock the school's row first (e.g. concern_log,
incident_record, referral_make). The revocations lock it too, so a write at the same moment
either commits before the revocation or waits for it and is then refused: there is no
instant where both pass. Shown here by another connection finding the row locked while the
revocation's transaction is open.
"""

import threading

import pytest
from django.db import DatabaseError, connection, transaction

from agreements.services import dsa_revoke
from schools.models import Assignment, Membership, School, today
from schools.services import assignment_end, membership_end

pytestmark = pytest.mark.django_db(transaction=True)


class Undo(Exception):
    pass


def school_is_locked(school) -> bool:
    """Whether another connection finds the school's row locked."""
    seen = {}

    def other():
        try:
            with transaction.atomic():
                School.objects.select_for_update(nowait=True).get(pk=school.pk)
            seen["locked"] = False
        except DatabaseError:
            seen["locked"] = True
        finally:
            connection.close()

    thread = threading.Thread(target=other)
    thread.start()
    thread.join(timeout=30)
    return seen["locked"]


def locked_during(school, revoke) -> bool:
    locked = None
    with pytest.raises(Undo), transaction.atomic():
        revoke()
        locked = school_is_locked(school)
        raise Undo
    return locked


def test_nothing_holds_the_school_when_no_revocation_runs(school_a):
    assert school_is_locked(school_a) is False


def test_revoking_the_dsa_holds_the_school(school_a, sergeant, sspo_a):
    revoke = lambda: dsa_revoke(  # noqa: E731
        partnership=school_a.partnership, by=sergeant, reason="The school left the scheme."
    )
    assert locked_during(school_a, revoke) is True


def test_ending_an_assignment_holds_the_school(school_a, sergeant, sspo_a):
    assignment = Assignment.objects.get(officer=sspo_a.officer, school=school_a)
    revoke = lambda: assignment_end(  # noqa: E731
        assignment=assignment, ends_on=today(), by=sergeant, seen_ends_on=assignment.ends_on
    )
    assert locked_during(school_a, revoke) is True


def test_ending_a_place_holds_the_school(school_a, head_a, staff_a):
    membership = Membership.objects.get(user=staff_a, school=school_a)
    revoke = lambda: membership_end(membership=membership, by=head_a)  # noqa: E731
    assert locked_during(school_a, revoke) is True

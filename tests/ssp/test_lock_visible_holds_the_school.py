"""A write that locks its record through lock_visible_or_404 holds the record's school too,
as the revocations do (tests/schools/test_revokers_lock_the_school.py): a triage, an incident
update or a partnership change at the moment a DSA is revoked or an assignment ends takes
turns with it, so the write commits first or waits and is refused."""

import pytest
from django.db import transaction

from ssp.access import lock_visible_or_404
from tests.factories import PartnershipFactory
from tests.incidents.conftest import make_concern  # noqa: F401
from tests.schools.test_revokers_lock_the_school import Undo, school_is_locked

pytestmark = pytest.mark.django_db(transaction=True)


def held_during(user, record) -> bool:
    held = None
    with pytest.raises(Undo), transaction.atomic():
        lock_visible_or_404(user, record)
        held = school_is_locked(record.school)
        raise Undo
    return held


def test_a_concern_write_holds_its_school(make_concern, school_a, staff_a, spoc_a, pupil_a):  # noqa: F811
    concern = make_concern(school=school_a, reported_by=staff_a, pupils=[pupil_a])
    assert school_is_locked(school_a) is False
    assert held_during(spoc_a, concern) is True
    assert school_is_locked(school_a) is False  # let go at commit (here, the rollback)


def test_a_partnership_write_holds_its_school(school_a, sergeant, sspo_a):
    partnership = getattr(school_a, "partnership", None) or PartnershipFactory(school=school_a)
    assert held_during(sergeant, partnership) is True

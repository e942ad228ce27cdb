"""In force is decided in one place, Partnership.objects.in_force(); sharing_allowed and the
overview only explain its "no", through agreements.services.why_not_in_force."""

import datetime

import pytest

from agreements.models import Partnership
from agreements.services import NotInForce, SignatureFact, sharing_allowed, why_not_in_force
from tests.factories import PartnershipFactory, revoke_dsa

TODAY = datetime.date(2026, 12, 4)
ACTIVE = Partnership.Status.ACTIVE


def _why(**facts):
    defaults = {"status": ACTIVE, "dsa_id": 7, "dsa_expires_on": TODAY, "today": TODAY}
    return why_not_in_force(**{**defaults, **facts})


@pytest.mark.parametrize(
    "state",
    ["in force", "suspended", "proposed", "revoked", "unsigned"],
)
def test_sharing_allowed_agrees_with_the_queryset(state, force, sspo_a, school_a):
    partnership = school_a.partnership
    if state in ("suspended", "proposed"):
        partnership.status = state
        partnership.save()
    elif state == "revoked":
        revoke_dsa(partnership)
    elif state == "unsigned":
        partnership = PartnershipFactory(school__force=force, signed=False)
    in_force = Partnership.objects.filter(pk=partnership.pk).in_force().exists()
    check = sharing_allowed(partnership.school)
    assert in_force is (state == "in force")
    if partnership.school == school_a:  # an officer to share with: the queryset decides
        assert check.allowed is in_force
    else:
        assert not check.allowed
    assert bool(check.reason) is not check.allowed


def test_the_explainer_walks_in_forces_conditions_in_order():
    assert _why(status=Partnership.Status.SUSPENDED, dsa_id=None).cause == NotInForce.STATUS
    assert _why(dsa_id=None).cause == NotInForce.UNPUBLISHED
    yesterday = TODAY - datetime.timedelta(days=1)
    assert _why(dsa_expires_on=yesterday).cause == NotInForce.EXPIRED
    assert _why().cause == NotInForce.SIGNATURES  # the signatures say: fetch them


def test_the_explainer_reads_the_signatures_of_the_current_version():
    school, force = "school", "force"
    assert _why(signatures=[]) == NotInForce(NotInForce.UNSIGNED, frozenset({school, force}))
    revoked = [SignatureFact(7, school, TODAY), SignatureFact(7, force, None)]
    assert _why(signatures=revoked) == NotInForce(NotInForce.REVOKED, frozenset({school}), TODAY)
    older = [SignatureFact(6, school, None), SignatureFact(7, school, None)]
    assert _why(signatures=older) == NotInForce(NotInForce.NEW_VERSION, frozenset({force}))
    both = [SignatureFact(7, school, None), SignatureFact(7, force, None)]
    # in_force() said no for a reason the signatures do not show: claim nothing more.
    assert _why(signatures=both).cause == NotInForce.UNKNOWN

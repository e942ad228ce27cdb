"""A write re-checking under its lock reads the person's reach afresh (ssp.scope.fresh_scope):
the request's scope forgets what the page worked out before the lock, the role on the user
object included, even when that object is the request's lazy user."""

import datetime

from django.utils import timezone
from django.utils.functional import SimpleLazyObject

from schools.models import Assignment, School, today
from ssp.models import User
from ssp.roles import Role
from ssp.scope import fresh_scope, scope_of
from tests.one_request import in_one_request


def _serve(user, view) -> dict:
    """What the view returned, served in one request of `user`."""
    return in_one_request(user, view)["result"]


def test_the_request_scope_keeps_its_answer_until_a_write_reads_it_again(sspo_a, school_a):
    def view(request):
        before = School.objects.visible_ids(request.user)
        Assignment.objects.filter(officer=sspo_a.officer).update(
            ends_on=today() - datetime.timedelta(days=1)
        )
        kept = School.objects.visible_ids(request.user)  # what a stale re-check would see
        fresh = fresh_scope(request.user)
        return {
            "before": before,
            "kept": kept,
            "same_scope": fresh is request.scope,
            "after": School.objects.visible_ids(request.user),
        }

    seen = _serve(sspo_a, view)
    assert seen == {
        "before": [school_a.pk],
        "kept": [school_a.pk],
        "same_scope": True,
        "after": [],
    }


def test_the_role_is_read_again_through_the_requests_lazy_user(sspo_a):
    user = User.objects.get(pk=sspo_a.pk)

    def view(request):
        before = request.user.role
        officer = sspo_a.officer
        officer.left_on = timezone.localdate()
        officer.save()
        kept = request.user.role
        fresh_scope(request.user)
        return {"before": before, "kept": kept, "after": request.user.role}

    seen = _serve(SimpleLazyObject(lambda: user), view)
    assert seen == {"before": Role.SSPO, "kept": Role.SSPO, "after": None}


def test_outside_a_request_a_fresh_scope_is_fresh(sspo_a, school_a):
    assert fresh_scope(sspo_a) is not scope_of(sspo_a)  # no request: nothing shared
    assert fresh_scope(sspo_a).visible_school_ids == [school_a.pk]


def test_the_schools_a_lead_leads_are_read_again_after_their_place_ends(spoc_a, school_a):
    from schools.models import Membership

    def view(request):
        before = scope_of(request.user).led_school_ids
        Membership.objects.filter(user=spoc_a).update(left_on=today())
        kept = scope_of(request.user).led_school_ids  # what a stale re-check would see
        return {"before": before, "kept": kept, "after": fresh_scope(request.user).led_school_ids}

    seen = _serve(spoc_a, view)
    assert seen == {"before": {school_a.pk}, "kept": {school_a.pk}, "after": frozenset()}

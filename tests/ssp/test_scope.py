"""The per-request scope: worked out once per request, never kept on the user object."""

import datetime
from functools import partial

from django.utils import timezone

from agreements.services import dsa_revoke, in_force_school_ids
from schools.access import police_pupils
from schools.models import School, _visible_statement, person_values, visible_school_ids
from ssp.roles import Role
from ssp.scope import Scope, _current, scope_of
from tests.factories import SchoolFactory
from tests.one_request import in_one_request
from tests.statements import built_on_another_day


def _serve(user, view) -> dict:
    """What the view returned, served in one request of `user`."""
    return in_one_request(user, view)["result"]


def test_a_request_has_one_scope_that_every_caller_with_its_user_reaches(sspo_a, school_a):
    def view(request):
        return {
            "same": scope_of(request.user) is request.scope,
            "ids": School.objects.visible_ids(request.user),
        }

    seen = _serve(sspo_a, view)
    assert seen == {"same": True, "ids": [school_a.pk]}


def test_a_page_asks_for_the_in_force_schools_once(sspo_a, school_a, django_assert_num_queries):
    def view(request):
        in_force_school_ids(request.user)  # the visible schools, then those in force
        with django_assert_num_queries(0):
            assert in_force_school_ids(request.user) == [school_a.pk]
            police_pupils(request.user)  # filters by the same ids, as constants
            assert School.objects.visible_ids(request.user) == [school_a.pk]
        return {}

    _serve(sspo_a, view)


def test_a_revocation_cuts_access_on_the_next_request_of_the_same_user_object(
    sspo_a, school_a, sergeant, pupil_a
):
    def view(request):
        return {"pupils": list(police_pupils(request.user))}

    assert _serve(sspo_a, view)["pupils"] == [pupil_a]
    dsa_revoke(partnership=school_a.partnership, by=sergeant, reason="Leaving the partnership.")
    # The very same user object, as a long-lived worker would hold it: nothing stayed on it.
    assert _serve(sspo_a, view)["pupils"] == []


def test_the_scope_is_forgotten_when_the_request_ends(sspo_a):
    def view(request):
        return {"scope": request.scope}

    first = _serve(sspo_a, view)["scope"]
    second = _serve(sspo_a, view)["scope"]
    assert first is not second
    assert scope_of(sspo_a) is not first  # outside a request: a fresh scope


def test_another_users_scope_is_never_the_requests(sspo_a, sspo_b, school_a, school_b):
    def view(request):
        theirs = scope_of(sspo_b)
        return {
            "theirs_is_mine": theirs is request.scope,
            "mine": School.objects.visible_ids(request.user),
            "theirs": School.objects.visible_ids(sspo_b),
        }

    seen = _serve(sspo_a, view)
    assert seen == {"theirs_is_mine": False, "mine": [school_a.pk], "theirs": [school_b.pk]}


def test_outside_a_request_each_call_works_the_scope_out_afresh(sspo_a, school_a, sergeant):
    # A Celery task or a management command: no request, so nothing is remembered.
    assert in_force_school_ids(sspo_a) == [school_a.pk]
    dsa_revoke(partnership=school_a.partnership, by=sergeant, reason="Leaving the partnership.")
    assert in_force_school_ids(sspo_a) == []
    assert scope_of(sspo_a) is not scope_of(sspo_a)


def test_nothing_private_is_left_on_the_user_object(spoc_a, school_a):
    from agreements.access import can_edit_action_plan, can_read_action_plan

    partnership_a = school_a.partnership
    before = set(vars(spoc_a))

    def view(request):
        School.objects.visible_ids(request.user)
        in_force_school_ids(request.user)
        can_read_action_plan(request.user, partnership_a)
        can_edit_action_plan(request.user, partnership_a)
        return {}

    _serve(spoc_a, view)
    added = set(vars(spoc_a)) - before
    assert not [name for name in added if name.startswith("_")], added


def test_a_scope_reads_the_leads_schools(head_a, staff_a, school_a):
    assert Scope(head_a).led_school_ids == {school_a.pk}
    assert Scope(staff_a).led_school_ids == frozenset()


def test_the_schools_loaded_for_a_page_leave_one_query_for_which_are_in_force(
    sspo_a, school_a, sergeant, django_assert_num_queries
):
    scope = Scope(sspo_a)
    assert [school.pk for school in scope.visible_schools()] == [school_a.pk]
    # The visible schools are not read again: one query asks which have a DSA in force.
    with django_assert_num_queries(1):
        assert scope.in_force_school_ids == [school_a.pk]
        assert scope.in_force_school_ids == [school_a.pk]
    assert Scope(sspo_a).in_force_school_ids == [school_a.pk]  # asked on its own, the same
    dsa_revoke(partnership=school_a.partnership, by=sergeant, reason="Leaving the partnership.")
    scope = Scope(sspo_a)
    assert [school.pk for school in scope.visible_schools()] == [school_a.pk]
    with django_assert_num_queries(1):
        assert scope.in_force_school_ids == []
    assert Scope(sspo_a).in_force_school_ids == []


def test_a_scope_reads_the_persons_places_once(
    spoc_a, head_a, school_a, django_assert_num_queries
):
    scope = Scope(spoc_a)
    with django_assert_num_queries(1):
        assert scope.led_school_ids == {school_a.pk}
        assert scope.held_school_ids(Role.STAFF) == {school_a.pk}  # the SPOC is on the staff
        assert scope.held_school_ids(Role.HEAD) == frozenset()
    assert Scope(head_a).held_school_ids(Role.HEAD) == {school_a.pk}


def test_an_officers_schools_are_asked_in_the_statement_the_rule_builds(
    sspo_a, sspo_b, sergeant, yet_officer, school_a, school_b, other_sergeant
):
    """For the police the visible schools come from a statement built once per role with
    stand-ins (ssp.statements): with the officer's values put in, it is the statement
    School.objects.visible_to builds for them, even built on another day."""
    SchoolFactory(force=yet_officer.officer.team.force, meets_sspo_criteria=False)
    _visible_statement.cache_clear()
    for user in (sspo_a, sergeant, yet_officer, other_sergeant):
        values = {**person_values(user), "today": timezone.localdate()}
        statement = built_on_another_day(partial(_visible_statement, "default", user.role))
        rule = School.objects.visible_to(user).values_list("pk", flat=True)
        sql, params = rule.query.sql_with_params()
        assert (statement.sql, statement.bind(values)) == (sql, list(params)), user
        assert sorted(visible_school_ids(user)) == sorted(rule), user
    assert sorted(visible_school_ids(sergeant)) == sorted([school_a.pk, school_b.pk])
    assert visible_school_ids(sspo_a) == [school_a.pk]
    assert visible_school_ids(other_sergeant) == []
    assert len(visible_school_ids(yet_officer)) == 1


def test_the_day_an_officers_schools_are_asked_for_is_the_requests(sspo_a, school_a):
    """Before the SSPO's assignment started, the request sees none of their schools."""
    scope = Scope(sspo_a)
    scope.__dict__["today"] = datetime.date(2026, 1, 1)  # as if worked out that day
    token = _current.set(scope)
    try:
        assert visible_school_ids(sspo_a) == []
    finally:
        _current.reset(token)
    assert visible_school_ids(sspo_a) == [school_a.pk]

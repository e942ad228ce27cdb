"""The overview's statements are built once per process with stand-ins (ssp.statements):
with a person's values put in, each is the very statement the rules build for them, even
built on another day (a rule that read the clock would have kept that day's)."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from reports import overview as team_figures
from reports.people import people_of
from schools.models import person_values
from ssp.scope import Scope, _current, scope_of
from ssp.statements import prepared_for_schools
from tests.factories import PartnershipFactory
from tests.statements import built_on_another_day


def in_scope_of(user, build):
    """build(), in the person's own scope, as a request of theirs would run it."""
    token = _current.set(Scope(user))
    try:
        return build()
    finally:
        _current.reset(token)


@pytest.mark.parametrize("who", ["sergeant", "head_a"])
def test_the_partnerships_statement_is_the_one_the_rules_build(request, sspo_a, force, who):
    # A partnership of the force no officer holds yet: the sergeant's table lists it.
    PartnershipFactory(school__force=force, school__name="Not held yet")
    user = request.getfixturevalue(who)
    today = timezone.localdate()

    def by_the_rules():
        scope = scope_of(user)
        school_ids = team_figures.scope_school_ids(user)
        query = team_figures._partnerships_query(user, school_ids, today).query
        return school_ids, scope.visible_school_ids, query.sql_with_params()

    school_ids, visible, (sql, params) = in_scope_of(user, by_the_rules)
    team_figures._partnerships_statement.cache_clear()
    shape = (user.role, len(visible), len(school_ids))
    prepared = built_on_another_day(
        lambda: team_figures._partnerships_statement("default", *shape)
    )
    values = {**person_values(user), "visible": visible, "schools": school_ids, "today": today}
    assert prepared.sql == sql
    assert prepared.bind(values) == list(params)

    partnerships = in_scope_of(user, lambda: team_figures._partnerships(user, school_ids, today))
    names = [p.school.name for p in partnerships]
    # The sergeant's table lists the force's partnership no one holds; the head's does not.
    assert ("Not held yet" in names) == (who == "sergeant")
    assert names == sorted(names)
    held = [p for p in partnerships if p.school.name != "Not held yet"]
    assert held and all(p.dsa_in_force and p.dsa_expires_on > today for p in held)
    assert all(p.school.urn and p.status == "active" for p in held)


@pytest.mark.parametrize("part", ["concerns", "police"])
def test_the_open_caseloads_statements_are_the_ones_the_rules_build(part, school_a, school_b):
    school_ids = [school_a.pk, school_b.pk]
    now = timezone.now()
    values = {
        "schools": school_ids,
        "late": now - team_figures.ACKNOWLEDGE_WITHIN,
        "today": timezone.localdate(),
    }
    query = team_figures._caseload_query(part, school_ids, values["late"], values["today"]).query
    sql, params = query.sql_with_params()
    team_figures._caseload_statement.cache_clear()
    prepared = built_on_another_day(lambda: team_figures._caseload_statement("default", part, 2))
    assert prepared.sql == sql
    assert prepared.bind(values) == list(params)


def test_the_sspos_names_are_those_holding_the_school_on_the_day(sspo_a, school_a):
    """Asked on the day the statement was built for and on days it was not."""
    prepared_for_schools.cache_clear()  # reports.people's statement, built afresh below
    today = timezone.localdate()
    name = sspo_a.get_full_name()
    built_on_another_day(lambda: team_figures._sspos([school_a.pk], today))
    assert team_figures._sspos([school_a.pk], today) == {school_a.pk: [name]}
    long_ago = today - datetime.timedelta(days=20 * 365)  # before the assignment started
    assert team_figures._sspos([school_a.pk], long_ago) == {}
    assert team_figures._sspos([], today) == {}


def test_the_overviews_names_read_the_sspos_alone(sspo_a, spoc_a, school_a):
    """The overview shows each partnership's SSPOs, not its SPOCs: their statement does not
    read the schools' memberships, while the homes' (which show both) still do."""
    prepared_for_schools.cache_clear()
    today = timezone.localdate()
    with CaptureQueriesContext(connection) as captured:
        assert team_figures._sspos([school_a.pk], today) == {school_a.pk: [sspo_a.get_full_name()]}
    [read] = captured.captured_queries
    assert "schools_membership" not in read["sql"]
    with CaptureQueriesContext(connection) as captured:
        [people] = people_of([school_a.pk], today).values()
    assert [lead.name for lead in people.leads] == [spoc_a.get_full_name()]
    assert [sspo.name for sspo in people.sspos] == [sspo_a.get_full_name()]
    [read] = captured.captured_queries
    assert "schools_membership" in read["sql"]

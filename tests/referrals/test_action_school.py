"""A case conference's actions carry its school (referrals 0006), so a person's open actions
are read by school; who may see one is who may see its conference."""

import datetime
import importlib

import pytest
from django.utils import timezone

from referrals.models import Conference, ConferenceAction
from referrals.services import conference_action_done, conference_add_action

from .test_access import ANON, PEOPLE, who

SEE_SCHOOL_A = {"spoc_a", "head_a", "sspo_a", "sergeant"}


def test_an_action_takes_its_conferences_school(conference_a, sspo_a):
    action = conference_add_action(
        conference=conference_a,
        by=sspo_a,
        description="Home visit",
        owner="Children's services",
        due_on=timezone.localdate() + datetime.timedelta(days=3),
    )
    action.refresh_from_db()
    assert action.school_id == conference_a.school_id
    done = conference_action_done(action=action, by=sspo_a)
    done.refresh_from_db()
    assert done.done_at is not None and done.school_id == conference_a.school_id
    assert {row.school_id for row in action.history.all()} == {conference_a.school_id}


@pytest.mark.parametrize("person", [*PEOPLE, ANON])
def test_an_action_is_seen_by_whoever_sees_its_conference(
    request, conference_a, spoc_a, head_a, spoc_b, head_b, staff_a, person
):
    user = who(request, person)
    seen = set(ConferenceAction.objects.visible_to(user))
    assert seen == set(
        ConferenceAction.objects.filter(conference__in=Conference.objects.visible_to(user))
    )
    assert seen == (set(conference_a.actions.all()) if person in SEE_SCHOOL_A else set())


def test_actions_made_before_they_kept_a_school_take_their_conferences(conference_a, school_b):
    """The migration fills each action's school, and its history's, from its conference:
    here undone by hand to a wrong school, then run again."""
    from django.apps import apps

    backfill = importlib.import_module("referrals.migrations.0006_action_school")
    ConferenceAction.objects.update(school=school_b)
    ConferenceAction.history.update(school=school_b)
    backfill._from_conferences(apps, None)
    assert set(ConferenceAction.objects.values_list("school", flat=True)) == {
        conference_a.school_id
    }
    assert set(ConferenceAction.history.values_list("school", flat=True)) == {
        conference_a.school_id
    }

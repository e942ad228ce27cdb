"""The daily job and the review list's decisions, at the service level (issue 13)."""

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from records import services
from records.models import LegalHold, RetentionRule, Review, ReviewDecision
from schools.models import Membership
from ssp.models import Notification
from tests.factories import PupilFactory

pytestmark = pytest.mark.django_db

# Amelia (pupil_a) was born on 1 May 2012: her school's records are reviewed from 1 May 2037.
BEFORE = dt.datetime(2037, 4, 30, 12, tzinfo=dt.UTC)
AFTER = dt.datetime(2037, 5, 2, 12, tzinfo=dt.UTC)


@pytest.fixture
def old_concern(make_concern, school_a, staff_a, pupil_a):
    return make_concern(school=school_a, reported_by=staff_a, pupils=[pupil_a])


def _sweep(when):
    with time_machine.travel(when, tick=False):
        return services.retention_sweep()


def _concerns_due(when) -> int:
    """Sweep, and count the concerns on the list (each pupil's own record is reviewed from
    their birth too, and goes on the list beside them)."""
    _sweep(when)
    return Review.objects.filter(kind="concern", state=Review.State.DUE).count()


def test_a_concern_is_not_due_before_the_pupils_25th_birthday(old_concern):
    assert _sweep(BEFORE)["due"] == 0
    assert not Review.objects.exists()


def test_a_concern_is_due_after_it_and_goes_on_the_schools_list(old_concern, school_a):
    assert _concerns_due(AFTER) == 1
    review = Review.objects.get(kind="concern")
    assert (review.kind, review.record_code) == ("concern", old_concern.code)
    assert review.school == school_a and review.team is None
    assert review.due_on == dt.date(2037, 5, 1)
    assert review.state == Review.State.DUE
    assert "25 years after the pupil's date of birth" in review.rule


def test_a_record_about_several_pupils_waits_for_the_youngest(
    make_concern, school_a, staff_a, pupil_a
):
    younger = PupilFactory(school=school_a, date_of_birth=dt.date(2014, 2, 1))
    make_concern(school=school_a, reported_by=staff_a, pupils=[pupil_a, younger])
    assert _concerns_due(AFTER) == 0
    assert _concerns_due(dt.datetime(2039, 2, 2, tzinfo=dt.UTC)) == 1
    assert Review.objects.get(kind="concern").due_on == dt.date(2039, 2, 1)


def test_running_the_job_twice_adds_nothing_and_tells_each_owner_once(
    old_concern, head_a, staff_a, school_a
):
    Membership.objects.filter(user=staff_a, school=school_a).update(is_data_protection_lead=True)
    first = _sweep(AFTER)
    second = _sweep(AFTER)
    assert (first["due"], second["due"]) == (2, 0)  # the concern and Amelia's pupil record
    assert Review.objects.count() == 2
    notes = Notification.objects.filter(link=reverse("records:review_list"))
    assert sorted(n.recipient_id for n in notes) == sorted([head_a.pk, staff_a.pk])
    for note in notes:
        assert note.subject == services.NOTICE_SUBJECT
        assert "Amelia" not in note.subject + note.reference
        assert "Ashby" not in note.subject + note.reference


def test_the_job_tells_no_one_outside_the_schools_owners(old_concern, head_a, spoc_a, sergeant):
    _sweep(AFTER)
    told = set(Notification.objects.values_list("recipient_id", flat=True))
    assert told == {head_a.pk}


def test_the_jobs_queries_do_not_grow_with_the_records(make_concern, school_a, staff_a, pupil_a):
    make_concern(school=school_a, reported_by=staff_a, pupils=[pupil_a])
    with time_machine.travel(AFTER, tick=False), CaptureQueriesContext(connection) as one:
        services.retention_sweep()
    Review.objects.all().delete()
    Notification.objects.all().delete()
    for _ in range(12):
        pupil = PupilFactory(school=school_a)
        make_concern(school=school_a, reported_by=staff_a, pupils=[pupil])
    with time_machine.travel(AFTER, tick=False), CaptureQueriesContext(connection) as many:
        found = services.retention_sweep()
    assert found["due"] == 26  # each concern and its pupil's own record
    assert len(many) == len(one), [q["sql"][:120] for q in many.captured_queries]


def test_a_school_that_keeps_its_records_longer_is_reviewed_later(old_concern, head_a, school_a):
    services.rule_lengthen(school=school_a, kind="concern", years=30, by=head_a)
    assert _concerns_due(AFTER) == 0
    assert _concerns_due(dt.datetime(2042, 5, 2, tzinfo=dt.UTC)) == 1


def test_a_school_cannot_shorten_the_forces_rule(head_a, school_a):
    with pytest.raises(ValidationError) as refused:
        services.rule_lengthen(school=school_a, kind="concern", years=20, by=head_a)
    assert "25 years or more" in str(refused.value)
    assert not RetentionRule.objects.filter(school=school_a).exists()


def test_the_defaults_are_the_laws_floor():
    rule = RetentionRule.objects.get
    assert (rule(school=None, kind="concern", group=0).years, rule(kind="concern").basis) == (
        25,
        "birth",
    )
    one = rule(school=None, kind="incident", group=1)
    assert (one.years, one.keep_until_age) == (10, 100)
    assert rule(school=None, kind="incident", group=2).years == 10
    assert rule(school=None, kind="incident", group=3).years == 6


@pytest.fixture
def due(old_concern):
    _sweep(AFTER)
    return Review.objects.get(kind="concern")


def test_keeping_a_record_sets_its_next_review_and_it_comes_back_then(due, head_a):
    with time_machine.travel(AFTER, tick=False):
        decision = services.review_keep(
            review=due,
            by=head_a,
            reason="Sibling's case still open",
            next_review_on=dt.date(2040, 1, 1),
        )
    due.refresh_from_db()
    assert (due.state, due.due_on) == (Review.State.KEPT, dt.date(2040, 1, 1))
    assert (decision.by, decision.reason) == (head_a, "Sibling's case still open")
    assert _sweep(dt.datetime(2039, 12, 30, tzinfo=dt.UTC))["reopened"] == 0
    assert _sweep(dt.datetime(2040, 1, 2, tzinfo=dt.UTC))["reopened"] == 1
    due.refresh_from_db()
    assert due.state == Review.State.DUE


def test_a_record_cannot_be_kept_without_a_future_date(due, head_a):
    with time_machine.travel(AFTER, tick=False), pytest.raises(ValidationError) as refused:
        services.review_keep(review=due, by=head_a, reason="x", next_review_on=dt.date(2037, 5, 1))
    assert "next_review_on" in refused.value.message_dict
    due.refresh_from_db()
    assert due.state == Review.State.DUE


def test_disposing_records_the_decision_and_who_made_it(due, head_a):
    with time_machine.travel(AFTER, tick=False):
        decision = services.review_dispose(review=due, by=head_a)
    due.refresh_from_db()
    assert due.state == Review.State.DISPOSING
    assert (decision.decision, decision.by) == (ReviewDecision.Decision.DISPOSE, head_a)


def test_deciding_twice_on_one_review_is_refused(due, head_a):
    with time_machine.travel(AFTER, tick=False):
        services.review_dispose(review=due, by=head_a)
        with pytest.raises(ValidationError):
            services.review_keep(
                review=due, by=head_a, reason="x", next_review_on=dt.date(2040, 1, 1)
            )


def test_the_same_dispose_form_posted_twice_lands_on_the_first_decision(due, head_a):
    token = "0b3f9a52-1d0e-4f31-8c5e-3c2f1f7f0a11"
    with time_machine.travel(AFTER, tick=False):
        first = services.review_dispose(review=due, by=head_a, once=token)
        again = services.review_dispose(review=due, by=head_a, once=token)
    assert again.pk == first.pk and again.replayed
    assert ReviewDecision.objects.count() == 1


@pytest.mark.parametrize("hold_on", ["pupil", "record"])
def test_a_held_record_cannot_be_disposed_of(due, head_a, school_a, pupil_a, hold_on):
    target = (
        {"pupil": pupil_a}
        if hold_on == "pupil"
        else {"kind": "concern", "record_code": due.record_code}
    )
    hold = services.hold_place(
        by=head_a, school=school_a, reason="IICSA", reference="I-1", **target
    )
    with time_machine.travel(AFTER, tick=False), pytest.raises(ValidationError) as refused:
        services.review_dispose(review=due, by=head_a)
    assert "legal hold" in str(refused.value)
    services.hold_lift(hold=hold, by=head_a, reason="Inquiry closed")
    assert not LegalHold.objects.in_force().exists()
    with time_machine.travel(AFTER, tick=False):
        services.review_dispose(review=due, by=head_a)
    due.refresh_from_db()
    assert due.state == Review.State.DISPOSING


def test_a_hold_on_another_pupil_holds_nothing_here(due, head_a, school_a):
    other = PupilFactory(school=school_a)
    services.hold_place(by=head_a, school=school_a, pupil=other, reason="Inquiry")
    assert services.held_codes([due]) == set()

"""Allocation by need: the force's secondary schools ranked by their need figures, and the
sergeant's writes that go with it (weights, the force's own measures, criteria).

The score, in plain English (the allocation page says the same):
each measure is scaled to run from 0 to 1 across the force's secondary schools, the school
with the highest figure scoring 1 (deprivation: IDACI decile 1, the most deprived, scores 1
and decile 10 scores 0); each scaled figure is multiplied by the measure's weight; the score
is the sum divided by the sum of the weights, times 100. A school with the highest figure on
every weighted measure scores 100. A measure with weight 0 counts for nothing; a school with
no figure entered for one of the force's own measures counts 0 for it.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Prefetch, Q
from django.utils.text import slugify

from reports.tasks import count_new_scopes_when_committed
from ssp.notifications import notify
from ssp.scope import fresh_scope
from ssp.submissions import once_per_form

from .access import can_allocate, can_allocate_school
from .models import (
    Assignment,
    Force,
    NeedMeasure,
    Officer,
    School,
    SchoolNeedFigure,
    Team,
    today,
)
from .services import assignment_create, tell_the_school

IDACI = "idaci_decile"


def force_measures(force_id) -> list[NeedMeasure]:
    """The force's measures: the five built-in ones first (unsaved, weight 1, until the
    sergeant first saves weights), then the two from GIAS (unsaved, weight 0), then the
    force's own in the order they were added."""
    saved = {m.key: m for m in NeedMeasure.objects.filter(force_id=force_id)}
    built_in = [
        saved.get(key) or NeedMeasure(force_id=force_id, key=key, name=name, weight=Decimal(1))
        for key, name in NeedMeasure.BUILT_IN.items()
    ]
    from_gias = [
        saved.get(key) or NeedMeasure(force_id=force_id, key=key, name=name, weight=Decimal(0))
        for key, name in NeedMeasure.FROM_GIAS.items()
    ]
    own = [m for m in saved.values() if not m.is_built_in]
    return built_in + from_gias + own


@dataclass
class RankedSchool:
    school: School
    figures: list = field(default_factory=list)  # (measure, value or None), measure order
    score: float = 0.0
    rank: int = 0


def _scaled(measure: NeedMeasure, value, highest) -> float:
    if value is None:
        return 0.0
    if measure.key == IDACI:
        return (10 - float(value)) / 9
    return float(value) / float(highest) if highest else 0.0


def ranking(user) -> tuple[list[NeedMeasure], list[RankedSchool]]:
    """The schools a sergeant allocates (their force's secondary schools), highest need
    first. Four queries, however many schools: the measures, the schools (with their
    partnerships), their current SSPOs, the force's own figures."""
    force_id = user.officer.team.force_id
    measures = force_measures(force_id)
    sspos = Assignment.objects.current().select_related("officer__user").order_by("starts_on")
    schools = list(
        School.objects.allocatable_by(user)
        .select_related("partnership")
        .prefetch_related(Prefetch("assignments", queryset=sspos, to_attr="current_sspos"))
        .order_by("name")
    )
    own_figures = {
        (school_id, measure_id): value
        for school_id, measure_id, value in SchoolNeedFigure.objects.filter(
            measure__force_id=force_id, school__in=[s.pk for s in schools]
        ).values_list("school_id", "measure_id", "value")
    }

    def value_of(school, measure):
        if measure.is_built_in:
            return getattr(school, measure.key)
        return own_figures.get((school.pk, measure.pk))

    rows = [
        RankedSchool(school, [(m, value_of(school, m)) for m in measures]) for school in schools
    ]
    highest = {
        m.key: max((row.figures[i][1] or 0 for row in rows), default=0)
        for i, m in enumerate(measures)
    }
    total_weight = sum(float(m.weight) for m in measures)
    for row in rows:
        weighted = sum(
            float(m.weight) * _scaled(m, value, highest[m.key]) for m, value in row.figures
        )
        row.score = 100 * weighted / total_weight if total_weight else 0.0
    rows.sort(key=lambda row: (-row.score, row.school.name))
    for position, row in enumerate(rows, start=1):
        row.rank = position
    return measures, rows


def team_officers(team_id):
    """The Safer Schools officers of a team who may hold schools, with how many they hold."""
    now = today()
    held_now = Q(assignments__starts_on__lte=now) & (
        Q(assignments__ends_on__isnull=True) | Q(assignments__ends_on__gte=now)
    )
    return (
        Officer.objects.filter(
            team_id=team_id,
            team__kind=Team.Kind.SAFER_SCHOOLS,
            rank=Officer.Rank.CONSTABLE,
        )
        .filter(Q(left_on__isnull=True) | Q(left_on__gt=now))
        .select_related("user")
        .annotate(school_count=Count("assignments", filter=held_now))
        .order_by("user__last_name", "user__first_name")
    )


# ---------------------------------------------------------------------------------------
# The sergeant's writes.


class StaleWeights(Exception):
    """Someone else saved the force's weights since the sergeant opened the form."""


def weights_fingerprint(measures) -> str:
    return ";".join(f"{m.key}={m.weight}" for m in measures)


def _require_force_allocator(by, force_id) -> None:
    # Asked under the force's row lock: a sergeant moved to another force since the page
    # was loaded changes nothing here.
    if not can_allocate(by) or by.officer.team.force_id != force_id:
        raise PermissionDenied


def _locked_school_to_allocate(school: School, by) -> School:
    locked = School.objects.select_for_update().get(pk=school.pk)
    fresh_scope(by)
    if not School.objects.allocatable_by(by).filter(pk=locked.pk).exists():
        raise PermissionDenied
    if not can_allocate_school(by, locked):
        raise PermissionDenied
    return locked


@transaction.atomic
def need_weights_set(*, force_id, weights: dict[str, Decimal], by, seen: str) -> None:
    """Save the force's weights, creating the built-in measures' rows on first use.

    `seen` is the fingerprint of the weights the sergeant was shown: if another sergeant
    saved in between, nothing is written and the caller shows the new weights.
    """
    # The force's row is the lock: two sergeants saving at once queue, and the second is
    # told the weights changed, even on first use when no measure row exists to lock.
    Force.objects.select_for_update().get(pk=force_id)
    _require_force_allocator(by, force_id)
    saved = {m.key: m for m in NeedMeasure.objects.filter(force_id=force_id)}
    if weights_fingerprint(force_measures(force_id)) != seen:
        raise StaleWeights
    for key, weight in weights.items():
        if weight is None:
            continue  # left blank: kept as it is
        measure = saved.get(key)
        if measure is None:
            names = NeedMeasure.BUILT_IN | NeedMeasure.FROM_GIAS
            if key not in names:
                continue  # a measure that is not the force's: ignore it
            measure = NeedMeasure(force_id=force_id, key=key, name=names[key])
        elif measure.weight == weight:
            continue
        measure.weight = weight
        measure._history_user = by
        measure.full_clean()
        measure.save()


@once_per_form(NeedMeasure)
@transaction.atomic
def need_measure_add(*, force_id, name: str, weight: Decimal, by) -> NeedMeasure:
    """A measure of the force's own; its key is made from the name."""
    Force.objects.select_for_update().get(pk=force_id)  # one new measure at a time
    _require_force_allocator(by, force_id)
    name = name.strip()
    key = slugify(name).replace("-", "_")[:40].strip("_")
    if not key:
        raise ValidationError({"name": "Enter a name with at least one letter or number."})
    taken = NeedMeasure.BUILT_IN | NeedMeasure.FROM_GIAS
    built_in_names = {n.lower() for n in taken.values()}
    if (
        key in taken
        or name.lower() in built_in_names
        or NeedMeasure.objects.filter(Q(key=key) | Q(name__iexact=name), force_id=force_id)
    ):
        raise ValidationError({"name": "The force already has a measure with that name."})
    measure = NeedMeasure(force_id=force_id, key=key, name=name, weight=weight)
    measure._history_user = by
    measure.full_clean()
    measure.save()
    return measure


@transaction.atomic
def need_figures_set(*, school: School, values: dict[int, Decimal | None], by) -> None:
    """A school's figures for the force's own measures (None removes a figure)."""
    school = _locked_school_to_allocate(school, by)
    measures = NeedMeasure.objects.filter(force_id=school.force_id, pk__in=values)
    existing = {
        f.measure_id: f
        for f in SchoolNeedFigure.objects.select_for_update().filter(
            school=school, measure__in=measures
        )
    }
    for measure in measures:
        value, figure = values[measure.pk], existing.get(measure.pk)
        if value is None:
            if figure is not None:
                figure._history_user = by
                figure.delete()
            continue
        if figure is None:
            figure = SchoolNeedFigure(school=school, measure=measure)
        elif figure.value == value:
            continue
        figure.value = value
        figure._history_user = by
        figure.save()


@transaction.atomic
def sspo_criteria_set(*, school: School, meets: bool, reason: str, by) -> School:
    """Mark whether a school meets the SSPO criteria; the reason goes into its history.

    A school that does not meet them is served by the Youth Engagement Team, so one that
    still has an SSPO must have the assignment ended first.
    """
    school = _locked_school_to_allocate(school, by)
    if not reason.strip():
        raise ValidationError({"reason": "Enter the reason for this decision."})
    if not meets:
        held = (
            Assignment.objects.filter(school=school)
            .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=today()))
            .select_related("officer__user")
        )
        names = ", ".join(sorted({a.officer.user.get_full_name() for a in held}))
        if names:
            raise ValidationError(
                {
                    "meets": f"End the assignment of {names} first: a school below the "
                    "criteria cannot have a Safer Schools Police Officer."
                }
            )
    changed = school.meets_sspo_criteria != meets
    school.meets_sspo_criteria = meets
    school._history_user = by
    school._change_reason = reason.strip()
    school.save(update_fields=["meets_sspo_criteria"])
    if changed:
        tell_the_school(
            school,
            "Your school now meets the criteria for a Safer Schools Police Officer"
            if meets
            else "Your school is now served by the Youth Engagement Team",
        )
    return school


@once_per_form(Assignment)
@transaction.atomic
def officer_assign(
    *, school: School, officer: Officer, starts_on=None, ends_on=None, by
) -> Assignment:
    """Assign an officer of the sergeant's team to a school that meets the SSPO criteria.

    The school's row is locked so a change of criteria and an assignment cannot cross;
    assignment_create then keeps the two-school limit under the officer's lock.
    """
    school = _locked_school_to_allocate(school, by)
    if not school.meets_sspo_criteria:
        raise ValidationError(
            {
                "officer": f"{school.name} does not meet the SSPO criteria, so it cannot have a "
                "Safer Schools Police Officer. The Youth Engagement Team serves it instead."
            }
        )
    if officer.team_id != by.officer.team_id:
        raise ValidationError({"officer": "Choose an officer of your own team."})
    assignment = assignment_create(
        officer=officer, school=school, starts_on=starts_on, ends_on=ends_on, by=by
    )
    # From today, the team's schools change: the overview of the new set of schools is
    # counted before the sergeant opens it (a later start's, in the night it begins).
    count_new_scopes_when_committed()
    tell_the_school(school, "A Safer Schools Police Officer has been assigned to your school")
    notify(
        recipients=[officer.user],
        subject="You have been assigned a school",
        link="/",
        reference=f"School: {school.name}",
    )
    return assignment

"""The retention rules: what the law asks, what the force and each school chose, and which
records about pupils are due for review under them.

The law's periods (the floor nobody may go below):
- A school's child-protection records: reviewed at the pupil's date of birth + 25 years (for
  a record about several pupils, the youngest pupil's), as the school's safeguarding record
  retention guidance asks (IRMS toolkit for schools).
- Police records, by their MoPI group (College of Policing, APP Management of Police
  Information, "Review, retention and disposal"): group 1, certain public protection matters,
  kept until the subject is 100 and reviewed every 10 years; group 2, other sexual, violent or
  serious offences, reviewed 10 years from the record; group 3, all other offences, 6 years.
- The access log and notifications: no period of their own in law; the force sets one, and
  the daily job removes their rows once older than it (records.disposal.dispose_log).
Uploaded files have no rule of their own: they go with the record they belong to.
"""

from dataclasses import dataclass
from datetime import date

from django.db.models import DateField, F, Max
from django.db.models.functions import Cast, Coalesce, Greatest

from ssp.held import Controller, Holding

from .models import RetentionRule

Basis = RetentionRule.Basis


@dataclass(frozen=True)
class Law:
    basis: str
    years: int
    keep_until_age: int | None = None


# (controller, MoPI group) -> the law's floor. A school's kinds have no group (0).
LAW = {
    (Controller.SCHOOL, 0): Law(Basis.BIRTH, 25),
    (Controller.POLICE, 1): Law(Basis.RECORD, 10, keep_until_age=100),
    (Controller.POLICE, 2): Law(Basis.RECORD, 10),
    (Controller.POLICE, 3): Law(Basis.RECORD, 6),
}
MOPI_GROUPS = {
    1: "MoPI group 1 (certain public protection matters)",
    2: "MoPI group 2 (other sexual, violent or serious offences)",
    3: "MoPI group 3 (all other offences)",
}
# Rows that are not records about a pupil, removed after a set number of years.
LOGS = {
    "access_log": "Access log rows (who opened which record)",
    "notification": "Notifications",
}
LOG_FLOOR_YEARS = 1


def add_years(day: date, years: int) -> date:
    """The same day `years` later (or earlier); 29 February becomes 28 February."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def law_for(controller, group) -> Law | None:
    return LAW.get((Controller(controller), group))


def floor_years(rule: RetentionRule, controller=None) -> int:
    """The fewest years this rule may say: the law's for its kind and group."""
    if rule.kind in LOGS:
        return LOG_FLOOR_YEARS
    law = law_for(controller or controller_of(rule), rule.group)
    return law.years if law else 1


def controller_of(rule) -> Controller:
    return Controller.SCHOOL if rule.group == 0 else Controller.POLICE


def in_words(rule: RetentionRule, label: str = "") -> str:
    """The rule as people read it on the rules page and the review list."""
    what = label or LOGS.get(rule.kind) or rule.kind
    group = f", {MOPI_GROUPS[rule.group]}" if rule.group in MOPI_GROUPS else ""
    if rule.kind in LOGS:
        return f"{what}: removed {rule.years} years after they were written, by the daily job"
    if rule.basis == Basis.BIRTH and rule.kind == "pupil":
        words = f"{what}{group}: reviewed {rule.years} years after the pupil's date of birth"
    elif rule.basis == Basis.BIRTH:
        words = (
            f"{what}{group}: reviewed {rule.years} years after the pupil's date of birth "
            "(the youngest pupil's, for a record about several)"
        )
    else:
        words = f"{what}{group}: reviewed {rule.years} years after the record was made"
    if rule.keep_until_age:
        words += f", and kept until the pupil would be {rule.keep_until_age}"
    return words


def effective(rules, *, kind: str, group, school_id=None) -> RetentionRule | None:
    """The school's own rule for the kind if it has one, else the force's."""
    own = rules.get((school_id, kind, group)) if school_id else None
    return own or rules.get((None, kind, group))


def load() -> dict:
    return {(r.school_id, r.kind, r.group): r for r in RetentionRule.objects.all()}


def reference_field(holding: Holding) -> str:
    if holding.reference:
        return holding.reference
    names = {f.name for f in holding.rows.model._meta.get_fields()}
    return "reference" if "reference" in names else ""


def owner_field(holding: Holding) -> str:
    if holding.owned_by:
        return holding.owned_by
    return "school" if holding.controller == Controller.SCHOOL else ""


def due_rows(holding: Holding, rule: RetentionRule, *, today: date, school_ids=None):
    """The holding's rows whose review date under `rule` has passed, each annotated with
    `review_on`, `owner_id` and `mopi_group`: one query, whatever the number of rows."""
    model = holding.rows.model
    rows = model._default_manager.filter(pk__in=holding.rows.values("pk"))
    owner = owner_field(holding)
    # A record with no owner to answer for it (none recorded) cannot go on anyone's list.
    rows = rows.annotate(owner_id=F(f"{owner}__pk")).filter(owner_id__isnull=False)
    if school_ids is not None:
        rows = rows.filter(owner_id__in=school_ids)
    if holding.group is not None:
        group = F(holding.group) if isinstance(holding.group, str) else holding.group
        rows = rows.annotate(mopi_group=group).filter(mopi_group=rule.group)
    if rule.basis == Basis.BIRTH:
        rows = rows.annotate(born=youngest_born(holding)).filter(
            born__lte=add_years(today, -rule.years)
        )
    else:
        made = Cast(F(holding.dated_by), DateField())
        rows = rows.annotate(made_on=made).filter(made_on__lte=add_years(today, -rule.years))
    return rows


def born_paths(holding: Holding) -> list[str]:
    return [f"{p}__date_of_birth" if p else "date_of_birth" for p in holding.pupil_paths]


def youngest_born(holding: Holding):
    """The latest date of birth among the record's pupils, whichever way it reaches them;
    for a row about no pupil of the portal, the date of birth it carries itself."""
    found = [Max(path) for path in born_paths(holding)]
    youngest = found[0] if len(found) == 1 else Greatest(*found)
    return Coalesce(youngest, F(holding.born)) if holding.born else youngest


def review_on(row, rule: RetentionRule) -> date:
    start = row.born if rule.basis == Basis.BIRTH else row.made_on
    return add_years(start, rule.years)

"""Who works with each school now, by name: its SSPOs and its SPOC and deputy.

The homes show them beside each school and the overview beside each partnership. Names are
all either shows, so they are read as names in one statement for every school at once, built
once per process for each number of schools (ssp.statements), rather than as assignment,
officer, membership and user objects (some 300 of them for a sergeant's 60 schools).
"""

import datetime
from typing import NamedTuple

from django.db.models import BooleanField, CharField, DateField, Value

from schools.models import Assignment, Membership
from ssp.roles import SPOCS
from ssp.statements import prepared_for_schools


class Sspo(NamedTuple):
    name: str
    collar_number: str


class Lead(NamedTuple):
    """A SPOC or deputy SPOC."""

    name: str
    designation: str


class People(NamedTuple):
    sspos: list[Sspo]  # by the day they started
    leads: list[Lead]  # the SPOC before the deputy


def people_of(school_ids, on: datetime.date, *, leads: bool = True) -> dict[int, People]:
    """Each of these schools' people on the day (a school with none has empty lists); with
    `leads=False` their SSPOs alone (the overview shows no SPOCs: half the rows unread)."""
    ids = sorted(school_ids)
    found = {school_id: People([], []) for school_id in ids}
    if not ids:
        return found
    query = _people_query if leads else _sspos_query
    statement = prepared_for_schools(query, Assignment.objects.db, len(ids))
    rows = statement.rows({"schools": ids, "today": on})
    # (school, SSPO or not, first name, last name, collar number, designation, order...)
    for school_id, is_sspo, first, last, collar, designation, *_ in sorted(rows, key=_in_order):
        name = f"{first} {last}".strip()  # as User.get_full_name()
        if is_sspo:
            found[school_id].sspos.append(Sspo(name, collar))
        else:
            found[school_id].leads.append(Lead(name, designation))
    return found


def _in_order(row):
    _, is_sspo, _, _, _, designation, starts_on, pk = row
    spoc_first = designation != Membership.Designation.SPOC
    return (not is_sspo, starts_on or datetime.date.min, spoc_first, pk)


def _people_query(school_ids, on):
    return _sspos_query(school_ids, on).union(_leads_query(school_ids, on), all=True)


def _sspos_query(school_ids, on):
    return (
        Assignment.objects.current(on)
        .filter(school__in=school_ids)
        .values_list(
            "school_id",
            Value(True, output_field=BooleanField()),
            "officer__user__first_name",
            "officer__user__last_name",
            "officer__collar_number",
            Value("", output_field=CharField()),
            "starts_on",
            "pk",
        )
        .order_by()
    )


def _leads_query(school_ids, on):
    return (
        Membership.objects.current(on)
        .filter(school__in=school_ids)
        .in_role(*SPOCS)
        .values_list(
            "school_id",
            Value(False, output_field=BooleanField()),
            "user__first_name",
            "user__last_name",
            Value("", output_field=CharField()),
            "designation",
            Value(None, output_field=DateField()),
            "pk",
        )
        .order_by()
    )

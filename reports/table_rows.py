"""The overview's partnership table rows and the homes' schools, drawn in Python.

A sergeant's table has a row per partnership of the force (60 in the benchmark), and drawn
by the template engine each row cost about 140 microseconds: two thirds of the figures'
drawing time. Here each row is one string, every value in it escaped as the template would
(django.utils.html.escape is html.escape, called here without its lazy-string wrapper), and
the template shows the row as it shows any other safe string.
"""

import functools
from html import escape
from typing import NamedTuple

from django.urls import get_script_prefix, reverse
from django.utils.safestring import SafeString, mark_safe

from schools.models import Membership

from .overview import STATUS_TAGS

IN_FORCE = '<strong class="govuk-tag govuk-tag--green">In force</strong>'
NOT_IN_FORCE = '<strong class="govuk-tag govuk-tag--red">Not in force</strong>'
NOT_HELD = '<span class="govuk-body-s">No officer of the team holds this school</span>'
NONE = '<span class="govuk-body-s">None</span>'
NOT_REVIEWED = '<span class="govuk-body-s">Not reviewed yet</span>'
ITEMS = '<ul class="govuk-list govuk-body-s govuk-!-margin-bottom-0">{}</ul>'
OVERDUE_COUNT = '<strong class="govuk-tag govuk-tag--red">{}</strong>'


def _e(value) -> str:
    return escape(str(value))


def partnership_row(row) -> SafeString:
    """One row of the partnerships table (reports.overview.Row)."""
    partnership = row.partnership
    if not row.in_team:
        open_cell, overdue_cell = NOT_HELD, "–"
    else:
        open_cell = _counts_cell(row.open_items, overdue=False)
        overdue_cell = _counts_cell(row.overdue_items, overdue=True)
    school, agreement, rating = _partnership_cells(
        get_script_prefix(),
        partnership.code,
        partnership.school.name,
        partnership.school.urn,
        row.status_tag,
        str(partnership.get_status_display()),
        row.sspo_names,
        row.in_force,
        row.agreement,
        row.rating,
        row.rating_tag,
        row.reviewed,
    )
    return mark_safe(  # every value is escaped; the rest is this module's own markup
        f'<tr class="govuk-table__row">{school}{agreement}'
        f'<td class="govuk-table__cell">{open_cell}</td>'
        f'<td class="govuk-table__cell">{overdue_cell}</td>{rating}</tr>'
    )


# A partnership's own cells (its school, agreement and latest rating) change a few times a
# term, its counts every day: drawn from their values alone, they are drawn again from memory
# (after a change to a concern, say) rather than escaped and linked 60 times over. The
# script prefix is among the values, as the link depends on it.
@functools.lru_cache(maxsize=1024)
def _partnership_cells(
    prefix,
    code,
    school_name,
    urn,
    status_tag,
    status,
    sspo_names,
    in_force,
    agreement,
    rating,
    rating_tag,
    reviewed,
) -> tuple[str, str, str]:
    url = reverse("partnership_detail", args=[code])
    school_cell = (
        '<th scope="row" class="govuk-table__header">'
        f'<a class="govuk-link" href="{_e(url)}">{_e(school_name)}</a><br>'
        f'<span class="govuk-body-s">URN {_e(urn)}</span><br>'
        f'<strong class="govuk-tag {_e(status_tag)}">{_e(status)}</strong><br>'
        f'<span class="govuk-body-s">{_e(sspo_names or "No SSPO assigned")}</span>'
        "</th>"
    )
    agreement_cell = (
        f'<td class="govuk-table__cell">{IN_FORCE if in_force else NOT_IN_FORCE}<br>'
        f'<span class="govuk-body-s">{_e(agreement)}</span></td>'
    )
    rated = (
        f'<strong class="govuk-tag {_e(rating_tag)}">{_e(rating)}</strong><br>'
        f'<span class="govuk-body-s">{_e(reviewed)}</span>'
        if rating
        else NOT_REVIEWED
    )
    return school_cell, agreement_cell, f'<td class="govuk-table__cell">{rated}</td>'


# The same for a school's open and overdue items: most schools' counts are as they were.
@functools.lru_cache(maxsize=4096)
def _counts_cell(items: tuple, overdue: bool) -> str:
    """A list of (count, label) items, each count in a red tag if overdue; or None."""
    count = OVERDUE_COUNT if overdue else "{}"
    listed = "".join(f"<li>{count.format(_e(n))} {_e(label)}</li>" for n, label in items)
    return ITEMS.format(listed) if listed else NONE


def numeric_cells(numbers) -> SafeString:
    """A table row's cells of counts (the concerns by category and month: 13 to a row)."""
    return mark_safe(  # whole numbers only: nothing to escape
        "".join(
            f'<td class="govuk-table__cell govuk-table__cell--numeric">{int(n)}</td>'
            for n in numbers
        )
    )


# The homes' schools: their table (a sergeant's has the team's 60) and a school's summary ------

YET_TAG = '<strong class="govuk-tag govuk-tag--purple">Youth Engagement Team</strong>'
NO_PARTNERSHIP_TAG = '<strong class="govuk-tag govuk-tag--grey">No partnership</strong>'


class SchoolCells(NamedTuple):
    """What the homes show of a school beside its name, each escaped."""

    tag: SafeString  # its partnership's status, or the Youth Engagement Team's
    sspos: SafeString  # its SSPOs' names and collar numbers
    spocs: SafeString  # its SPOC and deputy


def school_cells(school) -> SchoolCells:
    """`school` comes from the home's query, with `partnership`, `current_sspos`
    (reports.people.Sspo) and `leads` (reports.people.Lead) loaded."""
    partnership = getattr(school, "partnership", None)
    return _school_cells(
        school.served_by_yet,
        partnership and (partnership.status, str(partnership.get_status_display())),
        tuple(school.current_sspos),
        tuple(school.leads),
    )


# Drawn from their values alone, so a school's cells are drawn once and then found again
# (the same on every request) while nothing they show changes.
@functools.lru_cache(maxsize=1024)
def _school_cells(by_yet, partnership, sspos, leads) -> SchoolCells:
    if by_yet:
        tag = YET_TAG
    elif partnership:
        status, label = partnership
        colour = STATUS_TAGS.get(status, "govuk-tag--grey")
        tag = f'<strong class="govuk-tag {colour}">{_e(label)}</strong>'
    else:
        tag = NO_PARTNERSHIP_TAG
    if sspos:
        sspo_names = ", ".join(f"{_e(name)} ({_e(collar)})" for name, collar in sspos)
    else:
        sspo_names = "Served by the Youth Engagement Team" if by_yet else "None assigned"
    deputy = Membership.Designation.DEPUTY
    spoc_names = ", ".join(
        _e(name) + (" (deputy)" if designation == deputy else "") for name, designation in leads
    )
    # every value is escaped; the rest is this module's own markup
    return SchoolCells(*map(mark_safe, (tag, sspo_names, spoc_names or "Not yet named")))


def school_row(school) -> SafeString:
    """One row of a home's schools table; `school` has its `cells` (school_cells)."""
    return _school_row(get_script_prefix(), school.code, school.name, school.urn, school.cells)


# The script prefix is among the values, as the link depends on it.
@functools.lru_cache(maxsize=1024)
def _school_row(prefix, code, name, urn, cells) -> SafeString:
    url = reverse("school_detail", args=[code])
    return mark_safe(  # every value is escaped; the rest is this module's own markup
        '<tr class="govuk-table__row"><th scope="row" class="govuk-table__header">'
        f'<a class="govuk-link" href="{_e(url)}">{_e(name)}</a><br>'
        f'<span class="govuk-body-s">URN {_e(urn)}</span><br>{cells.tag}</th>'
        f'<td class="govuk-table__cell">{cells.sspos}</td>'
        f'<td class="govuk-table__cell">{cells.spocs}</td></tr>'
    )


def appraisal_item(school, opens_rounds: bool) -> SafeString:
    """A school's line of the homes' appraisal links: its partnership's reviews, and its
    feedback rounds for whoever opens them. `school` has its partnership loaded."""
    return _appraisal_item(get_script_prefix(), school.name, school.partnership.code, opens_rounds)


@functools.lru_cache(maxsize=1024)
def _appraisal_item(prefix, name, code, opens_rounds) -> SafeString:
    hidden = f'<span class="govuk-visually-hidden"> of {_e(name)}</span>'
    reviews = f'<a class="govuk-link" href="{_e(reverse("review_list", args=[code]))}">'
    rounds = (
        f' · <a class="govuk-link" href="{_e(reverse("feedback_round_list", args=[code]))}">'
        f"feedback rounds{hidden}</a>"
        if opens_rounds
        else ""
    )
    return mark_safe(  # every value is escaped; the rest is this module's own markup
        f"<li>{_e(name)}: {reviews}reviews{hidden}</a>{rounds}</li>"
    )

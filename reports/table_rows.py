"""The overview's partnership table rows, drawn in Python.

A sergeant's table has a row per partnership of the force (60 in the benchmark), and drawn
by the template engine each row cost about 140 microseconds: two thirds of the figures'
drawing time. Here each row is one string, every value in it escaped as the template would
(django.utils.html.escape is html.escape, called here without its lazy-string wrapper), and
the template shows the row as it shows any other safe string.
"""

from html import escape

from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe

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
    partnership, school = row.partnership, row.school
    url = reverse("partnership_detail", args=[partnership.code])
    if not row.in_team:
        open_cell, overdue_cell = NOT_HELD, "–"
    else:
        open_cell = _items(f"<li>{_e(n)} {_e(label)}</li>" for n, label in row.open_items)
        overdue_cell = _items(
            f"<li>{OVERDUE_COUNT.format(_e(n))} {_e(label)}</li>" for n, label in row.overdue_items
        )
    if row.rating:
        rating = (
            f'<strong class="govuk-tag {_e(row.rating_tag)}">{_e(row.rating)}</strong><br>'
            f'<span class="govuk-body-s">{_e(row.reviewed)}</span>'
        )
    else:
        rating = NOT_REVIEWED
    return mark_safe(  # every value above is escaped; the rest is this module's own markup
        '<tr class="govuk-table__row">'
        '<th scope="row" class="govuk-table__header">'
        f'<a class="govuk-link" href="{_e(url)}">{_e(school.name)}</a><br>'
        f'<span class="govuk-body-s">URN {_e(school.urn)}</span><br>'
        f'<strong class="govuk-tag {_e(row.status_tag)}">'
        f"{_e(partnership.get_status_display())}</strong><br>"
        f'<span class="govuk-body-s">{_e(row.sspo_names or "No SSPO assigned")}</span>'
        "</th>"
        f'<td class="govuk-table__cell">{IN_FORCE if row.in_force else NOT_IN_FORCE}<br>'
        f'<span class="govuk-body-s">{_e(row.agreement)}</span></td>'
        f'<td class="govuk-table__cell">{open_cell}</td>'
        f'<td class="govuk-table__cell">{overdue_cell}</td>'
        f'<td class="govuk-table__cell">{rating}</td>'
        "</tr>"
    )


def _items(items) -> str:
    listed = "".join(items)
    return ITEMS.format(listed) if listed else NONE


def numeric_cells(numbers) -> SafeString:
    """A table row's cells of counts (the concerns by category and month: 13 to a row)."""
    return mark_safe(  # whole numbers only: nothing to escape
        "".join(
            f'<td class="govuk-table__cell govuk-table__cell--numeric">{int(n)}</td>'
            for n in numbers
        )
    )

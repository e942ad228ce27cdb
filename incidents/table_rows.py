"""The lists of concerns' rows (the triage queue, a member of staff's own, those shared with
an officer), drawn in Python.

Each list shows 25 rows, and drawn by the template engine (a row with its status tag, its
pupils and their roles) they were most of the page's time: the queue's statement takes
well under a millisecond at a million concerns. Here each row is one string, every value in
it escaped as the template would (django.utils.html.escape is html.escape, called here
without its lazy-string wrapper), and the template shows it as it shows any other safe
string. As reports/table_rows.py does for the overview's partnerships.
"""

from html import escape

from django.db.models import Prefetch
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.safestring import SafeString, mark_safe
from django.utils.timezone import localtime

from .models import Category, Concern, ConcernPupil

# A concern's status as a tag: awaiting triage blue (red with a child at immediate risk).
STATUS_TAGS = {
    Concern.Status.NEW: "govuk-tag--blue",
    Concern.Status.SHARED: "govuk-tag--purple",
    Concern.Status.IN_SCHOOL: "govuk-tag--green",
    Concern.Status.EARLY_INTERVENTION: "govuk-tag--turquoise",
}
IMMEDIATE_RISK = '<strong class="govuk-tag govuk-tag--red">Immediate risk</strong>'
# Labels by value, as get_FOO_display gives them (the value itself when it has none): that
# flattens and hashes the field's choices on every call, a quarter of a row's drawing.
CATEGORIES = dict(Category.choices)
STATUSES = dict(Concern.Status.choices)
ROLES = {value: label.lower() for value, label in ConcernPupil.Role.choices}

# What a row shows of a concern, the lists' sort keys among them, and of each of its pupils.
# A list reads no more: not a narrative a page long, nor a child's record beyond their name.
ROW_FIELDS = ("code", "reference", "category", "status", "immediate_risk", "recorded_at")
PUPIL_FIELDS = ("concern", "role", "pupil__code", "pupil__first_name", "pupil__last_name")


def for_rows(queryset, *, show_school=False, show_reporter=False):
    """`queryset` reading what concern_row shows (with the same choices), and no more.

    Each concern's pupils come in one more query, as a list (`pupil_links`), not as a
    manager that builds a queryset for every concern. Together, a millisecond of a list's
    fifteen at 100,000 concerns (bench/lists.py).
    """
    fields = list(ROW_FIELDS)
    related = []
    if show_school:
        related.append("school")
        fields.append("school__name")
    if show_reporter:
        related.append("reported_by")
        fields += ["reported_by__first_name", "reported_by__last_name"]
    links = (
        ConcernPupil.objects.select_related("pupil")
        .only(*PUPIL_FIELDS)
        .order_by("pupil__last_name")
    )
    if related:
        queryset = queryset.select_related(*related)
    return queryset.only(*fields).prefetch_related(
        Prefetch("involved", queryset=links, to_attr="pupil_links")
    )


def _e(value) -> str:
    return escape(str(value))


def status_tag(concern: Concern) -> SafeString:
    """The concern's status, as the lists and its own page show it."""
    if concern.status == Concern.Status.NEW and concern.immediate_risk:
        tag = "govuk-tag--red"
    else:
        tag = STATUS_TAGS.get(concern.status, "govuk-tag--grey")
    label = _e(STATUSES.get(concern.status, concern.status))
    return mark_safe(  # the class is this module's; the label is escaped
        f'<strong class="govuk-tag {tag}">{label}</strong>'
    )


def concern_row(concern: Concern, *, show_school=False, show_reporter=False) -> SafeString:
    """One row of a list of concerns: its reference and status, its pupils, when it was
    logged (and by whom, in the SPOC's queue). Read through for_rows, with the same choices."""
    url = reverse("concern_detail", args=[concern.code])
    about = _e(CATEGORIES.get(concern.category, concern.category))
    if concern.is_police_relevant:
        about += " · police-relevant"
    first = [
        f'<a class="govuk-link" href="{_e(url)}">{_e(concern.reference)}</a>',
        status_tag(concern),
    ]
    if concern.immediate_risk:
        first.append(IMMEDIATE_RISK)
    first.append(f'<span class="govuk-body-s">{about}</span>')
    if show_school:
        first.append(f'<span class="govuk-body-s">{_e(concern.school.name)}</span>')
    pupils = "<br>".join(
        f"{_e(link.pupil.first_name)} {_e(link.pupil.last_name)} "
        f'<span class="govuk-body-s">({_e(ROLES.get(link.role, link.role))})</span>'
        for link in concern.pupil_links
    )
    logged = _e(date_format(localtime(concern.recorded_at), "j M Y H:i"))
    if show_reporter:
        by = concern.reported_by.get_full_name()
        logged += f'<br><span class="govuk-body-s">by {_e(by)}</span>'
    return mark_safe(  # every value above is escaped; the rest is this module's own markup
        '<tr class="govuk-table__row">'
        f'<td class="govuk-table__cell">{"<br>".join(first)}</td>'
        f'<td class="govuk-table__cell">{pupils}</td>'
        f'<td class="govuk-table__cell">{logged}</td>'
        "</tr>"
    )

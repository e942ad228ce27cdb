"""The sergeant's allocation pages: the force's secondary schools ranked by need, the
weights, the force's own measures, the SSPO criteria and assigning officers."""

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from ssp.forms import add_service_errors

from . import allocation, services
from .access import (
    can_allocate,
    can_end_assignment,
    get_assignment_to_end,
    get_school_to_allocate,
)
from .allocation_forms import (
    AssignForm,
    CriteriaForm,
    EndAssignmentForm,
    FiguresForm,
    MeasureForm,
    WeightsForm,
)
from .intake.gias_services import GIAS_CHANGE_REASON
from .models import Assignment, NeedMeasure, SchoolNeedFigure, today


def _form_page(request, form, *, title, back, submit, caption="", intro="", school=None):
    return render(
        request,
        "schools/allocation_form.html",
        {
            "form": form,
            "title": title,
            "caption": caption,
            "intro": intro,
            "back": back,
            "submit": submit,
            "school": school,
        },
    )


@login_required
def allocation_ranking(request):
    if not can_allocate(request.user):
        raise PermissionDenied
    team = request.user.officer.team
    measures, rows = allocation.ranking(request.user)
    return render(
        request,
        "schools/allocation.html",
        {
            "measures": measures,
            "rows": rows,
            "officers": allocation.team_officers(team.pk),
            "team": team,
            "max_schools": Assignment.MAX_SCHOOLS,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def need_weights(request):
    if not can_allocate(request.user):
        raise PermissionDenied
    force_id = request.user.officer.team.force_id
    measures = allocation.force_measures(force_id)
    seen = allocation.weights_fingerprint(measures)
    form = WeightsForm(request.POST or None, measures=measures, initial={"seen": seen})
    if request.method == "POST" and form.is_valid():
        try:
            allocation.need_weights_set(
                force_id=force_id,
                weights=form.weights(),
                by=request.user,
                seen=form.cleaned_data["seen"],
            )
        except allocation.StaleWeights:
            # Keep what they typed; saving again now means overwriting knowingly.
            data = request.POST.copy()
            data["seen"] = seen
            form = WeightsForm(data, measures=measures)
            form.is_valid()
            current = ", ".join(f"{m.name} {m.weight.normalize():f}" for m in measures)
            form.add_error(
                None,
                "Someone else saved the weights while you were editing them, so yours were "
                f"not saved. The weights are now: {current}. Save again to replace them "
                "with yours.",
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "The weights have been saved and the ranking updated.")
            return redirect("allocation")
    return _form_page(
        request,
        form,
        title="Weights of the need measures",
        intro="Each weight is from 0 to 10. A measure with weight 0 is left out of the score; "
        "one with weight 2 counts twice as much as one with weight 1.",
        back=reverse("allocation"),
        submit="Save weights",
    )


@login_required
@require_http_methods(["GET", "POST"])
def need_measure_new(request):
    if not can_allocate(request.user):
        raise PermissionDenied
    form = MeasureForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            measure = allocation.need_measure_add(
                force_id=request.user.officer.team.force_id, by=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                f"{measure.name} has been added. Enter each school's figure for it from the "
                "school's allocation page.",
            )
            return redirect("allocation")
    return _form_page(
        request,
        form,
        title="Add a need measure",
        intro="A figure of the force's own to rank schools by, besides the built-in ones. A "
        "higher figure must mean more need.",
        back=reverse("allocation"),
        submit="Add measure",
    )


@login_required
def allocation_school(request, code):
    school = get_school_to_allocate(request.user, code)
    own = [m for m in allocation.force_measures(school.force_id) if not m.is_built_in and m.pk]
    values = dict(
        SchoolNeedFigure.objects.filter(school=school).values_list("measure_id", "value")
    )
    assignments = list(
        Assignment.objects.filter(school=school)
        .select_related("officer__user", "officer__team")
        .order_by("-starts_on")
    )
    for assignment in assignments:
        not_over = assignment.ends_on is None or assignment.ends_on >= today()
        assignment.can_end = not_over and can_end_assignment(request.user, assignment)
    decisions = (
        school.history.filter(history_change_reason__isnull=False)
        .exclude(history_change_reason__startswith=GIAS_CHANGE_REASON)
        .select_related("history_user")
        .order_by("-history_date")
    )
    return render(
        request,
        "schools/allocation_school.html",
        {
            "school": school,
            "partnership": getattr(school, "partnership", None),
            "built_in": [
                (name, getattr(school, key)) for key, name in NeedMeasure.BUILT_IN.items()
            ],
            "from_gias": [
                (name, getattr(school, key)) for key, name in NeedMeasure.FROM_GIAS.items()
            ],
            "own": [(m, values.get(m.pk)) for m in own],
            "assignments": assignments,
            "team_id": request.user.officer.team_id,
            "decisions": decisions,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def need_figures(request, code):
    school = get_school_to_allocate(request.user, code)
    measures = [
        m for m in allocation.force_measures(school.force_id) if m.pk and not m.is_built_in
    ]
    values = dict(
        SchoolNeedFigure.objects.filter(school=school).values_list("measure_id", "value")
    )
    form = FiguresForm(
        request.POST or None,
        measures=measures,
        initial={f"figure_{m.key}": values.get(m.pk) for m in measures},
    )
    if request.method == "POST" and form.is_valid():
        allocation.need_figures_set(school=school, values=form.values(), by=request.user)
        messages.success(request, f"The figures for {school.name} have been saved.")
        return redirect("allocation_school", code=school.code)
    return _form_page(
        request,
        form,
        title="The force's own figures",
        caption=school.name,
        intro="Leave a figure blank if it is not known: the school then counts 0 for that measure."
        if measures
        else "Your force has no measures of its own yet. Add one from the allocation page.",
        back=reverse("allocation_school", args=[school.code]),
        submit="Save figures",
        school=school,
    )


@login_required
@require_http_methods(["GET", "POST"])
def sspo_criteria(request, code):
    school = get_school_to_allocate(request.user, code)
    form = CriteriaForm(
        request.POST or None,
        initial={"meets": "yes" if school.meets_sspo_criteria else "no"},
    )
    if request.method == "POST" and form.is_valid():
        try:
            allocation.sspo_criteria_set(school=school, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"The SSPO criteria decision for {school.name} is saved.")
            return redirect("allocation_school", code=school.code)
    return _form_page(
        request,
        form,
        title="SSPO criteria",
        caption=school.name,
        intro="A school that meets the criteria may have a Safer Schools Police Officer. One "
        "that does not is offered the Youth Engagement Team programme instead, and its head "
        "teacher and SPOC are told so in the portal.",
        back=reverse("allocation_school", args=[school.code]),
        submit="Save decision",
        school=school,
    )


@login_required
@require_http_methods(["GET", "POST"])
def assign_officer(request, code):
    school = get_school_to_allocate(request.user, code)
    officers = allocation.team_officers(request.user.officer.team_id)
    form = AssignForm(request.POST or None, officers=officers, initial={"starts_on": today()})
    if request.method == "POST" and form.is_valid():
        try:
            allocation.officer_assign(school=school, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            officer = form.cleaned_data["officer"]
            messages.success(
                request, f"{officer.user.get_full_name()} is assigned to {school.name}."
            )
            return redirect("allocation_school", code=school.code)
    return render(
        request,
        "schools/assign_officer.html",
        {"form": form, "school": school, "max_schools": Assignment.MAX_SCHOOLS},
    )


@login_required
@require_http_methods(["GET", "POST"])
def assignment_end(request, code):
    assignment = get_assignment_to_end(request.user, code)
    seen = assignment.ends_on.isoformat() if assignment.ends_on else ""
    form = EndAssignmentForm(
        request.POST or None, initial={"ends_on": assignment.ends_on, "seen": seen}
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.assignment_end(
                assignment=assignment,
                ends_on=form.cleaned_data["ends_on"],
                by=request.user,
                seen_ends_on=_date_or_none(form.cleaned_data["seen"]),
            )
        except services.StaleAssignment:
            assignment.refresh_from_db()
            # Keep what they typed; saving again now means replacing the new date knowingly.
            data = request.POST.copy()
            data["seen"] = assignment.ends_on.isoformat() if assignment.ends_on else ""
            form = EndAssignmentForm(data)
            form.is_valid()
            form.add_error(
                None,
                "Someone else changed this assignment's end date while you were editing it: "
                f"it now {_describe_end(assignment.ends_on)}. Your date is kept below; "
                "save again to replace it.",
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                f"{assignment.officer.user.get_full_name()}'s assignment to "
                f"{assignment.school.name} ends on {form.cleaned_data['ends_on']:%-d %B %Y}.",
            )
            return redirect("allocation_school", code=assignment.school.code)
    return _form_page(
        request,
        form,
        title="End an assignment",
        caption=f"{assignment.officer.user.get_full_name()} at {assignment.school.name}",
        intro=f"Assigned since {assignment.starts_on:%-d %B %Y}; "
        f"it {_describe_end(assignment.ends_on)}. From the day after the last day, the officer "
        "no longer sees the school's shared concerns.",
        back=reverse("allocation_school", args=[assignment.school.code]),
        submit="Save end date",
        school=assignment.school,
    )


def _date_or_none(value: str):
    try:
        return datetime.date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _describe_end(ends_on) -> str:
    return f"ends on {ends_on:%-d %B %Y}" if ends_on else "has no end date"

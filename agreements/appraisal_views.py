"""Feedback rounds: the sergeant opens one and reads the answers; the school's people
answer once. (The review pages read every app's figures, so they live in reports/.)"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from ssp.forms import add_service_errors
from ssp.roles import Role

from . import appraisal
from .access import (
    can_answer_round,
    can_open_round,
    can_read_answers,
    get_partnership_for,
    get_round_for,
)
from .appraisal_forms import FeedbackForm, FeedbackRoundForm


@login_required
def round_list(request, code):
    partnership = get_partnership_for(request.user, code, require=can_open_round)
    rounds = partnership.feedback_rounds.annotate(answers=Count("responses")).order_by(
        "-opens_on", "-pk"
    )
    return render(
        request,
        "agreements/feedback_round_list.html",
        {"partnership": partnership, "rounds": rounds, "today": timezone.localdate()},
    )


@login_required
@require_http_methods(["GET", "POST"])
def round_new(request, code):
    partnership = get_partnership_for(request.user, code, require=can_open_round)
    form = FeedbackRoundForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            appraisal.feedback_round_open(
                partnership=partnership, by=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Feedback round opened.")
            return redirect("feedback_round_list", code=partnership.code)
    return render(
        request, "agreements/feedback_round_form.html", {"partnership": partnership, "form": form}
    )


@login_required
def round_results(request, code):
    feedback_round = get_round_for(request.user, code, require=can_read_answers)
    by_role = {
        row["respondent_role"]: row["count"]
        for row in feedback_round.responses.values("respondent_role")
        .annotate(count=Count("pk"))
        .order_by()
    }
    # Comments are shown with the answerer's role, not their name, so people speak freely.
    comments = feedback_round.responses.exclude(to_improve="").order_by("submitted_at", "pk")
    return render(
        request,
        "agreements/feedback_round_results.html",
        {
            "round": feedback_round,
            "partnership": feedback_round.partnership,
            "summary": appraisal.feedback_summary(feedback_round),
            "by_role": [(Role(role).label, count) for role, count in sorted(by_role.items())],
            "comments": [(Role(c.respondent_role).label, c) for c in comments],
            "is_open": appraisal.is_open(feedback_round),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def feedback_answer(request, code):
    feedback_round = get_round_for(request.user, code, require=can_answer_round)
    answered = feedback_round.responses.filter(respondent=request.user).first()
    form = FeedbackForm(request.POST or None)
    # A repeated post of the form that gave the answer lands where the first did; any other
    # post after answering is refused by the service, and the page says they have answered.
    if request.method == "POST" and form.is_valid():
        try:
            appraisal.feedback_give(
                feedback_round=feedback_round, by=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Thank you. Your feedback has been sent to the sergeant.")
            return redirect("home")
    return render(
        request,
        "agreements/feedback_answer.html",
        {
            "round": feedback_round,
            "school": feedback_round.partnership.school,
            "form": form,
            "answered": answered,
            "already_answered": appraisal.ALREADY_ANSWERED,
            "is_open": appraisal.is_open(feedback_round),
        },
    )

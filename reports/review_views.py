"""The sergeant's termly review of a partnership, with the figures computed from the portal.

These pages live in reports/ because the figures read every app; the review itself, its
rules and its records belong to agreements (agreements.appraisal).
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from agreements import appraisal
from agreements.access import (
    can_read_answers,
    can_read_reviews,
    can_write_review,
    get_partnership_for,
    get_review_for,
)
from agreements.appraisal_forms import ReviewForm
from agreements.models import ActionPlanItem, Review
from ssp.keyset import Sort, keyset_page

from .figures import partnership_figures

# Reviews page by cursor (ssp/keyset.py), the latest period first.
LATEST_REVIEWS = {"latest": Sort("Latest first", ("period_start", "pk"))}
TERMS_NOTE = (
    "Terms: autumn 1 September to 31 December, spring 1 January to 31 March, "
    "summer 1 April to 31 August."
)


def _action_plan(partnership) -> list[dict]:
    """The partnership's action plan as plain rows: shown on the form, kept by the review."""
    return [
        {
            "problem": item.problem,
            "action": item.action,
            "owner": item.owner,
            "due_on": item.due_on.isoformat(),
            "due": f"{item.due_on:%-d %B %Y}",
            "status": item.get_status_display(),
        }
        for item in ActionPlanItem.objects.filter(partnership=partnership).order_by("due_on", "pk")
    ]


def _snapshot(partnership, term, feedback_round, plan) -> dict:
    """What the review keeps: the figures, the feedback's counts and averages, and the
    action plan as it stood, so the review reads the same years later."""
    figures = partnership_figures(partnership, term.start, term.end)
    figures["term"] = {"key": term.key, "label": term.label, "dates": term.dates_label}
    figures["feedback"] = appraisal.feedback_summary(feedback_round) if feedback_round else None
    figures["action_plan"] = plan
    return figures


@login_required
def review_list(request, code):
    partnership = get_partnership_for(request.user, code, require=can_read_reviews)
    reviews = (
        Review.objects.visible_to(request.user)
        .filter(partnership=partnership)
        .select_related("reviewed_by")
    )
    return render(
        request,
        "reports/review_list.html",
        {
            "partnership": partnership,
            "page": keyset_page(
                request, reviews, sorts=LATEST_REVIEWS, default="latest", per_page=25
            ),
            "can_write": can_write_review(request.user, partnership),
        },
    )


def _chosen(request, partnership, terms, rounds):
    """The term and feedback round the page is for: from the form, else the current term
    and the newest round that opened in it."""
    source = request.POST if request.method == "POST" else request.GET
    term = next((t for t in terms if t.key == source.get("term")), terms[0])
    code = source.get("feedback_round") or source.get("round")
    if code:
        feedback_round = next((r for r in rounds if str(r.code) == code), None)
    else:
        feedback_round = next((r for r in rounds if term.start <= r.opens_on <= term.end), None)
    return term, feedback_round


@login_required
@require_http_methods(["GET", "POST"])
def review_new(request, code):
    user = request.user
    partnership = get_partnership_for(user, code, require=can_write_review)
    terms = appraisal.recent_terms()
    rounds_qs = partnership.feedback_rounds.order_by("-opens_on", "-pk")
    rounds = list(rounds_qs)
    term, feedback_round = _chosen(request, partnership, terms, rounds)
    initial = {"term": term.key, "feedback_round": feedback_round.code if feedback_round else ""}
    form = ReviewForm(request.POST or None, initial=initial, terms=terms, rounds=rounds_qs)
    plan = _action_plan(partnership)
    if request.method == "POST" and form.is_valid():
        term, feedback_round = form.chosen_term, form.cleaned_data["feedback_round"]
        try:
            review = appraisal.review_record(
                partnership=partnership,
                by=user,
                term=term,
                figures=_snapshot(partnership, term, feedback_round, plan),
                feedback_round=feedback_round,
                rating=form.cleaned_data["rating"],
                comments=form.cleaned_data["comments"],
                actions=form.agreed_actions(),
                once=form.cleaned_data["once"],
            )
        except ValidationError as error:
            for field, errors in error.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, f"Review of the {term.label} saved.")
            return redirect("review_detail", code=partnership.code, review=review.code)
    existing = Review.objects.filter(
        partnership=partnership, academic_year=term.academic_year, term=term.term
    ).first()
    return render(
        request,
        "reports/review_form.html",
        {
            "partnership": partnership,
            "form": form,
            "terms": terms,
            "term": term,
            "rounds": rounds,
            "feedback_round": feedback_round,
            "figures": partnership_figures(partnership, term.start, term.end),
            "feedback": appraisal.feedback_summary(feedback_round) if feedback_round else None,
            "plan": plan,
            "existing": existing,
            "terms_note": TERMS_NOTE,
        },
    )


@login_required
def review_detail(request, code, review):
    review = get_review_for(request.user, review)
    if str(review.partnership.code) != str(code):
        raise Http404
    return render(
        request,
        "reports/review_detail.html",
        {
            "review": review,
            "partnership": review.partnership,
            "figures": review.figures,
            "agreed": review.agreed_actions.order_by("due_on", "pk"),
            # The answers' averages are the sergeant's to read (ACCESS.md: feedback "read"
            # is theirs alone); the school and the SSPO see how many answers were weighed.
            "show_feedback": can_read_answers(request.user, review.feedback_round),
            "terms_note": TERMS_NOTE,
        },
    )

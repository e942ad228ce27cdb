"""The records pages: the retention rules, the review list with its keep and dispose
decisions, and legal holds. Gates in records/access.py; writes in records/services.py."""

import uuid
from collections import defaultdict

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import F, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from schools.access import get_school_for
from schools.models import Pupil, School
from ssp.access import get_visible_or_404
from ssp.audit import audited, log_pupils_listed
from ssp.forms import add_service_errors
from ssp.held import Controller

from . import rules, services
from .access import (
    can_decide,
    can_manage_pupils_records,
    can_manage_school_records,
    get_hold_for,
    get_review_for,
    owned_filter,
    owned_school_ids,
)
from .forms import DisposeForm, HoldForm, KeepForm, LengthenForm, LiftForm
from .models import LegalHold, RetentionRule, Review

# The review list shows this many at a time, and as many may be decided at once.
SHOWN = 200


def _posted(request):
    """The form's data on a POST (even an empty one: a confirmation has no fields)."""
    return request.POST if request.method == "POST" else None


def _owned(user) -> Q:
    """What the person answers for; the records pages are only for people who own some."""
    owned = owned_filter(user)
    if owned is None:
        raise PermissionDenied
    return owned


@login_required
def rule_list(request):
    """Every rule in plain words, the force's and the person's schools' own."""
    _owned(request.user)
    school_ids = owned_school_ids(request.user)
    holdings = services.holdings_by_kind()
    labels = {kind: h.label for kind, h in holdings.items()}
    found = (
        RetentionRule.objects.filter(Q(school=None) | Q(school__in=school_ids))
        .select_related("school")
        .order_by("kind", "group")
    )
    force, own = [], []
    for rule in found:
        entry = {"rule": rule, "words": rules.in_words(rule, labels.get(rule.kind, ""))}
        (own if rule.school_id else force).append(entry)
    schools = School.objects.filter(pk__in=school_ids).order_by("name")
    school_kinds = [
        {"kind": kind, "label": h.label}
        for kind, h in holdings.items()
        if h.controller == Controller.SCHOOL
    ]
    return render(
        request,
        "records/rules.html",
        {"force": force, "own": own, "schools": schools, "school_kinds": school_kinds},
    )


@login_required
@require_http_methods(["GET", "POST"])
def rule_lengthen(request, code, kind):
    school = get_school_for(request.user, code, require=can_manage_school_records)
    force_rule = RetentionRule.objects.filter(school=None, kind=kind, group=0).first()
    if force_rule is None:
        raise PermissionDenied
    own = RetentionRule.objects.filter(school=school, kind=kind, group=0).first()
    form = LengthenForm(_posted(request), initial={"years": (own or force_rule).years})
    if request.method == "POST" and form.is_valid():
        try:
            services.rule_lengthen(
                school=school, kind=kind, years=form.cleaned_data["years"], by=request.user
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "The school's rule is saved.")
            return redirect("records:rules")
    label = services.holdings_by_kind().get(kind)
    return render(
        request,
        "records/rule_lengthen.html",
        {
            "form": form,
            "school": school,
            "force_words": rules.in_words(force_rule, label.label if label else ""),
            "force_rule": force_rule,
        },
    )


def describe(reviews) -> None:
    """Give each review what the list shows of its record: its reference, the initials of
    its pupils, whether a hold covers it. A query or two per kind, whatever the number."""
    holdings = services.holdings_by_kind()
    by_kind = defaultdict(list)
    for review in reviews:
        by_kind[review.kind].append(review)
        review.reference, review.initials, review.pupil_codes, review.pupils = "", [], [], []
        review.label = getattr(holdings.get(review.kind), "label", review.kind)
    for kind, some in by_kind.items():
        holding = holdings.get(kind)
        if holding is None:
            continue
        reference = rules.reference_field(holding)
        seen = defaultdict(list)
        for pupil_path in holding.pupil_paths:
            path = f"{pupil_path}__" if pupil_path else ""
            columns = [F("code"), F(f"{path}code"), F(f"{path}first_name"), F(f"{path}last_name")]
            if reference:
                columns.append(F(reference))
            found = holding.model._default_manager.filter(
                code__in=[r.record_code for r in some]
            ).values_list(*columns)
            for row in found:
                seen[row[0]].append(row)
        for review in some:
            for row in seen.get(review.record_code, []):
                if row[1] is not None:
                    initials = f"{row[2][:1]}{row[3][:1]}".upper()
                    review.pupil_codes.append(row[1])
                    review.initials.append(initials)
                    review.pupils.append({"code": row[1], "initials": initials})
                if reference:
                    review.reference = row[4]
    held = services.held_codes(reviews)
    for review in reviews:
        review.on_hold = review.record_code in held


@login_required
def review_list(request):
    return _review_list_page(request)


def _review_list_page(request, *, error: str = ""):
    owned = _owned(request.user)
    reviews = list(
        Review.objects.filter(owned)
        .filter(state__in=(Review.State.DUE, Review.State.DISPOSING))
        .select_related("school", "team")
        .order_by("due_on", "pk")[:SHOWN]
    )
    describe(reviews)
    log_pupils_listed(
        request,
        action="records review list",
        pupil_codes=[code for r in reviews for code in r.pupil_codes],
    )
    selectable = [r for r in reviews if r.state == Review.State.DUE and not r.on_hold]
    return render(
        request,
        "records/review_list.html",
        {"reviews": reviews, "error": error, "first_selectable": selectable[:1]},
    )


@login_required
@require_http_methods(["GET", "POST"])
def review_dispose_selected(request):
    """Dispose of the records ticked on the review list: the records with the warning (GET,
    from the list's form), then the decision for them all (POST). Outsiders find nothing
    (404): every code must be a review the person answers for."""
    data = request.POST if request.method == "POST" else request.GET
    codes = set(data.getlist("review"))
    if not codes:
        return _review_list_page(request, error="Select the records to dispose of")
    if len(codes) > SHOWN:
        return _review_list_page(request, error=f"Select {SHOWN} records or fewer")
    try:
        codes = {uuid.UUID(code) for code in codes}
    except ValueError:
        raise Http404 from None
    # Each as its own page would answer, and logged as it would be, whatever the outcome:
    # outside the person's reach 404, in reach but not theirs to decide 403.
    reviews = sorted(
        (
            audited(
                request,
                lambda code=code: get_review_for(request.user, code),
                action="records review dispose",
                object_type="retention review",
                code=code,
            )
            for code in sorted(codes)
        ),
        key=lambda r: (r.due_on, r.pk),
    )
    describe(reviews)
    if request.method == "POST":
        decided, left = services.review_dispose_many(reviews=reviews, by=request.user)
        if decided:
            messages.success(
                request,
                f"The decision is recorded for {len(decided)} "
                f"record{'s' if len(decided) != 1 else ''}. They are being disposed of; "
                "their certificates will be listed with the disposals.",
            )
        if left:
            by_code = {r.code: r for r in reviews}
            messages.info(
                request,
                "Left as they were: "
                + "; ".join(
                    f"{by_code[r.code].reference or r.record_code} ({r.left_because})"
                    for r in left
                )
                + ".",
            )
        return redirect("records:review_list")
    return render(request, "records/review_dispose_selected.html", {"reviews": reviews})


def _review(request, code, action):
    review = audited(
        request,
        lambda: get_review_for(request.user, code),
        action=action,
        object_type="retention review",
        code=code,
    )
    describe([review])
    return review


@login_required
@require_http_methods(["GET", "POST"])
def review_keep(request, code):
    review = _review(request, code, "records review keep")
    form = KeepForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.review_keep(
                review=review,
                by=request.user,
                reason=form.cleaned_data["reason"],
                next_review_on=form.cleaned_data["next_review_on"],
                once=form.cleaned_data["once"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                f"Kept. It will be reviewed again on "
                f"{form.cleaned_data['next_review_on']:%-d %B %Y}.",
            )
            return redirect("records:review_list")
    return render(request, "records/review_keep.html", {"form": form, "review": review})


@login_required
@require_http_methods(["GET", "POST"])
def review_dispose(request, code):
    review = _review(request, code, "records review dispose")
    form = DisposeForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.review_dispose(review=review, by=request.user, once=form.cleaned_data["once"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                "The decision is recorded. The record is being disposed of; its certificate "
                "will be listed with the school's disposals.",
            )
            return redirect("records:review_list")
    return render(request, "records/review_dispose.html", {"form": form, "review": review})


@login_required
def hold_list(request):
    owned = _owned(request.user)
    holds = list(
        LegalHold.objects.in_force()
        .filter(owned)
        .select_related("school", "team", "pupil", "placed_by")
        .order_by("-placed_at")
    )
    log_pupils_listed(
        request, action="legal holds list", pupil_codes=[h.pupil.code for h in holds if h.pupil]
    )
    return render(request, "records/hold_list.html", {"holds": holds})


def _place(request, *, form, target: dict):
    if request.method == "POST" and form.is_valid():
        try:
            services.hold_place(
                by=request.user,
                reason=form.cleaned_data["reason"],
                reference=form.cleaned_data["reference"],
                once=form.cleaned_data["once"],
                **target,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                "The legal hold is placed: nothing it covers will be "
                "disposed of until it is lifted.",
            )
            return redirect("records:hold_list")
    return None


@login_required
@require_http_methods(["GET", "POST"])
def hold_record(request, code):
    """A hold on the one record a review is about."""
    review = _review(request, code, "legal hold place")
    form = HoldForm(_posted(request))
    target = {
        "school": review.school,
        "team": review.team,
        "kind": review.kind,
        "record_code": review.record_code,
    }
    return _place(request, form=form, target=target) or render(
        request, "records/hold_place.html", {"form": form, "review": review}
    )


@login_required
@require_http_methods(["GET", "POST"])
def hold_pupil(request, code):
    """A hold on every record about one pupil, whoever controls it."""
    pupil = audited(
        request,
        lambda: get_visible_or_404(
            request.user,
            Pupil.objects.select_related("school"),
            require=can_manage_pupils_records,
            code=code,
        ),
        action="legal hold place",
        object_type="pupil",
        code=code,
    )
    form = HoldForm(_posted(request))
    target = {"school": pupil.school, "pupil": pupil}
    return _place(request, form=form, target=target) or render(
        request, "records/hold_place.html", {"form": form, "pupil": pupil}
    )


@login_required
@require_http_methods(["GET", "POST"])
def hold_lift(request, code):
    hold = audited(
        request,
        lambda: get_hold_for(request.user, code, require=can_decide),
        action="legal hold lift",
        object_type="legal hold",
        code=code,
    )
    form = LiftForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.hold_lift(hold=hold, by=request.user, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "The legal hold is lifted.")
            return redirect("records:hold_list")
    return render(request, "records/hold_lift.html", {"form": form, "hold": hold})

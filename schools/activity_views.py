"""The activity log (patrols, sessions, advice, joint initiatives) and session requests."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Case, IntegerField, OuterRef, Subquery, Value, When
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from ssp.forms import add_service_errors
from ssp.keyset import Sort, keyset_page
from ssp.roles import POLICE_ROLES

from . import activity_services as services
from .access import (
    activity_log_schools,
    can_answer_session_request,
    can_close_activity,
    can_correct_activity,
    can_read_activity_log,
    can_read_school_activity,
    can_record_activity,
    can_request_session,
    can_withdraw_session_request,
    get_activity_for,
    get_school_for,
    get_session_request_for,
    session_request_schools,
)
from .activity_forms import (
    ActivityFilterForm,
    ActivityForm,
    CloseActivityForm,
    DeclineForm,
    KindForm,
    ScheduleForm,
    SessionRequestForm,
    VersionForm,
)
from .models import Activity, School, SessionRequest

PAGE_SIZE = 25

# The log pages by cursor (ssp/keyset.py): a deep page costs what the first does. The start
# time is left out of the keys because it may be empty; the id orders a day's records.
ACTIVITY_SORTS = {
    "newest": Sort("Newest first", ("on", "pk")),
    "oldest": Sort("Oldest first", ("on", "pk"), descending=False),
}
ACTIVITY_FILTERS = ("kind", "school", "since", "until")
WAITING_FIRST = {
    "waiting": Sort("Waiting for an answer first", ("waiting", "requested_at", "pk")),
}


def _query_without_page(request) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    query.pop("cursor", None)
    query.pop("sort", None)
    return query.urlencode()


def _log_schools(user):
    """The schools whose log a person reads: the same rule as Activity.visible_to."""
    return activity_log_schools(user).order_by("name")


def _recording_schools(user):
    return School.objects.filter(pk__in=School.objects.visible_ids(user)).order_by("name")


def _last_changed():
    changes = Activity.history.filter(id=OuterRef("pk"), history_type="~").order_by("-history_id")
    return Subquery(changes.values("history_date")[:1])


# The log --------------------------------------------------------------------------------


@login_required
def activity_list(request, school=None):
    user = request.user
    if not can_read_activity_log(user):
        raise PermissionDenied
    if school is not None:
        school = get_school_for(user, school, require=can_read_school_activity)
    activities = (
        Activity.objects.visible_to(user)
        .select_related("school", "officer__user", "recorded_by")
        .annotate(last_changed=_last_changed())
        .order_by("-on", "-starts_at", "-pk")
    )
    schools = _log_schools(user)
    filters = ActivityFilterForm(request.GET or None, schools=schools)
    if school is not None:
        activities = activities.filter(school=school)
        del filters.fields["school"]
    elif len(schools) < 2:
        del filters.fields["school"]
    if filters.is_bound and filters.is_valid():
        data = filters.cleaned_data
        if data["kind"]:
            activities = activities.filter(kind=data["kind"])
        if data.get("school"):
            activities = activities.filter(school=data["school"])
        if data["since"]:
            activities = activities.filter(on__gte=data["since"])
        if data["until"]:
            activities = activities.filter(on__lte=data["until"])
    return render(
        request,
        "schools/activity_list.html",
        {
            "school": school,
            "page": keyset_page(
                request,
                activities,
                sorts=ACTIVITY_SORTS,
                default="newest",
                per_page=PAGE_SIZE,
                keep=ACTIVITY_FILTERS,
            ),
            "filters": filters,
            "query": _query_without_page(request),
            "can_record": can_record_activity(user, school),
            "can_request": can_request_session(user, school),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def activity_new(request):
    user = request.user
    if not can_record_activity(user):
        raise PermissionDenied
    schools = _recording_schools(user)
    # Unticked radios send nothing: the step marker says the first step was answered.
    chosen = "kind" in request.GET or "step" in request.GET
    kind_form = KindForm(request.GET if chosen else None)
    if not kind_form.is_valid():
        return render(
            request,
            "schools/activity_kind.html",
            {"form": kind_form, "school": request.GET.get("school", "")},
        )
    kind = kind_form.cleaned_data["kind"]
    initial = {"school": request.GET.get("school")} if request.method == "GET" else None
    form = ActivityForm(request.POST or None, initial=initial, kind=kind, schools=schools)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            activity = services.activity_record(
                by=user,
                school=form.chosen_school(),
                kind=kind,
                on=data["on"],
                once=data["once"],
                **form.details(),
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"{activity.get_kind_display()} recorded.")
            return redirect("activity_detail", code=activity.code)
    return render(
        request, "schools/activity_form.html", {"form": form, "kind": form.kind, "activity": None}
    )


def _detail_context(activity, user, *, close_form=None, conflict=False):
    changes = activity.history.filter(history_type="~").select_related("history_user")
    return {
        "activity": activity,
        "last_change": changes.order_by("-history_id").first(),
        "can_correct": can_correct_activity(user, activity),
        "can_close": activity.status == Activity.Status.SCHEDULED
        and can_close_activity(user, activity),
        "close_form": close_form or CloseActivityForm(),
        "conflict": conflict,
    }


@login_required
def activity_detail(request, code):
    activity = get_activity_for(request.user, code)
    return render(request, "schools/activity_detail.html", _detail_context(activity, request.user))


@login_required
@require_http_methods(["GET", "POST"])
def activity_edit(request, code):
    user = request.user
    activity = get_activity_for(user, code, require=can_correct_activity)
    seen = services.latest_change(activity)
    initial = {name: getattr(activity, name) for name in ("on", *services.DETAIL_FIELDS)}
    form = ActivityForm(
        request.POST or None,
        initial=initial,
        kind=activity.kind,
        status=activity.status,
        seen=seen,
    )
    conflict = False
    if request.method == "POST" and form.is_valid():
        try:
            services.activity_correct(
                activity=activity,
                by=user,
                seen=form.cleaned_data["seen"],
                on=form.cleaned_data["on"],
                **form.details(),
            )
        except services.RecordChanged:
            conflict = True
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Your correction has been saved.")
            return redirect("activity_detail", code=activity.code)
    if conflict:
        # Show the entry as it is now, with what this person typed still in the boxes.
        form.data = form.data.copy()
        form.data["seen"] = seen
    return render(
        request,
        "schools/activity_form.html",
        {"form": form, "kind": form.kind, "activity": activity, "conflict": conflict},
        status=409 if conflict else 200,
    )


@login_required
@require_POST
def activity_close(request, code):
    activity = get_activity_for(request.user, code, require=can_close_activity)
    form = CloseActivityForm(request.POST)
    if form.is_valid():
        try:
            services.activity_close(activity=activity, by=request.user, **form.cleaned_data)
        except services.RecordChanged:
            activity.refresh_from_db()
            context = _detail_context(activity, request.user, conflict=True)
            return render(request, "schools/activity_detail.html", context, status=409)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "The session has been updated.")
            return redirect("activity_detail", code=activity.code)
    context = _detail_context(activity, request.user, close_form=form)
    return render(request, "schools/activity_detail.html", context)


# Session requests ---------------------------------------------------------------------------


@login_required
def session_request_list(request):
    user = request.user
    if not can_read_activity_log(user):
        raise PermissionDenied
    # Waiting ones first, newest first in each: one direction for the cursor (ssp/keyset.py).
    waiting_first = Case(
        When(status=SessionRequest.Status.REQUESTED, then=Value(1)),
        default=Value(0),
        output_field=IntegerField(),
    )
    requests = (
        SessionRequest.objects.visible_to(user)
        .select_related("school", "requested_by", "activity")
        .annotate(waiting=waiting_first)
    )
    return render(
        request,
        "schools/session_request_list.html",
        {
            "page": keyset_page(
                request, requests, sorts=WAITING_FIRST, default="waiting", per_page=PAGE_SIZE
            ),
            "can_request": can_request_session(user),
            "is_police": user.role in POLICE_ROLES,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def session_request_new(request):
    user = request.user
    if not can_request_session(user):
        raise PermissionDenied
    schools = session_request_schools(user).order_by("name")
    form = SessionRequestForm(request.POST or None, schools=schools)
    if request.method == "POST" and form.is_valid():
        try:
            session_request = services.session_request_make(by=user, **form.request_fields())
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Your request has been sent to the officer.")
            return redirect("session_request_detail", code=session_request.code)
    return render(request, "schools/session_request_form.html", {"form": form})


def _request_context(session_request, user, *, forms=None, conflict=False):
    waiting = session_request.status == SessionRequest.Status.REQUESTED
    initial = {"version": session_request.version}
    context = {
        "session_request": session_request,
        "activity": getattr(session_request, "activity", None),
        "can_answer": waiting and can_answer_session_request(user, session_request),
        "can_withdraw": waiting and can_withdraw_session_request(user, session_request),
        "schedule_form": ScheduleForm(initial=initial),
        "decline_form": DeclineForm(initial=initial),
        "withdraw_form": VersionForm(initial=initial),
        "conflict": conflict,
    }
    context.update(forms or {})
    return context


@login_required
def session_request_detail(request, code):
    session_request = get_session_request_for(request.user, code)
    context = _request_context(session_request, request.user)
    return render(request, "schools/session_request_detail.html", context)


def _answer(request, code, *, require, form_class, form_name, act, done):
    """Shared by schedule, decline and withdraw: gate, form, service, one winner."""
    session_request = get_session_request_for(request.user, code, require=require)
    form = form_class(request.POST)
    if form.is_valid():
        data = dict(form.cleaned_data)
        seen = data.pop("version")
        try:
            act(session_request=session_request, by=request.user, seen_version=seen, **data)
        except services.RecordChanged:
            session_request.refresh_from_db()
            context = _request_context(session_request, request.user, conflict=True)
            return render(request, "schools/session_request_detail.html", context, status=409)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, done)
            return redirect("session_request_detail", code=session_request.code)
    context = _request_context(session_request, request.user, forms={form_name: form})
    return render(request, "schools/session_request_detail.html", context)


@login_required
@require_POST
def session_request_schedule(request, code):
    return _answer(
        request,
        code,
        require=can_answer_session_request,
        form_class=ScheduleForm,
        form_name="schedule_form",
        act=services.session_request_schedule,
        done="The session is scheduled and appears in the school's activity log.",
    )


@login_required
@require_POST
def session_request_decline(request, code):
    return _answer(
        request,
        code,
        require=can_answer_session_request,
        form_class=DeclineForm,
        form_name="decline_form",
        act=services.session_request_decline,
        done="The request has been declined. The school has been told why.",
    )


@login_required
@require_POST
def session_request_withdraw(request, code):
    return _answer(
        request,
        code,
        require=can_withdraw_session_request,
        form_class=VersionForm,
        form_name="withdraw_form",
        act=services.session_request_withdraw,
        done="The request has been withdrawn.",
    )

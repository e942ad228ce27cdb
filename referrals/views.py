import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from agreements.models import Disclosure
from agreements.services import disclosures_acknowledge
from incidents.forms import search_pupils
from incidents.models import Concern
from schools.access import get_pupil_for, police_pupils
from ssp.audit import audited, log_access, log_pupils_shown
from ssp.forms import add_service_errors
from ssp.keyset import Sort, keyset_page
from ssp.roles import POLICE_ROLES

from . import services
from .access import (
    can_add_action,
    can_edit_scheme,
    can_list_conferences,
    can_list_referrals,
    can_list_school_referrals,
    can_make_referral,
    can_manage_schemes,
    can_mark_action_done,
    can_move_referral,
    can_read_full_referral,
    can_read_schemes,
    can_record_conference,
    get_action_for,
    get_conference_for,
    get_referral_for,
    get_scheme_for,
)
from .forms import (
    ActionForm,
    ConferenceForm,
    MoveForm,
    PupilSearchForm,
    ReferralFilterForm,
    ReferralForm,
    SchemeForm,
)
from .models import Conference, ConferenceAction, Referral, Scheme

PAGE_SIZE = 25


def _audited(request, gate, code, *, object_type, action="view", require=None):
    return audited(
        request,
        lambda: gate(request.user, code, require=require),
        action=action,
        object_type=object_type,
        code=code,
        police_purpose=lambda record: services.police_purpose(request.user, object_type),
    )


def _page(request, queryset):
    return Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))


# The long lists page by cursor (ssp/keyset.py): a deep page costs what the first does.
# Follow-ups due first, then the other open referrals, then the closed ones; in each, the
# earliest follow-up first (none last), then the newest (the ranks: Referral).
FOLLOW_UPS_DUE = {
    "due": Sort("Follow-ups due first", ("open_rank", "follow_up_rank", "made_at", "pk")),
}
NEWEST_REFERRALS = {
    "newest": Sort("Newest first", ("made_at", "pk")),
    "oldest": Sort("Oldest first", ("made_at", "pk"), descending=False),
}
LATEST_CONFERENCES = {
    "latest": Sort("Latest first", ("held_on", "pk")),
    "earliest": Sort("Earliest first", ("held_on", "pk"), descending=False),
}


# Schemes


@login_required
def scheme_list(request):
    if not can_read_schemes(request.user):
        raise PermissionDenied
    schemes = Scheme.objects.visible_to(request.user).order_by("-active", "name")
    return render(
        request,
        "referrals/scheme_list.html",
        {"page": _page(request, schemes), "can_manage": can_manage_schemes(request.user)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def scheme_edit(request, code=None):
    if code:
        scheme = get_scheme_for(request.user, code, require=can_edit_scheme)
    else:
        if not can_manage_schemes(request.user):
            raise PermissionDenied
        scheme = None
    form = SchemeForm(request.POST or None, instance=scheme)
    if request.method == "POST" and form.is_valid():
        try:
            services.scheme_save(by=request.user, scheme=scheme, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Scheme saved.")
            return redirect("scheme_list")
    return render(request, "referrals/scheme_form.html", {"form": form, "scheme": scheme})


# Pupils, as police reach them: through the officer's schools


@login_required
@require_http_methods(["GET", "POST"])
def pupil_search(request):
    if not can_make_referral(request.user):
        raise PermissionDenied
    # Posted, never in the URL: a child's name stays out of logs, history and Referer.
    form = PupilSearchForm(request.POST if request.method == "POST" else None)
    results = []
    if form.is_bound and form.is_valid() and form.cleaned_data["q"].split():
        found = police_pupils(request.user).select_related("school")
        for word in form.cleaned_data["q"].split()[:3]:
            found = found.filter(Q(first_name__icontains=word) | Q(last_name__icontains=word))
        results = list(found.order_by("last_name", "first_name")[:20])
        log_pupils_shown(
            request,
            action="search_result",
            pupil_codes=[pupil.code for pupil in results],
            purpose=services.police_purpose(request.user, "a search"),
        )
    return render(request, "referrals/pupil_search.html", {"form": form, "results": results})


# Referrals


@login_required
def referral_list(request):
    if not can_list_referrals(request.user):
        raise PermissionDenied
    referrals = Referral.objects.visible_to(request.user).select_related(
        "pupil", "scheme", "school"
    )
    filters = ReferralFilterForm(request.GET)
    if filters.is_valid() and filters.cleaned_data["status"]:
        status = filters.cleaned_data["status"]
        referrals = referrals.open() if status == "open" else referrals.filter(status=status)
    page = keyset_page(
        request,
        referrals,
        sorts=FOLLOW_UPS_DUE,
        default="due",
        per_page=PAGE_SIZE,
        keep=("status",),
        by_school=True,
    )
    log_pupils_shown(
        request,
        action="list_referrals",
        pupil_codes=[referral.pupil.code for referral in page],
        purpose=services.police_purpose(request.user, "referrals"),
    )
    return render(
        request,
        "referrals/referral_list.html",
        {
            "page": page,
            "filters": filters,
            "can_make": can_make_referral(request.user),
        },
    )


@login_required
def school_referral_list(request):
    if not can_list_school_referrals(request.user):
        raise PermissionDenied
    referrals = Referral.objects.visible_to(request.user).select_related("pupil", "scheme")
    page = keyset_page(
        request, referrals, sorts=NEWEST_REFERRALS, default="newest", per_page=PAGE_SIZE
    )
    return render(request, "referrals/school_referral_list.html", {"page": page})


@login_required
@require_http_methods(["GET", "POST"])
def referral_new(request, pupil):
    if not can_make_referral(request.user):
        raise PermissionDenied
    pupil = get_pupil_for(request.user, pupil)
    log_access(
        request,
        action="refer",
        object_type="pupil",
        object_code=pupil.code,
        purpose=services.police_purpose(request.user, "a referral"),
    )
    concerns = Concern.objects.visible_to(request.user).filter(involved__pupil=pupil)
    schemes = Scheme.objects.visible_to(request.user).filter(active=True)
    initial = {"concern": request.GET.get("concern")} if request.method == "GET" else None
    form = ReferralForm(
        request.POST or None, initial=initial, schemes=schemes, concerns=concerns.distinct()
    )
    if request.method == "POST" and form.is_valid():
        try:
            referral = services.referral_make(by=request.user, pupil=pupil, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"Referral made. Its reference is {referral.reference}.")
            return redirect("referral_detail", code=referral.code)
    return render(request, "referrals/referral_form.html", {"form": form, "pupil": pupil})


def _referral_context(request, referral, *, move_form=None, conflict=False):
    user = request.user
    return {
        "referral": referral,
        "full": can_read_full_referral(user, referral),
        "events": referral.events.select_related("actor"),
        "can_move": can_move_referral(user, referral),
        "move_form": move_form
        or MoveForm(referral=referral, initial={"version": referral.version}),
        "conflict": conflict,
        "is_police": user.role in POLICE_ROLES,
    }


@login_required
def referral_detail(request, code):
    referral = _audited(request, get_referral_for, code, object_type="referral")
    # The school opening the referral acknowledges the updates the police sent of it.
    disclosures_acknowledge(
        by=request.user, record_codes=[referral.code], kinds=[Disclosure.Kind.REFERRAL_UPDATE]
    )
    return render(request, "referrals/referral_detail.html", _referral_context(request, referral))


@login_required
@require_POST
def referral_move(request, code):
    referral = _audited(
        request,
        get_referral_for,
        code,
        object_type="referral",
        action="move",
        require=can_move_referral,
    )
    form = MoveForm(request.POST, referral=referral)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.referral_move(
                referral=referral,
                by=request.user,
                status=data["status"],
                note=data["note"],
                outcome=data["outcome"],
                follow_up_on=data["follow_up_on"],
                seen_version=data["version"],
            )
        except services.ReferralChanged:
            referral.refresh_from_db()
            context = _referral_context(request, referral, conflict=True)
            return render(request, "referrals/referral_detail.html", context, status=409)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Status changed.")
            return redirect("referral_detail", code=referral.code)
    context = _referral_context(request, referral, move_form=form)
    return render(request, "referrals/referral_detail.html", context)


# Case conferences


@login_required
def conference_list(request):
    if not can_list_conferences(request.user):
        raise PermissionDenied
    conferences = (
        Conference.objects.visible_to(request.user)
        .select_related("school")
        .prefetch_related("pupils")
    )
    page = keyset_page(
        request,
        conferences,
        sorts=LATEST_CONFERENCES,
        default="latest",
        per_page=PAGE_SIZE,
        by_school=True,
    )
    log_pupils_shown(
        request,
        action="list_conferences",
        pupil_codes=[pupil.code for conference in page for pupil in conference.pupils.all()],
        purpose=services.police_purpose(request.user, "case conferences"),
    )
    return render(
        request,
        "referrals/conference_list.html",
        {
            "page": page,
            "is_police": request.user.role in POLICE_ROLES,
            "can_record": can_record_conference(request.user),
        },
    )


def _pupil_codes(posted: list[str]) -> list[str]:
    """The posted pupil codes that can be codes at all: a malformed one matches no pupil."""
    codes = []
    for value in posted:
        try:
            codes.append(str(uuid.UUID(value)))
        except ValueError:
            continue
    return codes


@login_required
@require_http_methods(["GET", "POST"])
def conference_new(request, pupil):
    if not can_record_conference(request.user):
        raise PermissionDenied
    pupil = get_pupil_for(request.user, pupil)
    log_access(
        request,
        action="conference",
        object_type="pupil",
        object_code=pupil.code,
        purpose=services.police_purpose(request.user, "a case conference"),
    )
    pupils = police_pupils(request.user).filter(school=pupil.school_id).order_by("last_name")
    # Other pupils are added by name, as on the concern form: the page lists the pupils
    # chosen and what a search found, never the school's whole roll. A search is a plain
    # post of the whole form, so nothing typed is lost.
    posted = request.method == "POST"
    searching = posted and "search" in request.POST
    chosen = _pupil_codes(request.POST.getlist("pupils")) if posted else [str(pupil.code)]
    query = request.POST.get("q", "").strip() if searching else ""
    found = list(search_pupils(pupils.exclude(code__in=chosen), query)) if query else []
    log_pupils_shown(
        request,
        action="search_result",
        pupil_codes=[p.code for p in found],
        purpose=services.police_purpose(request.user, "a case conference"),
    )
    initial = {"pupils": chosen} if not posted else None
    form = ConferenceForm(request.POST or None, initial=initial, pupils=pupils)
    if posted and not searching and form.is_valid():
        try:
            conference = services.conference_record(by=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Case conference recorded. Add its actions below.")
            return redirect("conference_detail", code=conference.code)
    if searching:
        form.errors.clear()  # a search is not a submission: no errors yet
    form.fields["pupils"].queryset = pupils.filter(
        Q(code__in=chosen) | Q(pk__in=[p.pk for p in found])
    )
    context = {"form": form, "pupil": pupil, "query": query, "found": found}
    return render(request, "referrals/conference_form.html", context)


def _conference_context(request, conference, *, action_form=None):
    user = request.user
    return {
        "conference": conference,
        "pupils": conference.pupils.order_by("last_name", "first_name"),
        "actions": conference.actions.select_related("done_by"),
        "can_add_action": can_add_action(user, conference),
        "can_mark_done": can_mark_action_done(user, conference),
        "action_form": action_form or ActionForm(),
    }


@login_required
def conference_detail(request, code):
    conference = _audited(request, get_conference_for, code, object_type="conference")
    services.conference_minutes_read(conference=conference, by=request.user)
    context = _conference_context(request, conference)
    return render(request, "referrals/conference_detail.html", context)


@login_required
@require_POST
def conference_action_add(request, code):
    conference = _audited(
        request,
        get_conference_for,
        code,
        object_type="conference",
        action="add_action",
        require=can_add_action,
    )
    form = ActionForm(request.POST)
    if form.is_valid():
        services.conference_add_action(conference=conference, by=request.user, **form.cleaned_data)
        messages.success(request, "Action added.")
        return redirect("conference_detail", code=conference.code)
    context = _conference_context(request, conference, action_form=form)
    return render(request, "referrals/conference_detail.html", context)


@login_required
@require_POST
def conference_action_done(request, code, action):
    conference = _audited(
        request,
        get_conference_for,
        code,
        object_type="conference",
        action="action_done",
        require=can_mark_action_done,
    )
    item: ConferenceAction = get_action_for(conference, action)
    try:
        services.conference_action_done(action=item, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, "Action marked done.")
    return redirect("conference_detail", code=conference.code)

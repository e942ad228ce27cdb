from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Exists, OuterRef, Q
from django.http import FileResponse, Http404, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_http_methods, require_POST

from agreements.models import Disclosure
from agreements.services import (
    agreement_label,
    disclosure_defaults,
    disclosures_acknowledge,
    sharing_allowed,
)
from schools.models import Pupil, School
from ssp.audit import audited, log_access, log_pupils_shown
from ssp.keyset import Sort, keyset_page
from ssp.models import AccessLog
from ssp.roles import POLICE_ROLES, SCHOOL_ROLES, is_police
from ssp.uploads import SizeCapUploadHandler

from . import services
from .access import (
    can_acknowledge,
    can_add_note,
    can_list_own_concerns,
    can_list_shared_concerns,
    can_list_triage_queue,
    can_log_concern,
    can_open_enquiry_at,
    can_record_incident,
    can_record_police_outcome,
    can_see_access_log,
    can_see_police_events,
    can_triage,
    get_concern_for,
)
from .forms import (
    ConcernForm,
    EarlyInterventionForm,
    NoteForm,
    OutcomeForm,
    PupilPicker,
    QueueFilterForm,
    ShareForm,
    TriageForm,
    search_pupils,
    typed_so_far,
)
from .models import (
    IMAGE_CATEGORIES,
    POLICE_RELEVANT,
    Concern,
    ConcernEvent,
    ConcernPupil,
    Share,
)
from .table_rows import concern_row, for_rows, status_tag
from .uploads import MAX_BYTES

PAGE_SIZE = 25


def _audited_concern(request, code, *, action="view", require=None) -> Concern:
    return audited(
        request,
        lambda: get_concern_for(request.user, code, require=require),
        action=action,
        object_type="concern",
        code=code,
        police_purpose=lambda concern: services.police_purpose(request.user, concern),
    )


def _own_school(user) -> School:
    school = School.objects.held_as(user, *SCHOOL_ROLES).first()
    if school is None or not can_log_concern(user, school):
        raise PermissionDenied
    return school


@csrf_exempt
@login_required
def concern_new(request, kind=Concern.Kind.CONCERN):
    # The size cap must be in place before anything reads the request body.
    request.upload_handlers.insert(0, SizeCapUploadHandler(request, cap=MAX_BYTES))
    return _concern_new(request, kind)


ACTIONS = ("search", "add", "remove")


@csrf_protect
@require_http_methods(["GET", "POST"])
def _concern_new(request, kind):
    school = _own_school(request.user)
    # Pupils who have left the roll keep their records but are not offered for new concerns.
    pupils_here = Pupil.objects.visible_to(request.user).filter(school=school, left_on=None)
    early = kind == Concern.Kind.EARLY_INTERVENTION
    form_class = EarlyInterventionForm if early else ConcernForm
    data = request.POST if request.method == "POST" else None
    extra = (
        {}
        if early
        else {"too_large": getattr(request, "too_large_uploads", ()), "uploader": request.user}
    )
    picker = PupilPicker(data, pupils_here)
    query = data.get("pupil_query", "").strip() if data else ""
    action = next((a for a in ACTIONS if data and a in data), None)
    results = []
    if action == "search":
        results = [p for p in search_pupils(pupils_here, query) if p not in picker.pupils]
        # Names seen in search results are pupil records read: logged, without the names.
        for pupil in results:
            log_access(
                request, action="search_result", object_type="pupil", object_code=pupil.code
            )
    elif action == "add":
        picker.add(data["add"])
        query = ""
    elif action == "remove":
        picker.remove(data["remove"])
    if action or data is None:
        # Searching for or adding a pupil is not submitting: keep what was typed, judge nothing.
        form = form_class(initial=typed_so_far(form_class, data), **extra)
    else:
        form = form_class(data, request.FILES or None, **extra)
        form_ok, picker_ok = form.is_valid(), picker.is_valid()
        if form_ok and picker_ok:
            concern = _log(request, school, kind, form.cleaned_data, picker)
            if concern is not None:
                return redirect("concern_detail", code=concern.code)
            picker.errors.append("Pupils must be at your school.")
    return render(
        request,
        "incidents/concern_form.html",
        {
            "form": form,
            "picker": picker,
            "results": results,
            "query": query,
            "searched": action == "search",
            # The part that changed takes the focus (autofocus): the added pupil's role.
            "added": data["add"] if action == "add" else "",
            "removed": action == "remove",
            "roles": ConcernPupil.Role.choices,
            "school": school,
            "early": early,
            "show_errors": data is not None and not action,
            "image_categories": ",".join(IMAGE_CATEGORIES),
            "files_lost": bool(request.FILES) or bool(getattr(request, "too_large_uploads", ())),
        },
    )


def _log(request, school, kind, data, picker):
    involved = [services.Involvement(p, picker.role_of(p)) for p in picker.pupils]
    early = kind == Concern.Kind.EARLY_INTERVENTION
    try:
        concern = services.concern_log(
            by=request.user,
            school=school,
            kind=kind,
            category="welfare" if early else data["category"],
            narrative=data["narrative"],
            happened_at=timezone.now() if early else data["happened_at"],
            location=Concern.Location.IN_SCHOOL if early else data["location"],
            immediate_risk=False if early else data["immediate_risk"],
            involved=involved,
            image_description=data.get("image_description", ""),
            device_location=data.get("device_location", ""),
            who_has_been_told=data.get("who_has_been_told", ""),
            files=data.get("attachments") or [],
            once=data["once"],
        )
    except ValidationError:
        return None
    # An immediate-risk concern's receipt is a warning, never a green success panel.
    receipt = messages.warning if concern.immediate_risk else messages.success
    receipt(
        request,
        f"{concern.get_kind_display()} logged. Your reference is "
        f"{concern.reference}. Your SPOC has been told.",
    )
    # A repeated post of the same form lands on the first concern, which stored its files.
    not_stored = getattr(concern, "files_not_stored", [])
    if not_stored:
        listed = ", ".join(f"“{name}”" for name in not_stored)
        messages.warning(
            request,
            f"{listed} could not be stored because of a problem on our side, so it is not "
            "attached. Everything you typed was saved. Give the file to your SPOC: they can "
            "see on the concern that it is missing.",
        )
    return concern


POLICE_EVENT_KINDS = (ConcernEvent.Kind.ACKNOWLEDGED, ConcernEvent.Kind.POLICE_OUTCOME)


def _police_actions(user, concern) -> dict:
    """What the viewer may do on the police side of this concern, as booleans."""
    # Each predicate names who may (the SSPO it was shared with); the status is the record's.
    police = concern.status == Concern.Status.SHARED
    return {
        "can_acknowledge": police
        and can_acknowledge(user, concern)
        and concern.acknowledged_at is None,
        "can_record_outcome": police
        and can_record_police_outcome(user, concern)
        and concern.awaiting_police_outcome,
        "can_create_incident": police
        and concern.acknowledged_at is not None
        and can_record_incident(user, concern.school),
        "can_open_enquiry": can_open_enquiry_at(user, concern.school),
    }


def _events_for(user, concern):
    events = concern.events.select_related("actor")
    if can_see_police_events(user, concern):
        return events
    return events.exclude(kind__in=POLICE_EVENT_KINDS)


def _detail_context(
    request, concern, *, triage_form=None, note_form=None, conflict=None, outcome_form=None
):
    user = request.user
    check = sharing_allowed(concern.school) if can_triage(user, concern) else None
    share_block = "" if check is None or check.allowed else check.reason
    concern_pupils = concern.involved.select_related("pupil").order_by("pupil__last_name")
    back_url, back_label = reverse("home"), "Home"
    if can_triage(user, concern):
        back_url, back_label = reverse("triage_queue"), "Triage queue"
    elif is_police(user):
        back_url, back_label = reverse("shared_with_me"), "Shared concerns"
    elif concern.reported_by_id == user.pk:
        back_url, back_label = reverse("my_concerns"), "Your concerns"
    return {
        "concern": concern,
        "status_tag": status_tag(concern),
        "back_url": back_url,
        "back_label": back_label,
        "is_reporter": concern.reported_by_id == user.pk,
        "sspo": check.sspo if check is not None and check.allowed else None,
        "involved": concern_pupils,
        "events": _events_for(user, concern),
        "notes": concern.notes.select_related("author"),
        "attachments": concern.attachments.all(),
        "shares": concern.shares.select_related("shared_with", "shared_by"),
        "can_triage": can_triage(user, concern) and bool(Concern.MOVES[concern.status]),
        "can_add_note": can_add_note(user, concern),
        "can_see_access_log": can_see_access_log(user, concern),
        "share_block": share_block,
        "triage_form": triage_form
        or TriageForm(
            concern=concern, share_block=share_block, initial={"version": concern.version}
        ),
        "note_form": note_form or NoteForm(),
        "outcome_form": outcome_form or OutcomeForm(),
        "conflict": conflict,
        **_police_actions(user, concern),
    }


@login_required
def concern_detail(request, code):
    concern = _audited_concern(request, code)
    # The officer opening the concern shared with them acknowledges the share, once.
    disclosures_acknowledge(
        by=request.user, record_codes=[concern.code], kinds=[Disclosure.Kind.CONCERN_SHARED]
    )
    return render(request, "incidents/concern_detail.html", _detail_context(request, concern))


@login_required
@require_POST
def concern_triage(request, code):
    concern = _audited_concern(request, code, action="triage", require=can_triage)
    check = sharing_allowed(concern.school)
    share_block = "" if check.allowed else check.reason
    form = TriageForm(request.POST, concern=concern, share_block=share_block)
    if form.is_valid():
        decision, seen = form.cleaned_data["decision"], form.cleaned_data["version"]
        if seen == concern.version and services.decision_shares(concern, decision, check):
            # A share cannot be undone: what goes to whom is confirmed on a page of its own.
            # The reasons may name a child, so they wait in the session, not in the URL.
            request.session[SHARE_DRAFT] = {
                "code": str(concern.code),
                "decision": decision,
                "rationale": form.cleaned_data["rationale"],
                "version": seen,
            }
            return redirect("concern_share", code=concern.code)
        decided = _decide(request, concern, form, decision=decision, seen=seen, may_share=False)
        if decided is not None:
            return decided
    context = _detail_context(request, concern, triage_form=form)
    return render(request, "incidents/concern_detail.html", context, status=200)


# The decision and reasons a SPOC chose on the concern's page, awaiting their confirmation.
SHARE_DRAFT = "share_draft"


@login_required
@require_http_methods(["GET", "POST"])
def concern_share(request, code):
    """Confirm a share: exactly what the officer will see, who they are, under which DSA."""
    posted = request.method == "POST"
    concern = _audited_concern(
        request, code, action="triage" if posted else "view", require=can_triage
    )
    draft = request.session.get(SHARE_DRAFT) or {}
    if draft.get("code") != str(concern.code):
        draft = {}
    check = sharing_allowed(concern.school)
    gateway, purpose, clause = disclosure_defaults(Disclosure.Kind.CONCERN_SHARED, check.document)
    form = ShareForm(
        request.POST if posted else None,
        initial={
            "decision": draft.get("decision", Concern.Status.SHARED),
            "gateway": gateway,
            "purpose": purpose,
            "rationale": draft.get("rationale", ""),
            "version": draft.get("version", concern.version),
        },
    )
    decision = form["decision"].value()
    if decision not in services.SENDS_TO_POLICE:
        decision = Concern.Status.SHARED
    shares = services.decision_shares(concern, decision, check) and concern.can_move_to(decision)
    if posted and form.is_valid():
        seen = form.cleaned_data["version"]
        if seen == concern.version and not shares:
            form.add_error(None, _why_not_shared(concern, check))
        else:
            decided = _decide(request, concern, form, decision=decision, seen=seen, may_share=True)
            if decided is not None:
                return decided
    return render(
        request,
        "incidents/concern_share.html",
        {
            "concern": concern,
            "form": form,
            "decision": decision,
            "shares": shares,
            "why_not": "" if shares else _why_not_shared(concern, check),
            "sspo": check.sspo if check.allowed else None,
            "agreement": agreement_label(check) if check.allowed else "",
            "clause": clause,
            "lawful_basis": Share.LAWFUL_BASIS,
            "involved": concern.involved.select_related("pupil").order_by("pupil__last_name"),
            "attachments": concern.attachments.all(),
            "notes": concern.notes.select_related("author"),
        },
    )


def _why_not_shared(concern, check) -> str:
    if concern.shares.exists():
        return "This concern has already been shared with the officer."
    if not check.allowed:
        return f"This concern cannot be shared: {check.reason}"
    return f"This concern cannot be shared from “{concern.get_status_display()}”."


def _conflict(request, concern):
    concern.refresh_from_db()
    context = _detail_context(request, concern, conflict=True)
    return render(request, "incidents/concern_detail.html", context, status=409)


def _repeated(concern, user, decision, seen) -> bool:
    """A second post of the decision this person just made (a double click, a retry)."""
    concern.refresh_from_db()
    return (
        concern.version == seen + 1
        and concern.triaged_by_id == user.pk
        and concern.status == decision
    )


# The triage queue's order as it opens: immediate risk first, then the newest.
QUEUE_ORDER = ("-immediate_risk", "-recorded_at", "-pk")


def _decide(request, concern, form, *, decision, seen, may_share):
    """Make the SPOC's decision. Where to go next once it is made (or was already made by
    this same post); None when it was refused, with the reasons added to the form."""
    try:
        services.concern_triage(
            concern=concern,
            by=request.user,
            decision=decision,
            rationale=form.cleaned_data["rationale"],
            seen_version=seen,
            may_share=may_share,
            gateway=form.cleaned_data.get("gateway", ""),
            purpose=form.cleaned_data.get("purpose", ""),
        )
    except services.ConcernChanged:
        if _repeated(concern, request.user, decision, seen):
            return _after_decision(request, concern)
        return _conflict(request, concern)
    except ValidationError as error:
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
        return None
    return _after_decision(request, concern)


def _after_decision(request, concern):
    """Say what was done and to whom, then go on to the next concern awaiting triage. A
    share awaiting confirmation for this concern is moot once it is decided."""
    if (request.session.get(SHARE_DRAFT) or {}).get("code") == str(concern.code):
        request.session.pop(SHARE_DRAFT)
    concern.refresh_from_db()
    status = concern.get_status_display()  # lower case but for its acronyms ("SSPO")
    said = [f"{concern.reference}: {status[:1].lower()}{status[1:]}."]
    share = concern.shares.select_related("shared_with__officer").first()
    if share is not None and concern.status in services.SENDS_TO_POLICE:
        said.append(
            f"Shared with {_officer_name(share.shared_with)} under {share.agreement}; "
            "they have been told."
        )
    if concern.reported_by_id != request.user.pk:
        said.append(f"{concern.reported_by.get_full_name()}, who logged it, has been told.")
    waiting = (
        Concern.objects.in_schools_led_by(request.user)
        .awaiting_triage()
        .exclude(pk=concern.pk)
        .order_by(*QUEUE_ORDER)
        .first()
    )
    if waiting is None:
        said.append("No other concern is awaiting triage.")
        messages.success(request, " ".join(said))
        return redirect("triage_queue")
    said.append(f"Next awaiting triage: {waiting.reference}.")
    messages.success(request, " ".join(said))
    return redirect("concern_detail", code=waiting.code)


def _officer_name(user) -> str:
    officer = getattr(user, "officer", None)
    collar = f" ({officer.collar_number})" if officer and officer.collar_number else ""
    return f"{user.get_full_name()}{collar}"


@login_required
@require_POST
def concern_note(request, code):
    concern = _audited_concern(request, code, action="add_note", require=can_add_note)
    form = NoteForm(request.POST)
    if form.is_valid():
        services.concern_add_note(
            concern=concern,
            by=request.user,
            text=form.cleaned_data["text"],
            once=form.cleaned_data["once"],
        )
        messages.success(request, "Your note has been added.")
        return redirect("concern_detail", code=concern.code)
    context = _detail_context(request, concern, note_form=form)
    return render(request, "incidents/concern_detail.html", context)


@login_required
def attachment_download(request, code, attachment):
    concern = _audited_concern(request, code, action="view_attachment")
    item = concern.attachments.filter(code=attachment).first()
    if item is None:
        raise Http404
    police = request.user.role in POLICE_ROLES
    purpose = services.police_purpose(request.user, concern) if police else ""
    log_access(
        request,
        action="download",
        object_type="attachment",
        object_code=item.code,
        purpose=purpose,
    )
    response = FileResponse(
        item.file.open("rb"),
        as_attachment=True,
        filename=item.original_name,
        content_type=item.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


# A concern's access log pages by cursor along its (object_type, object_code, at) index.
LATEST_READS = {"latest": Sort("Latest first", ("at", "pk"))}


@login_required
def concern_access_log(request, code):
    concern = _audited_concern(request, code, action="view_access_log", require=can_see_access_log)
    rows = AccessLog.objects.filter(
        object_type="concern", object_code=concern.code
    ).select_related("user")
    page = keyset_page(request, rows, sorts=LATEST_READS, default="latest", per_page=50)
    return render(request, "incidents/access_log.html", {"concern": concern, "page": page})


# A child's name typed into the queue's filter: kept in the session, never in the URL, so it
# stays out of server logs, browser history and Referer headers.
TRIAGE_PUPIL_TERM = "triage_pupil_term"
TRIAGE_URL_FILTERS = ("status", "category", "date_from", "date_to")

# The orders a list of concerns offers; each is one index walk from the cursor (ssp/keyset.py).
CONCERN_SORTS = {
    "risk": Sort("Immediate risk first, then newest", ("immediate_risk", "recorded_at", "pk")),
    "newest": Sort("Newest first", ("recorded_at", "pk")),
    "oldest": Sort("Oldest first", ("recorded_at", "pk"), descending=False),
}
MINE_SORTS = {key: CONCERN_SORTS[key] for key in ("newest", "oldest")}


@login_required
@require_http_methods(["GET", "POST"])
def triage_queue(request):
    user = request.user
    if not can_list_triage_queue(user):
        raise PermissionDenied
    concerns = Concern.objects.in_schools_led_by(user)
    if request.method == "POST":
        params = request.POST
        filters = QueueFilterForm(params)
        if filters.is_valid():
            request.session[TRIAGE_PUPIL_TERM] = filters.cleaned_data["pupil"]
            kept = urlencode({name: params.get(name, "") for name in TRIAGE_URL_FILTERS})
            return redirect(f"{reverse('triage_queue')}?{kept}")
    else:
        if request.GET:
            params = request.GET.copy()
        else:  # the queue as it opens: awaiting triage, and no name
            request.session.pop(TRIAGE_PUPIL_TERM, None)
            params = QueryDict(mutable=True)
            params["status"] = Concern.Status.NEW
        params["pupil"] = request.session.get(TRIAGE_PUPIL_TERM, "")
        filters = QueueFilterForm(params)
    if filters.is_valid():
        f = filters.cleaned_data
        if f["status"]:
            concerns = concerns.filter(status=f["status"])
        if f["category"]:
            concerns = concerns.filter(category=f["category"])
        if f["date_from"]:
            concerns = concerns.filter(recorded_at__date__gte=f["date_from"])
        if f["date_to"]:
            concerns = concerns.filter(recorded_at__date__lte=f["date_to"])
        if f["pupil"]:
            named = ConcernPupil.objects.filter(
                Q(pupil__last_name__icontains=f["pupil"])
                | Q(pupil__first_name__icontains=f["pupil"]),
                concern=OuterRef("pk"),
            )
            concerns = concerns.filter(Exists(named))
    page = keyset_page(
        request,
        for_rows(concerns, show_reporter=True),  # the queue shows who logged it
        sorts=CONCERN_SORTS,
        default="risk",
        per_page=PAGE_SIZE,
        keep=TRIAGE_URL_FILTERS,
    )
    query = request.GET.copy()
    query.pop("page", None)
    query.pop("pupil", None)
    return render(
        request,
        "incidents/triage_queue.html",
        {
            "page": page,
            "rows": [concern_row(concern, show_reporter=True) for concern in page],
            "filters": filters,
            "query": query.urlencode(),
            "police_relevant": POLICE_RELEVANT,
        },
    )


@login_required
def my_concerns(request):
    user = request.user
    if not can_list_own_concerns(user):
        raise PermissionDenied
    concerns = for_rows(Concern.objects.visible_to(user).filter(reported_by=user))
    page = keyset_page(request, concerns, sorts=MINE_SORTS, default="newest", per_page=PAGE_SIZE)
    rows = [concern_row(concern) for concern in page]
    return render(request, "incidents/my_concerns.html", {"page": page, "rows": rows})


@login_required
def shared_with_me(request):
    if not can_list_shared_concerns(request.user):
        raise PermissionDenied
    concerns = for_rows(Concern.objects.visible_to(request.user), show_school=True)
    page = keyset_page(
        request,
        concerns,
        sorts=CONCERN_SORTS,
        default="risk",
        per_page=PAGE_SIZE,
        by_school=True,
    )
    log_pupils_shown(
        request,
        action="list_shared_concerns",
        pupil_codes=[link.pupil.code for concern in page for link in concern.pupil_links],
        purpose=services.police_purpose(request.user, None),
    )
    rows = [concern_row(concern, show_school=True) for concern in page]
    return render(request, "incidents/shared_with_me.html", {"page": page, "rows": rows})


@login_required
@require_POST
def concern_acknowledge(request, code):
    concern = _audited_concern(request, code, action="acknowledge", require=can_acknowledge)
    try:
        services.concern_acknowledge(concern=concern, by=request.user)
    except services.ConcernChanged:
        messages.info(request, "This concern had already been acknowledged.")
    else:
        messages.success(request, "Concern acknowledged. The school's SPOC has been told.")
    return redirect("concern_detail", code=concern.code)


@login_required
@require_POST
def concern_police_outcome(request, code):
    concern = _audited_concern(
        request, code, action="police_outcome", require=can_record_police_outcome
    )
    form = OutcomeForm(request.POST)
    if form.is_valid():
        try:
            services.concern_record_police_outcome(
                concern=concern,
                by=request.user,
                outcome=form.cleaned_data["outcome"],
                rationale=form.cleaned_data["rationale"],
            )
        except ValidationError as error:
            for field, errors in error.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, "Outcome recorded. The school's SPOC has been told.")
            return redirect("concern_detail", code=concern.code)
    concern.refresh_from_db()
    context = _detail_context(request, concern, outcome_form=form)
    return render(request, "incidents/concern_detail.html", context, status=400)

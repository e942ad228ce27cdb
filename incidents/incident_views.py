"""Recordable incidents: police records of the SSPO's schools, their export and summaries."""

import json

from allauth.account.decorators import reauthentication_required
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.http import Http404, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils.text import capfirst
from django.views.decorators.http import require_http_methods, require_POST

from agreements.models import Disclosure
from agreements.services import disclosures_acknowledge
from schools.access import police_pupils
from schools.models import School
from ssp.audit import audited, log_access, log_pupils_shown
from ssp.keyset import Sort, keyset_page

from . import services
from .access import (
    can_list_incidents,
    can_list_summaries,
    can_read_incident,
    can_record_incidents,
    can_record_police_outcome,
    can_update_incident,
    get_concern_for,
    get_incident_for,
    get_summary_for,
)
from .forms import (
    IncidentForm,
    IncidentUpdateForm,
    PupilPicker,
    SummaryForm,
    search_pupils,
    typed_so_far,
)
from .models import (
    POLICE_RELEVANT,
    Incident,
    IncidentPupil,
    IncidentSummary,
)

PAGE_SIZE = 25
ACTIONS = ("search", "add", "remove")
# A concern's roles, as the police record them.
ROLE_FROM_CONCERN = {"victim": "victim", "perpetrator": "suspect", "witness": "witness"}


def _audited_incident(request, code, *, action="view", require=can_read_incident):
    return audited(
        request,
        lambda: get_incident_for(request.user, code, require=require),
        action=action,
        object_type="incident",
        code=code,
        police_purpose=lambda incident: services.incident_purpose(request.user),
    )


def _officer_schools(user):
    if not can_record_incidents(user):
        raise PermissionDenied
    return School.objects.visible_to(user).order_by("name")


def _from_concern(request):
    """The shared concern an incident is created from, through the concern's gate."""
    code = request.GET.get("concern") or request.POST.get("concern")
    if not code:
        return None
    try:
        concern = get_concern_for(request.user, code, require=can_record_police_outcome)
    except ValidationError as error:  # a malformed code is as good as a missing record
        raise Http404 from error
    purpose = services.police_purpose(request.user, concern)
    log_access(
        request,
        action="create_incident",
        object_type="concern",
        object_code=concern.code,
        purpose=purpose,
    )
    return concern


def _initial_from(concern) -> tuple[dict, QueryDict | None]:
    if concern is None:
        return {}, None
    location = concern.location if concern.location in Incident.Location.values else ""
    initial = {
        "school": concern.school_id,
        "category": concern.category,
        "narrative": concern.narrative,
        "happened_on": concern.happened_at.date(),
        "happened_time": concern.happened_at.time().replace(second=0, microsecond=0),
        "location": location,
    }
    seed = QueryDict(mutable=True)
    for link in concern.involved.select_related("pupil"):
        seed.appendlist("pupils", str(link.pupil.code))
        seed[f"role_{link.pupil.code}"] = ROLE_FROM_CONCERN.get(link.role, "other")
    return initial, seed


@login_required
@require_http_methods(["GET", "POST"])
def incident_new(request):
    schools = _officer_schools(request.user)
    concern = _from_concern(request)
    pool = police_pupils(request.user).select_related("school")
    data = request.POST if request.method == "POST" else None
    initial, seed = _initial_from(concern)
    picker = PupilPicker(data if data is not None else seed, pool, roles=IncidentPupil.Role)
    query = data.get("pupil_query", "").strip() if data else ""
    action = next((a for a in ACTIONS if data and a in data), None)
    results = []
    if action == "search":
        results = [p for p in search_pupils(pool, query) if p not in picker.pupils]
        for pupil in results:
            log_access(
                request,
                action="search_result",
                object_type="pupil",
                object_code=pupil.code,
                purpose=services.incident_purpose(request.user),
            )
    elif action == "add":
        picker.add(data["add"])
        query = ""
    elif action == "remove":
        picker.remove(data["remove"])
    if action or data is None:
        form = IncidentForm(initial=typed_so_far(IncidentForm, data) or initial, schools=schools)
    else:
        form = IncidentForm(data, schools=schools)
        picker_ok = _picker_valid(picker)
        if form.is_valid() and picker_ok:
            incident = _record(request, form, picker, concern)
            if incident is not None:
                return redirect("incident_detail", code=incident.code)
    return render(
        request,
        "incidents/incident_form.html",
        {
            "form": form,
            "picker": picker,
            "results": results,
            "query": query,
            "searched": action == "search",
            # The part that changed takes the focus (autofocus): the added pupil's role.
            "added": data["add"] if action == "add" else "",
            "removed": action == "remove",
            "roles": IncidentPupil.Role.choices,
            "concern": concern,
            "show_errors": data is not None and not action,
        },
        status=400 if data is not None and not action else 200,
    )


def _picker_valid(picker) -> bool:
    # An incident seen on patrol may involve no pupil we can name; roles must still be right.
    valid = picker.is_valid()
    picker.errors = [e for e in picker.errors if e != "Add at least one pupil."]
    return valid or not picker.errors


def _record(request, form, picker, concern):
    data = form.cleaned_data
    facts = services.IncidentFacts(
        **{name: data[name] for name in services.IncidentFacts.__dataclass_fields__}
    )
    try:
        incident = services.incident_record(
            by=request.user,
            school=data["school"],
            category=data["category"],
            narrative=data["narrative"],
            location=data["location"],
            place=data["place"],
            happened_at=data["happened_at"],
            involved=[services.Involvement(p, picker.role_of(p)) for p in picker.pupils],
            facts=facts,
            police_reference=data["police_reference"],
            concern=concern,
            once=data["once"],
        )
    except ValidationError as error:
        for field, errors in error.message_dict.items():
            if field == "pupils":
                picker.errors.extend(errors)
            else:
                form.add_error(field if field in form.fields else None, errors)
        return None
    messages.success(request, f"Incident {incident.reference} recorded.")
    return incident


def _incident_context(request, incident, **forms):
    user = request.user
    editable = can_update_incident(user, incident)
    return {
        "incident": incident,
        "involved": incident.involved.select_related("pupil").order_by("pupil__last_name"),
        "events": incident.events.select_related("actor"),
        "summaries": incident.summaries.select_related("sent_by"),
        "can_update": editable and incident.status == Incident.Status.OPEN,
        "can_send_summary": editable,
        "update_form": forms.get("update_form")
        or IncidentUpdateForm(
            initial={
                "police_reference": incident.police_reference,
                "outcome": incident.outcome,
                "version": incident.version,
            }
        ),
        "summary_form": forms.get("summary_form") or SummaryForm(),
        "conflict": forms.get("conflict", False),
    }


@login_required
def incident_detail(request, code):
    incident = _audited_incident(request, code)
    return render(request, "incidents/incident_detail.html", _incident_context(request, incident))


@login_required
@require_POST
def incident_update(request, code):
    incident = _audited_incident(request, code, action="update", require=can_update_incident)
    form = IncidentUpdateForm(request.POST)
    conflict = False
    if form.is_valid():
        try:
            services.incident_update(
                incident=incident,
                by=request.user,
                police_reference=form.cleaned_data["police_reference"],
                outcome=form.cleaned_data["outcome"],
                close=form.cleaned_data["close"],
                seen_version=form.cleaned_data["version"],
            )
        except services.IncidentChanged:
            conflict = True
        except ValidationError as error:
            for field, errors in error.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, "Incident updated.")
            return redirect("incident_detail", code=incident.code)
    incident.refresh_from_db()
    context = _incident_context(request, incident, update_form=form, conflict=conflict)
    return render(
        request, "incidents/incident_detail.html", context, status=409 if conflict else 400
    )


@login_required
@require_POST
def incident_summary_send(request, code):
    incident = _audited_incident(request, code, action="send_summary", require=can_update_incident)
    form = SummaryForm(request.POST)
    if form.is_valid():
        try:
            services.incident_send_summary(
                incident=incident,
                by=request.user,
                text=form.cleaned_data["text"],
                once=form.cleaned_data["once"],
            )
        except ValidationError as error:
            form.add_error("text", error.messages)
        else:
            messages.success(request, "Summary sent to the school's SPOC.")
            return redirect("incident_detail", code=incident.code)
    context = _incident_context(request, incident, summary_form=form)
    return render(request, "incidents/incident_detail.html", context, status=400)


@login_required
@reauthentication_required  # an export leaves the portal: prove it is still you
def incident_export_json(request, code):
    incident = _audited_incident(request, code, action="export_json")
    body = json.dumps(services.incident_export(incident), indent=2, ensure_ascii=False)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="incident-{incident.reference}.json"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "no-store"
    return response


@login_required
@reauthentication_required  # an export leaves the portal: prove it is still you
def incident_export_print(request, code):
    incident = _audited_incident(request, code, action="export_print")
    record = services.incident_export(incident)
    return render(
        request,
        "incidents/incident_print.html",
        {
            "record": record,
            "incident": incident,
            "facts": _printed_facts(incident, record["facts"]),
            "involved": incident.involved.select_related("pupil").order_by("pupil__last_name"),
        },
    )


def _printed_facts(incident, facts: dict) -> list[tuple[str, str]]:
    """The export's facts for a person to read: the form's labels and words, not its keys."""
    printed = []
    for name, value in facts.items():
        if value is None:
            continue
        if name == "device_status":
            value = incident.get_device_status_display()
        elif isinstance(value, bool):
            value = "Yes" if value else "No"
        printed.append((capfirst(Incident._meta.get_field(name).verbose_name), value))
    return printed


# "open" sorts after "closed", so open first is the status descending: one index walk.
INCIDENT_SORTS = {
    "open": Sort("Open first, then newest", ("status", "recorded_at", "pk")),
    "newest": Sort("Newest first", ("recorded_at", "pk")),
    "oldest": Sort("Oldest first", ("recorded_at", "pk"), descending=False),
}
# What the list shows of an incident, the sorts' keys among them.
LISTED = ("code", "reference", "status", "category", "happened_at", "recorded_at")


@login_required
def incident_list(request):
    user = request.user
    if not can_list_incidents(user):
        raise PermissionDenied
    # What a row shows and no more (as incidents.table_rows.for_rows reads concerns): not an
    # incident's narrative and facts, nor a pupil's record beyond their name.
    involved = (
        IncidentPupil.objects.select_related("pupil")
        .only("incident", "role", "pupil__code", "pupil__first_name", "pupil__last_name")
        .order_by("pupil__last_name")
    )
    incidents = (
        Incident.objects.visible_to(user)
        .select_related("school")
        .only(*LISTED, "school__name")
        .prefetch_related(Prefetch("involved", queryset=involved, to_attr="pupil_links"))
    )
    page = keyset_page(
        request,
        incidents,
        sorts=INCIDENT_SORTS,
        default="open",
        per_page=PAGE_SIZE,
        by_school=True,
    )
    log_pupils_shown(
        request,
        action="list_incidents",
        pupil_codes=[link.pupil.code for incident in page for link in incident.pupil_links],
        purpose=services.incident_purpose(user),
    )
    return render(
        request,
        "incidents/incident_list.html",
        {
            "page": page,
            "can_record": can_record_incidents(user),
            "police_relevant": POLICE_RELEVANT,
        },
    )


# Summaries page by cursor (ssp/keyset.py): a deep page costs what the first does.
LATEST_SUMMARIES = {"latest": Sort("Latest first", ("sent_at", "pk"))}


@login_required
def summary_list(request):
    user = request.user
    if not can_list_summaries(user):
        raise PermissionDenied
    summaries = (
        IncidentSummary.objects.visible_to(user)
        .select_related("incident__school", "sent_by")
        .order_by("-sent_at", "-pk")
    )
    page = keyset_page(
        request,
        summaries,
        sorts=LATEST_SUMMARIES,
        default="latest",
        per_page=PAGE_SIZE,
        by_school=True,
    )
    return render(request, "incidents/summary_list.html", {"page": page})


@login_required
def summary_detail(request, code):
    summary = audited(
        request,
        lambda: get_summary_for(request.user, code),
        action="view",
        object_type="incident_summary",
        code=code,
        police_purpose=lambda _: services.incident_purpose(request.user),
    )
    # The school opening the summary the police sent acknowledges it, once.
    disclosures_acknowledge(
        by=request.user, record_codes=[summary.code], kinds=[Disclosure.Kind.INCIDENT_SUMMARY]
    )
    return render(request, "incidents/summary_detail.html", {"summary": summary})

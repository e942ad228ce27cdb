"""A school's pupils for its leads: the roll, one pupil's form, and importing the roll."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.shortcuts import redirect, render
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_http_methods, require_POST

from ssp.audit import log_access, log_pupils_listed
from ssp.forms import add_service_errors
from ssp.uploads import SizeCapUploadHandler

from . import pupils as pupil_services
from .access import get_pupil_to_correct, get_roll_intake_for, get_school_for_pupils
from .intake import roll, roll_csv
from .intake.rows import IntakeRefused
from .models import Intake, Pupil
from .pupil_forms import (
    ColumnMappingForm,
    DecisionsForm,
    PupilFindForm,
    PupilForm,
    RollUploadForm,
)


@login_required
def pupil_list(request, code):
    school = get_school_for_pupils(request.user, code)
    pupils = list(
        Pupil.objects.visible_to(request.user)
        .filter(school=school)
        .order_by("last_name", "first_name", "pk")
    )
    log_access(request, action="roll_read", object_type="school", object_code=school.code)
    intakes = (
        Intake.objects.filter(school=school, kind__in=roll.ROLL_KINDS)
        .select_related("created_by", "applied_by")
        .order_by("-created_at")[:20]
    )
    return render(
        request,
        "schools/pupils/list.html",
        {
            "school": school,
            "current": [p for p in pupils if p.left_on is None],
            "left": [p for p in pupils if p.left_on is not None],
            "intakes": intakes,
        },
    )


FOUND_AT_MOST = 50


@login_required
@require_http_methods(["GET", "POST"])
def pupil_find(request, code):
    """A lead finds a pupil of their school by name, year group or UPN, left pupils too, and
    goes on to everything the school holds about them (the pupil's chronology)."""
    school = get_school_for_pupils(request.user, code)
    form = PupilFindForm(request.POST if request.method == "POST" else None, school=school)
    found, more = None, 0
    if form.is_bound and form.is_valid():
        found, more = _find(school, form.cleaned_data)
        # Names in search results are pupil records read: logged, one row each, no names.
        log_pupils_listed(request, action="search_result", pupil_codes=[p.code for p in found])
    return render(
        request,
        "schools/pupils/find.html",
        {"school": school, "form": form, "found": found, "more": more, "at_most": FOUND_AT_MOST},
    )


def _find(school, wanted) -> tuple[list[Pupil], int]:
    pupils = Pupil.objects.filter(school=school)
    for word in wanted["name"].split():
        pupils = pupils.filter(
            Q(first_name__icontains=word)
            | Q(last_name__icontains=word)
            | Q(preferred_forename__icontains=word)
            | Q(preferred_surname__icontains=word)
        )
    if wanted["year_group"] is not None:
        pupils = pupils.filter(year_group=wanted["year_group"])
    if wanted["upn"]:
        pupils = pupils.filter(Q(upn__iexact=wanted["upn"]) | Q(former_upn__iexact=wanted["upn"]))
    found = list(pupils.order_by("last_name", "first_name", "pk")[: FOUND_AT_MOST + 1])
    if len(found) <= FOUND_AT_MOST:
        return found, 0
    return found[:FOUND_AT_MOST], pupils.count() - FOUND_AT_MOST


def _pupil_values(data):
    return {k: data[k] for k in pupil_services.FIELDS}


@login_required
@require_http_methods(["GET", "POST"])
def pupil_new(request, code):
    school = get_school_for_pupils(request.user, code)
    form = PupilForm(request.POST or None, school=school)
    if request.method == "POST" and form.is_valid():
        try:
            pupil = pupil_services.pupil_add(
                school=school,
                by=request.user,
                once=form.cleaned_data["once"],
                **_pupil_values(form.cleaned_data),
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"{pupil} is on the roll.")
            return redirect("pupil_list", code=school.code)
    return render(
        request, "schools/pupils/form.html", {"form": form, "school": school, "pupil": None}
    )


@login_required
@require_http_methods(["GET", "POST"])
def pupil_correct(request, code):
    pupil = get_pupil_to_correct(request.user, code)
    if request.method == "GET":
        log_access(request, action="read", object_type="pupil", object_code=pupil.code)
    initial = {f: getattr(pupil, f) for f in (*pupil_services.FIELDS, "left_on")}
    form = PupilForm(request.POST or None, school=pupil.school, correcting=True, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            pupil_services.pupil_correct(
                pupil=pupil,
                by=request.user,
                left_on=form.cleaned_data.get("left_on"),
                **_pupil_values(form.cleaned_data),
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"{pupil}'s details are saved.")
            return redirect("pupil_list", code=pupil.school.code)
    return render(
        request,
        "schools/pupils/form.html",
        {"form": form, "school": pupil.school, "pupil": pupil},
    )


@csrf_exempt
@login_required
def roll_upload(request, code):
    # The cap must be in place before anything reads the request body (CSRF included).
    request.upload_handlers.insert(
        0, SizeCapUploadHandler(request, cap=max(roll_csv.MAX_BYTES, roll.CTF_MAX_BYTES))
    )
    return _roll_upload(request, code)


@csrf_protect
@require_http_methods(["GET", "POST"])
def _roll_upload(request, code):
    school = get_school_for_pupils(request.user, code)
    posted = request.method == "POST"
    form = RollUploadForm(request.POST if posted else None, request.FILES if posted else None)
    if getattr(request, "too_large_uploads", ()):
        form.is_valid()
        form.errors.pop("file", None)
        form.add_error(
            "file", f"The file is larger than {roll_csv.size_label(roll.CTF_MAX_BYTES)}."
        )
    elif posted and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            intake = roll.roll_upload(
                school=school, by=request.user, name=upload.name, data=upload.read()
            )
        except IntakeRefused as error:
            form.add_error("file", str(error))
        else:
            if intake.kind == Intake.Kind.ROLL_CSV:
                return redirect("roll_columns", code=intake.code)
            return _preview_or_refuse(request, intake)
    return render(request, "schools/pupils/roll_upload.html", {"form": form, "school": school})


def _preview_or_refuse(request, intake, mapping=None):
    try:
        roll.roll_preview(intake=intake, by=request.user, mapping=mapping)
    except IntakeRefused as error:
        roll.roll_refuse(intake=intake, by=request.user, why=str(error))
        messages.error(request, f"The file was refused: {error}")
        return redirect("pupil_list", code=intake.school.code)
    return redirect("roll_preview", code=intake.code)


@login_required
@require_http_methods(["GET", "POST"])
def roll_columns(request, code):
    intake = get_roll_intake_for(request.user, code)
    if intake.kind != Intake.Kind.ROLL_CSV or intake.status not in (
        Intake.Status.UPLOADED,
        Intake.Status.PREVIEWED,
    ):
        return redirect("roll_preview", code=intake.code)
    header = intake.options.get("header", [])
    remembered = {
        k: v
        for k, v in intake.school.roll_csv_mapping.items()
        if k in roll_csv.FIELDS and v in header
    }
    initial = intake.options.get("mapping") or remembered or roll_csv.guess_mapping(header)
    form = ColumnMappingForm(request.POST or None, header=header, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            roll.roll_preview(intake=intake, by=request.user, mapping=form.cleaned_data)
        except IntakeRefused as error:
            form.add_error(None, str(error))
        else:
            return redirect("roll_preview", code=intake.code)
    return render(
        request,
        "schools/pupils/roll_columns.html",
        {"form": form, "intake": intake, "school": intake.school, "remembered": bool(remembered)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def roll_preview(request, code):
    intake = get_roll_intake_for(request.user, code)
    if request.method == "GET":
        # The preview names pupils: reading it is logged like reading their records.
        log_access(request, action="read", object_type="roll_import", object_code=intake.code)
    preview = intake.preview
    questions = preview.get("questions", []) if intake.status == Intake.Status.PREVIEWED else []
    form = DecisionsForm(request.POST or None, questions=questions)
    if request.method == "POST" and form.is_valid():
        try:
            roll.roll_decide(intake=intake, by=request.user, decisions=form.decisions())
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return redirect("roll_preview", code=intake.code)
    return render(
        request,
        "schools/pupils/roll_preview.html",
        {
            "intake": intake,
            "school": intake.school,
            "preview": preview,
            "counts": preview.get("counts") or intake.summary,
            "form": form,
            "open": intake.status in (Intake.Status.UPLOADED, Intake.Status.PREVIEWED),
        },
    )


@login_required
@require_POST
def roll_apply(request, code):
    intake = get_roll_intake_for(request.user, code)
    try:
        intake = roll.roll_apply(intake=intake, by=request.user)
    except roll.StalePreview:
        messages.warning(
            request,
            "The school's pupils changed since this preview was made. Nothing was changed: "
            "check the new preview, then apply again.",
        )
        return redirect("roll_preview", code=intake.code)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("roll_preview", code=intake.code)
    except IntakeRefused as error:
        roll.roll_refuse(intake=intake, by=request.user, why=str(error))
        messages.error(request, f"The file was refused: {error}")
        return redirect("pupil_list", code=intake.school.code)
    c = intake.summary
    messages.success(
        request,
        f"The roll is applied: {c['new']} new, {c['changed']} changed, "
        f"{c['leaving']} no longer on the roll.",
    )
    return redirect("pupil_list", code=intake.school.code)


@login_required
@require_POST
def roll_abandon(request, code):
    intake = get_roll_intake_for(request.user, code)
    try:
        roll.roll_abandon(intake=intake, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, "The import is abandoned and its file deleted.")
    return redirect("pupil_list", code=intake.school.code)

"""The schools register from GIAS: the administrator uploads the extract for a force, watches
it being read, checks the preview and applies or abandons it; a sergeant reads the register
of their force's schools."""

import datetime
import logging

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_http_methods, require_POST

from ssp.celery import hand_to_worker
from ssp.uploads import SizeCapUploadHandler

from .access import (
    get_gias_intake_for,
    gias_intakes_visible_to,
    require_gias_importer,
    require_gias_reader,
)
from .gias_forms import GiasUploadForm
from .intake import gias_services
from .intake.rows import IntakeRefused
from .models import Force, Intake, School

logger = logging.getLogger(__name__)

RUNNING = (Intake.Status.UPLOADED, Intake.Status.PREVIEWING)


def queue_preview(intake: Intake) -> bool:
    """Hand the reading to a worker; False if the broker cannot be reached just now (the
    page then offers to start again). Never holds the request on a frozen broker."""
    from .tasks import gias_preview

    if not hand_to_worker(gias_preview, [intake.pk]):
        logger.warning("Broker unavailable; GIAS intake %s waits", intake.code)
        return False
    return True


@login_required
def gias_imports(request):
    require_gias_importer(request.user)
    intakes = gias_intakes_visible_to(request.user).select_related("force", "created_by")[:50]
    return render(request, "schools/gias_imports.html", {"intakes": intakes})


@csrf_exempt
@login_required
def gias_import_new(request):
    require_gias_importer(request.user)
    # The size cap must be in place before anything reads the request body.
    request.upload_handlers.insert(
        0, SizeCapUploadHandler(request, cap=settings.GIAS_MAX_UPLOAD_BYTES)
    )
    return _gias_import_new(request)


@csrf_protect
@require_http_methods(["GET", "POST"])
def _gias_import_new(request):
    if request.method == "POST":
        form = GiasUploadForm(
            request.POST,
            request.FILES,
            too_large=bool(getattr(request, "too_large_uploads", ())),
        )
    else:
        form = GiasUploadForm(initial=_initial_choices(request.GET.get("force")))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        intake = gias_services.gias_upload(
            force=data["force"],
            upload=data["file"],
            la_codes=data["la_codes"],
            phases=data["phases"],
            extract_date=data["extract_date"],
            by=request.user,
        )
        transaction.on_commit(lambda: _queued_or_say_so(request, intake))
        return redirect("gias_import_detail", code=intake.code)
    return render(request, "schools/gias_import_new.html", {"form": form})


def _queued_or_say_so(request, intake):
    if not queue_preview(intake):
        messages.warning(
            request,
            "The file is saved, but reading it could not start: the background worker is "
            "unreachable. Try “Start reading the file” in a minute.",
        )


def _initial_choices(force_code) -> dict:
    forces = Force.objects.order_by("name")
    force = forces.filter(code=force_code).first() if force_code else None
    if force is None and forces.count() == 1:
        force = forces.first()
    if force is None:
        return {"phases": [School.Phase.SECONDARY, School.Phase.ALL_THROUGH]}
    return {
        "force": force,
        "la_codes": ", ".join(force.gias_la_codes),
        "phases": force.gias_phases,
    }


@login_required
def gias_import_detail(request, code):
    intake = get_gias_intake_for(request.user, code)
    return render(
        request,
        "schools/gias_import_detail.html",
        {
            "intake": intake,
            "running": intake.status in RUNNING,
            "percent": _percent(intake),
            "plan": intake.preview.get("plan"),
            "extract_date": _date_or_none(intake.options.get("extract_date")),
            "phases": [School.Phase(p).label for p in intake.options.get("phases", [])],
            "can_apply": intake.status == Intake.Status.PREVIEWED,
            "can_abandon": intake.status
            in (*RUNNING, Intake.Status.PREVIEWED, Intake.Status.FAILED),
            "can_restart": intake.status == Intake.Status.UPLOADED,
        },
    )


def _date_or_none(value):
    try:
        return datetime.date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _percent(intake: Intake) -> int:
    if intake.status not in RUNNING:
        return 100
    if not intake.progress_total:
        return 0
    return min(100, intake.progress_done * 100 // intake.progress_total)


@login_required
def gias_import_progress(request, code):
    """A small JSON view the page polls for its progress bar."""
    intake = get_gias_intake_for(request.user, code)
    return JsonResponse(
        {
            "status": intake.status,
            "status_label": intake.get_status_display(),
            "percent": _percent(intake),
            "done": intake.status not in RUNNING,
        }
    )


@login_required
@require_POST
def gias_import_restart(request, code):
    intake = get_gias_intake_for(request.user, code)
    if intake.status == Intake.Status.UPLOADED and not queue_preview(intake):
        messages.warning(request, "The background worker is still unreachable: try again later.")
    return redirect("gias_import_detail", code=intake.code)


@login_required
@require_POST
def gias_import_apply(request, code):
    intake = get_gias_intake_for(request.user, code)
    try:
        intake = gias_services.gias_apply(intake=intake, by=request.user)
    except gias_services.StalePreview:
        messages.warning(
            request,
            "The register changed since this preview was made (another import was applied, "
            "or a school was edited), so nothing was applied. Abandon this one and upload "
            "the file again to see what it would change now.",
        )
    except IntakeRefused as refusal:
        messages.warning(request, str(refusal))
    else:
        summary = intake.summary
        messages.success(
            request,
            f"Applied: {summary['new']} new, {summary['changed']} changed and "
            f"{summary['closed']} closed schools.",
        )
    return redirect("gias_import_detail", code=intake.code)


@login_required
@require_POST
def gias_import_abandon(request, code):
    intake = get_gias_intake_for(request.user, code)
    try:
        gias_services.gias_abandon(intake=intake, by=request.user)
    except IntakeRefused as refusal:
        messages.warning(request, str(refusal))
    else:
        messages.success(request, "The import is abandoned and the file removed. Nothing changed.")
    return redirect("gias_imports")


@login_required
def gias_register(request):
    """The sergeant's register of their force's schools, as GIAS describes them."""
    require_gias_reader(request.user)
    force = request.user.officer.team.force
    schools = School.objects.filter(force=force).order_by("local_authority", "name")
    return render(
        request,
        "schools/gias_register.html",
        {"force": force, "schools": schools, "back": reverse("home")},
    )

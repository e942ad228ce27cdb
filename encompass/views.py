from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from ssp.audit import audited
from ssp.forms import add_service_errors
from ssp.keyset import Sort, keyset_page

from . import access, services
from .forms import AcknowledgeForm, MatchForm, SendForm, TermDateForm
from .models import Notification, TermDate

PAGE_SIZE = 50
# The list pages by cursor (ssp/keyset.py): a deep page costs what the first does.
SORTS = {
    "newest": Sort("Newest first", ("received_at", "pk")),
    "oldest": Sort("Oldest first", ("received_at", "pk"), descending=False),
}


def _audited(request, code, *, action="view", require=None):
    return audited(
        request,
        lambda: access.get_notification_or_404(request.user, code, require=require),
        action=action,
        object_type="encompass_notification",
        code=code,
        police_purpose=lambda record: "Operation Encompass receipt",
    )


@login_required
def notification_list(request):
    if not access.can_list(request.user):
        raise PermissionDenied
    notifications = Notification.objects.visible_to(request.user).select_related(
        "school", "pupil", "acknowledged_by"
    )
    page = keyset_page(request, notifications, sorts=SORTS, default="newest", per_page=PAGE_SIZE)
    return render(
        request,
        "encompass/notification_list.html",
        # The police side reads receipts: sent, when and by whom acknowledged; nothing the
        # school has done with it (its match, its plan).
        {"page": page, "receipts_only": access.can_send(request.user)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def notification_send(request):
    if not access.can_send(request.user):
        raise PermissionDenied
    schools = access.schools_sendable_by(request.user).order_by("name")
    data = request.POST if request.method == "POST" else None
    form = SendForm(data, schools=schools)
    if data is not None and form.is_valid():
        notification = services.send(
            by=request.user,
            school=form.cleaned_data["school"],
            details=form.details(),
            once=form.cleaned_data["once"],
        )
        messages.success(
            request, "Sent. The school's key adults have been told to read it before school."
        )
        return redirect("encompass:detail", code=notification.code)
    return render(
        request,
        "encompass/notification_send.html",
        {"form": form},
        status=400 if data is not None else 200,
    )


@login_required
def notification_detail(request, code):
    notification = _audited(request, code)
    return render(request, "encompass/notification_detail.html", _context(request, notification))


def _context(request, notification, **extra):
    handles = access.can_handle(request.user, notification)
    context = {
        "notification": notification,
        "can_handle": handles,
        "ack_form": AcknowledgeForm() if handles else None,
        "match_form": (
            MatchForm(school=notification.school_id, initial={"pupil": None})
            if handles and notification.pupil_id is None
            else None
        ),
        "candidates": services.candidates(notification) if handles else [],
    }
    context.update(extra)
    return context


@login_required
@require_POST
def notification_acknowledge(request, code):
    notification = _audited(request, code, action="acknowledge", require=access.can_handle)
    form = AcknowledgeForm(request.POST)
    if form.is_valid():
        try:
            services.acknowledge(
                user=request.user,
                notification=notification,
                support_plan=form.cleaned_data["support_plan"],
            )
        except services.AlreadyAcknowledged:
            notification.refresh_from_db()
            form.add_error(
                None,
                "Someone else acknowledged this notification first; their plan is shown below.",
            )
        else:
            messages.success(request, "Acknowledged. The police can see the school has it.")
            return redirect("encompass:detail", code=notification.code)
    return render(
        request,
        "encompass/notification_detail.html",
        _context(request, notification, ack_form=form),
        status=400 if form.errors else 200,
    )


@login_required
@require_http_methods(["POST"])
def notification_match(request, code):
    notification = _audited(request, code, action="match", require=access.can_handle)
    form = MatchForm(request.POST, school=notification.school_id)
    if form.is_valid():
        services.match_pupil(
            user=request.user, notification=notification, pupil=form.cleaned_data["pupil"]
        )
        messages.success(request, "Matched to the pupil.")
        return redirect("encompass:detail", code=notification.code)
    return render(
        request,
        "encompass/notification_detail.html",
        _context(request, notification, match_form=form),
        status=400,
    )


# --- Term dates ---------------------------------------------------------------------------


def _school_keeping_dates(request, code):
    """The school, if the person may see it (else 404) and keeps its dates (else 403)."""
    return access.get_school_for(request.user, code, require=access.can_keep_term_dates)


@login_required
@require_http_methods(["GET", "POST"])
def term_dates(request, code):
    school = _school_keeping_dates(request, code)
    data = request.POST if request.method == "POST" else None
    form = TermDateForm(data)
    if data is not None and form.is_valid():
        f = form.cleaned_data
        try:
            services.term_date_add(
                by=request.user,
                school=school,
                kind=f["kind"],
                label=f["label"],
                starts_on=f["starts_on"],
                ends_on=f["ends_on"],
                once=f["once"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Dates added.")
            return redirect("encompass:term_dates", code=school.code)
    return render(
        request,
        "encompass/term_dates.html",
        {
            "school": school,
            "term_dates": TermDate.objects.filter(school=school),
            "form": form,
        },
        status=400 if data is not None else 200,
    )


@login_required
@require_POST
def term_date_remove(request, code, pk):
    school = _school_keeping_dates(request, code)
    term_date = get_object_or_404(TermDate, school=school, pk=pk)
    services.term_date_remove(by=request.user, term_date=term_date)
    messages.success(request, "Dates removed.")
    return redirect("encompass:term_dates", code=school.code)

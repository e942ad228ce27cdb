"""Enquiries between the SSPO and a school, always through the school's SPOC."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from agreements.models import Disclosure
from agreements.services import disclosures_acknowledge
from ssp.audit import audited, log_pupils_shown
from ssp.keyset import Sort, keyset_page
from ssp.roles import POLICE_ROLES

from . import services
from .access import (
    can_list_enquiries,
    can_open_enquiry,
    can_reply,
    enquiry_choices,
    get_concern_for,
    get_enquiry_for,
)
from .forms import EnquiryForm, MessageForm
from .models import Enquiry, Side

PAGE_SIZE = 25
# Enquiries page by cursor (ssp/keyset.py), the latest message first; "waiting for your
# answer" is the filter that brings forward what needs doing.
ENQUIRY_SORTS = {
    "latest": Sort("Latest message first", ("last_message_at", "pk")),
    "oldest": Sort("Oldest message first", ("last_message_at", "pk"), descending=False),
}


def _audited_enquiry(request, code, *, action="view", require=None) -> Enquiry:
    return audited(
        request,
        lambda: get_enquiry_for(request.user, code, require=require),
        action=action,
        object_type="enquiry",
        code=code,
        police_purpose=lambda enquiry: services.enquiry_purpose(request.user),
    )


def _choices_for(user):
    schools, concerns, pupils = enquiry_choices(user)
    return schools.order_by("name"), concerns.order_by("-recorded_at"), pupils


@login_required
@require_http_methods(["GET", "POST"])
def enquiry_new(request):
    schools, concerns, pupils = _choices_for(request.user)
    initial = {}
    code = request.GET.get("concern")
    if code:
        try:
            concern = get_concern_for(request.user, code)
        except ValidationError as error:
            raise Http404 from error
        initial = {"school": concern.school_id, "about": "concern", "concern": concern.code}
    data = request.POST if request.method == "POST" else None
    form = EnquiryForm(data, initial=initial, schools=schools, concerns=concerns, pupils=pupils)
    log_pupils_shown(  # the pupil list names every child the officer may ask about
        request,
        action="enquiry_choices",
        pupil_codes=pupils.values_list("code", flat=True),
        purpose=services.enquiry_purpose(request.user),
    )
    if data is not None and form.is_valid():
        f = form.cleaned_data
        try:
            enquiry = services.enquiry_open(
                by=request.user,
                school=f["school"],
                about=f["about"],
                subject=f["subject"],
                text=f["text"],
                concern=f["concern"],
                pupil=f["pupil"],
                once=f["once"],
            )
        except ValidationError as error:
            for field, errors in error.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, "Enquiry sent.")
            return redirect("enquiry_detail", code=enquiry.code)
    return render(
        request,
        "incidents/enquiry_form.html",
        {"form": form},
        status=400 if data is not None else 200,
    )


def _enquiry_context(request, enquiry, *, form=None):
    user = request.user
    return {
        "enquiry": enquiry,
        "thread": enquiry.messages.select_related("author"),
        "can_reply": can_reply(user, enquiry),
        "can_close": can_reply(user, enquiry),
        "form": form or MessageForm(),
    }


@login_required
def enquiry_detail(request, code):
    enquiry = _audited_enquiry(request, code)
    # Opening the thread acknowledges the other side's messages in it, each once.
    disclosures_acknowledge(
        by=request.user,
        record_codes=enquiry.messages.values("code"),
        kinds=[Disclosure.Kind.ENQUIRY_ANSWER, Disclosure.Kind.ENQUIRY_MESSAGE],
    )
    return render(request, "incidents/enquiry_detail.html", _enquiry_context(request, enquiry))


@login_required
@require_POST
def enquiry_reply(request, code):
    enquiry = _audited_enquiry(request, code, action="reply", require=can_reply)
    form = MessageForm(request.POST)
    if form.is_valid():
        try:
            services.enquiry_reply(
                enquiry=enquiry,
                by=request.user,
                text=form.cleaned_data["text"],
                once=form.cleaned_data["once"],
            )
        except ValidationError as error:
            form.add_error("text", error.messages)
        else:
            messages.success(request, "Message sent.")
            return redirect("enquiry_detail", code=enquiry.code)
    context = _enquiry_context(request, enquiry, form=form)
    return render(request, "incidents/enquiry_detail.html", context, status=400)


@login_required
@require_POST
def enquiry_close(request, code):
    enquiry = _audited_enquiry(request, code, action="close", require=can_reply)
    services.enquiry_close(enquiry=enquiry, by=request.user)
    messages.success(request, "Enquiry closed.")
    return redirect("enquiry_detail", code=enquiry.code)


@login_required
def enquiry_list(request):
    user = request.user
    if not can_list_enquiries(user):
        raise PermissionDenied
    side = Side.POLICE if user.role in POLICE_ROLES else Side.SCHOOL
    enquiries = Enquiry.objects.visible_to(user).select_related("school", "sspo")
    waiting = request.GET.get("waiting") == "1"
    if waiting:
        enquiries = enquiries.waiting_for(side)
    page = keyset_page(
        request,
        enquiries,
        sorts=ENQUIRY_SORTS,
        default="latest",
        per_page=PAGE_SIZE,
        keep=("waiting",),
        by_school=True,
    )
    return render(
        request,
        "incidents/enquiry_list.html",
        {
            "page": page,
            "waiting": waiting,
            "query": "waiting=1" if waiting else "",
            "can_open": can_open_enquiry(user),
            "my_side": side,
        },
    )

"""Staff read and confirm the SSP's summary; the head sees who has and who has not."""

import uuid

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from ssp.submissions import SubmissionField

from .access import (
    can_confirm_awareness,
    can_read_awareness,
    can_read_summary,
    get_partnership_for,
)
from .awareness import (
    awareness_confirm,
    awareness_list,
    awareness_remind,
    confirmation_of,
    current_protocol,
    reminded_today,
)

STAFF_PAGE = 100


class ConfirmForm(forms.Form):
    once = SubmissionField()
    document = forms.UUIDField(widget=forms.HiddenInput)


def _shown(document, error) -> ConfirmForm:
    """The form for the version now shown, carrying the reason the last press failed."""
    form = ConfirmForm({"document": document.code if document else "", "once": uuid.uuid4()})
    form.is_valid()
    form.add_error(None, error)
    return form


@login_required
@require_http_methods(["GET", "POST"])
def ssp_summary(request, code):
    partnership = get_partnership_for(request.user, code, require=can_read_summary)
    can_confirm = can_confirm_awareness(request.user, partnership)
    document = current_protocol(partnership)
    form = ConfirmForm(request.POST or None, initial={"document": document and document.code})
    if request.method == "POST":
        if not can_confirm:
            raise PermissionDenied
        if form.is_valid():
            try:
                awareness_confirm(
                    partnership=partnership,
                    document_code=form.cleaned_data["document"],
                    by=request.user,
                    once=form.cleaned_data["once"],
                )
            except ValidationError as error:
                form = _shown(document, error)
            else:
                messages.success(request, "Thank you: you have confirmed you read the summary.")
                return redirect("home")
        else:
            form = _shown(document, "Read the summary below, then confirm.")
    return render(
        request,
        "agreements/ssp_summary.html",
        {
            "partnership": partnership,
            "document": document,
            "form": form,
            "can_confirm": can_confirm,
            "confirmation": confirmation_of(partnership, document, request.user),
        },
    )


@login_required
def awareness_staff(request, code):
    partnership = get_partnership_for(request.user, code, require=can_read_awareness)
    document = current_protocol(partnership)
    staff = awareness_list(partnership, document)
    page = Paginator(staff, STAFF_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "agreements/awareness_staff.html",
        {
            "partnership": partnership,
            "document": document,
            "page": page,
            "confirmed": staff.filter(has_confirmed=True).count() if document else 0,
            "can_remind": can_read_awareness(request.user, partnership),
            "reminded_today": reminded_today(partnership),
        },
    )


@require_POST
@login_required
def awareness_remind_staff(request, code):
    partnership = get_partnership_for(request.user, code, require=can_read_awareness)
    try:
        count = awareness_remind(partnership=partnership, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        people = "member of staff has" if count == 1 else "members of staff have"
        messages.success(request, f"{count} {people} been reminded to read the summary.")
    return redirect("awareness_staff", code=partnership.code)

"""The head's pages for their staff: invite many from a CSV, and end a person's access."""

import logging

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from . import services
from .access import can_import_staff, get_membership_to_end, get_school_for, get_staff_intake_for
from .intake import staff
from .intake.rows import IntakeRefused
from .models import Intake

logger = logging.getLogger(__name__)


class StaffFileForm(forms.Form):
    file = forms.FileField(
        label="Staff list (CSV)",
        help_text="A CSV file with a first line naming its columns: name (or first name and "
        "last name), email and role (staff, or SLT for the senior leadership team); job title "
        "if you wish. At most 256 KB.",
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith(".csv"):
            raise ValidationError("The file must be a CSV file, ending .csv.")
        if upload.size > staff.MAX_BYTES:
            raise ValidationError(
                f"The file is {upload.size // 1024} KB; a staff list may be at most "
                f"{staff.MAX_BYTES // 1024} KB."
            )
        return upload


@login_required
@require_http_methods(["GET", "POST"])
def staff_import(request, code):
    school = get_school_for(request.user, code, require=can_import_staff)
    form = StaffFileForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            intake = staff.staff_intake_preview(
                school=school,
                by=request.user,
                data=upload.read(staff.MAX_BYTES + 1),
                file_name=upload.name,
            )
        except IntakeRefused as refusal:
            form.add_error("file", str(refusal))
        else:
            return redirect("staff_import_preview", code=school.code, intake=intake.code)
    return render(
        request,
        "schools/staff_import.html",
        {
            "school": school,
            "form": form,
            "intakes": staff.staff_intakes_for(school).select_related("created_by")[:10],
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def staff_import_preview(request, code, intake):
    intake = get_staff_intake_for(request.user, code, intake)
    school = intake.school
    if request.method == "POST":
        try:
            if request.POST.get("action") == "apply":
                made = staff.staff_intake_apply(intake=intake, by=request.user)
                _send_invitations(request, made)
            else:
                staff.staff_intake_abandon(intake=intake, by=request.user)
                messages.success(request, "The staff list was abandoned. Nobody was invited.")
        except staff.IntakeClosed as closed:
            messages.warning(request, f"This staff list was already dealt with ({closed}).")
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        return redirect("staff_import_preview", code=school.code, intake=intake.code)
    return render(
        request,
        "schools/staff_import_preview.html",
        {
            "school": school,
            "intake": intake,
            "is_open": intake.status == Intake.Status.PREVIEWED,
            "preview": intake.preview,
        },
    )


def _send_invitations(request, made):
    unsent = []
    for invitation, token in made:
        try:
            services.invitation_send(invitation=invitation, token=token)
        except OSError:
            logger.exception("Invitation e-mail could not be sent")
            unsent.append(invitation.email)
    sent = len(made) - len(unsent)
    messages.success(request, f"{sent} invitation{'' if sent == 1 else 's'} sent.")
    if unsent:
        messages.warning(
            request,
            f"The invitations for {', '.join(unsent)} are saved, but the e-mail could not be "
            "sent. Ask an administrator to check the mail server.",
        )


@login_required
@require_http_methods(["GET", "POST"])
def membership_end(request, code, membership):
    membership = get_membership_to_end(request.user, code, membership)
    school = membership.school
    if request.method == "POST":
        person = membership.user.get_full_name() or membership.user.email
        try:
            closed = services.membership_end(membership=membership, by=request.user)
        except services.MembershipAlreadyEnded:
            messages.warning(request, f"{person}'s access had already been ended.")
        else:
            words = f"{person} no longer has access to {school.name}."
            if closed:
                words += " They held no other role, so their account is closed and signed out."
            messages.success(request, words)
        return redirect("school_detail", code=school.code)
    return render(
        request, "schools/membership_end.html", {"school": school, "membership": membership}
    )

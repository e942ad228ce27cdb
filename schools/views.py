import logging

from allauth.account.internal.flows.login import record_authentication
from allauth.account.utils import perform_login
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from ssp.roles import Role

from . import services
from .access import (
    can_import_staff,
    can_invite_anyone,
    can_invite_officers,
    can_invite_to_school,
    can_invite_to_team,
    can_keep_term_dates,
    can_manage_pupils,
    can_name_spoc,
    can_see_school_people,
    get_school_for,
    is_endable_by,
)
from .forms import (
    AcceptInvitationForm,
    InviteAnyoneForm,
    InviteOfficerForm,
    InviteStaffForm,
    NameDataProtectionLeadForm,
    NameSpocForm,
)
from .models import Assignment, Intake, Membership

logger = logging.getLogger(__name__)


@login_required
def school_detail(request, code):
    school = get_school_for(request.user, code)
    people = (
        Membership.objects.current()
        .filter(school=school)
        .select_related("user")
        .order_by("position", "user__last_name")
    )
    assignments = (
        Assignment.objects.current().filter(school=school).select_related("officer__user")
    )
    may_manage_pupils = can_manage_pupils(request.user, school)
    roll_imports = (
        Intake.objects.filter(school=school, kind__in=(Intake.Kind.ROLL_CSV, Intake.Kind.ROLL_CTF))
        .select_related("created_by", "applied_by")
        .order_by("-created_at")[:3]
        if may_manage_pupils
        else ()
    )
    may_import_staff = can_import_staff(request.user, school)
    if can_see_school_people(request.user, school):
        # can_end_membership for each row, with its school-wide half asked once.
        people = list(people)
        for membership in people:
            membership.can_end = may_import_staff and is_endable_by(request.user, membership)
    else:
        people = None
    return render(
        request,
        "schools/school_detail.html",
        {
            "school": school,
            "partnership": getattr(school, "partnership", None),
            "people": people,
            "assignments": assignments,
            "can_invite": can_invite_to_school(request.user, school),
            "can_name_spoc": can_name_spoc(request.user, school),
            "can_import_staff": may_import_staff,
            "can_manage_pupils": may_manage_pupils,
            "can_keep_term_dates": can_keep_term_dates(request.user, school),
            "roll_imports": roll_imports,
        },
    )


def _send_invitation(request, invitation):
    if invitation.replayed:
        # The same form posted again: the first post made and sent this invitation (only
        # its hash is kept, so it could not be sent again anyway).
        messages.success(request, f"Invitation sent to {invitation.email}.")
        return
    try:
        services.invitation_send(invitation=invitation, token=invitation.token)
    except OSError:
        logger.exception("Invitation e-mail could not be sent")
        messages.warning(
            request,
            f"The invitation for {invitation.email} is saved, but the "
            "email could not be sent. Ask an administrator to check the mail "
            "server.",
        )
    else:
        messages.success(request, f"Invitation sent to {invitation.email}.")


@login_required
@require_http_methods(["GET", "POST"])
def invite_staff(request, code):
    school = get_school_for(request.user, code, require=can_invite_to_school)
    form = InviteStaffForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        invitation = services.invitation_create(
            by=request.user, role=Role.STAFF, school=school, **form.cleaned_data
        )
        _send_invitation(request, invitation)
        return redirect("school_detail", code=school.code)
    return render(
        request,
        "schools/invite.html",
        {
            "form": form,
            "title": f"Invite a member of staff to {school.name}",
            "back": reverse("school_detail", args=[school.code]),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def invite_officer(request):
    if not can_invite_officers(request.user):
        raise PermissionDenied
    team = request.user.officer.team
    if not can_invite_to_team(request.user, team):
        raise PermissionDenied
    form = InviteOfficerForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        invitation = services.invitation_create(
            by=request.user, role=Role.SSPO, team=team, **form.cleaned_data
        )
        _send_invitation(request, invitation)
        return redirect("home")
    return render(
        request,
        "schools/invite.html",
        {
            "form": form,
            "title": f"Invite an officer to the {team.name}",
            "back": reverse("home"),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def invite_anyone(request):
    if not can_invite_anyone(request.user):
        raise PermissionDenied
    form = InviteAnyoneForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        invitation = services.invitation_create(by=request.user, **data)
        _send_invitation(request, invitation)
        return redirect("invite_anyone")
    return render(
        request,
        "schools/invite.html",
        {
            "form": form,
            "title": "Invite someone to the portal",
            "back": reverse("admin:index"),
        },
    )


@require_http_methods(["GET", "POST"])
def invitation_accept(request, token):
    invitation = services.invitation_for_token(token)
    if invitation is None:
        return render(request, "schools/invitation_unusable.html", status=404)
    form = AcceptInvitationForm(request.POST or None, invitation=invitation)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.invitation_accept(token=token, password=form.cleaned_data["password1"])
        except ValidationError as error:
            form.add_error(None, error)
        else:
            response = perform_login(request, user, redirect_url=reverse("mfa_activate_totp"))
            record_authentication(request, user, method="password", email=user.email)
            return response
    return render(
        request,
        "schools/invitation_accept.html",
        {
            "form": form,
            "invitation": invitation,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def name_spoc(request, code):
    school = get_school_for(request.user, code, require=can_name_spoc)
    current = {
        m.designation: m for m in Membership.objects.filter(school=school).exclude(designation="")
    }
    form = NameSpocForm(
        request.POST or None,
        school=school,
        initial={
            "spoc": getattr(current.get("spoc"), "code", None),
            "deputy": getattr(current.get("deputy"), "code", None),
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                services.spoc_designate(
                    school=school, membership=form.cleaned_data["spoc"], by=request.user
                )
                services.spoc_designate(
                    school=school,
                    membership=form.cleaned_data["deputy"],
                    deputy=True,
                    by=request.user,
                )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, "The SPOC has been named.")
            return redirect("school_detail", code=school.code)
    return render(request, "schools/name_spoc.html", {"form": form, "school": school})


@login_required
@require_http_methods(["GET", "POST"])
def name_data_protection_lead(request, code):
    school = get_school_for(request.user, code, require=can_name_spoc)
    current = Membership.objects.current().filter(school=school, is_data_protection_lead=True)
    form = NameDataProtectionLeadForm(
        request.POST or None,
        school=school,
        initial={"lead": current.values_list("code", flat=True).first()},
    )
    if request.method == "POST" and form.is_valid():
        lead = form.cleaned_data["lead"]
        services.data_protection_lead_name(school=school, membership=lead, by=request.user)
        messages.success(
            request,
            f"{lead.user.get_full_name()} is the data-protection lead."
            if lead
            else "The school has no data-protection lead: the head answers for its records.",
        )
        return redirect("school_detail", code=school.code)
    return render(
        request, "schools/name_data_protection_lead.html", {"form": form, "school": school}
    )

from allauth.account.decorators import reauthentication_required
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch, Q
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone

from agreements.access import can_read_sharing_log
from agreements.models import FeedbackRound
from incidents.models import Concern
from schools.models import Assignment, Membership, Officer, School, today
from ssp.audit import audited
from ssp.roles import POLICE_ROLES, SCHOOL_ROLES, Role

from .caseload import caseload
from .chronology import pupil_and_chronology


def _schools_at_a_glance(user):
    sspos = Assignment.objects.current().select_related("officer__user")
    leads = (
        Membership.objects.current()
        .exclude(designation="")
        .select_related("user")
        .order_by("-designation")
    )
    return (
        School.objects.visible_to(user)
        .select_related("partnership")
        .prefetch_related(
            Prefetch("assignments", queryset=sspos, to_attr="current_sspos"),
            Prefetch("memberships", queryset=leads, to_attr="leads"),
        )
    )


CHRONOLOGY_PAGE = 25


@login_required
def home(request):
    """Each role's own home page, showing its own slice of the portal."""
    user = request.user
    role = user.role
    if role is None:
        if user.is_superuser:
            return redirect("admin:index")
        return render(request, "reports/home_no_role.html")
    if role == Role.ADMIN:
        return redirect("admin:index")
    context = {
        "role": role,
        "schools": _schools_at_a_glance(user),
        "can_read_sharing_log": can_read_sharing_log(user),
    }
    if role == Role.SERGEANT:
        now = today()
        context["officers"] = (
            Officer.objects.filter(team=user.officer.team_id)
            .filter(Q(left_on__isnull=True) | Q(left_on__gt=now))
            .select_related("user")
            .annotate(
                school_count=Count(
                    "assignments",
                    filter=Q(assignments__starts_on__lte=now)
                    & (Q(assignments__ends_on__isnull=True) | Q(assignments__ends_on__gte=now)),
                )
            )
            .order_by("rank", "user__last_name")
        )
        context["team"] = user.officer.team
    if role in (Role.SSPO, Role.YET):
        context["team"] = user.officer.team
    if role in (Role.SPOC, Role.DEPUTY_SPOC, Role.HEAD):
        waiting = Concern.objects.in_schools_led_by(user).awaiting_triage()
        context.update(
            waiting.aggregate(
                awaiting_triage=Count("pk"), urgent=Count("pk", filter=Q(immediate_risk=True))
            )
        )
    if role == Role.SERGEANT:
        context["shared_count"] = Concern.objects.visible_to(user).count()
    if role in SCHOOL_ROLES:
        # Appraisal feedback rounds open now that this person has not answered yet.
        context["rounds_to_answer"] = (
            FeedbackRound.objects.visible_to(user)
            .open_on(today())
            .exclude(responses__respondent=user)
            .select_related("partnership__school")
        )
    if role == Role.SSPO:
        schools = list(context["schools"])
        chosen = next((s for s in schools if str(s.code) == request.GET.get("school")), None)
        context.update(
            schools=schools,
            chosen=chosen,
            caseload=caseload(user, chosen),
            today=timezone.localdate(),
        )
    template = {
        Role.STAFF: "reports/home_staff.html",
        Role.SPOC: "reports/home_school_lead.html",
        Role.DEPUTY_SPOC: "reports/home_school_lead.html",
        Role.HEAD: "reports/home_school_lead.html",
        Role.SSPO: "reports/home_sspo.html",
        Role.SERGEANT: "reports/home_sergeant.html",
        Role.YET: "reports/home_yet.html",
    }[role]
    return render(request, template, context)


@login_required
def pupil_chronology(request, code):
    pupil, entries = audited(
        request,
        lambda: pupil_and_chronology(request.user, code),
        action="view_chronology",
        object_type="pupil",
        code=code,
        police_purpose=lambda _: "Safeguarding: chronology of a pupil in shared records",
    )
    police = request.user.role in POLICE_ROLES
    # A long history is read a page at a time on screen; the PDF carries all of it.
    page = Paginator(entries, CHRONOLOGY_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "reports/chronology.html",
        {"pupil": pupil, "entries": page, "page": page, "police": police},
    )


@login_required
@reauthentication_required
def pupil_chronology_pdf(request, code):
    from weasyprint import HTML  # loads Pango; only this export needs it

    pupil, entries = audited(
        request,
        lambda: pupil_and_chronology(request.user, code),
        action="export_pdf",
        object_type="pupil",
        code=code,
        police_purpose=lambda _: "Case conference: chronology of a pupil in shared records",
    )
    police = request.user.role in POLICE_ROLES
    html = render_to_string(
        "reports/chronology_pdf.html",
        {
            "pupil": pupil,
            "entries": entries,
            "police": police,
            "printed_by": request.user,
            "printed_at": timezone.now(),
        },
        request=request,
    )
    pdf = HTML(string=html, base_url=request.build_absolute_uri("/")).write_pdf()
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="chronology-{pupil.code}-{timezone.localdate():%Y-%m-%d}.pdf"'
    )
    return response

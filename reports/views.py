from allauth.account.decorators import reauthentication_required
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import (
    Count,
    Exists,
    OuterRef,
    Q,
    Subquery,
)
from django.db.models.functions import Coalesce
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone

from agreements.access import can_open_round, can_read_sharing_log
from agreements.awareness import awareness_due, head_duties
from agreements.models import FeedbackRound
from encompass import access as encompass_access
from encompass.models import Notification as EncompassNotification
from incidents.models import Concern
from records.access import answers_for_records_at
from referrals.access import can_record_conference
from schools.access import can_see_upn
from schools.models import Officer, today
from ssp.audit import audited, log_access, log_pupils_shown
from ssp.exports import csv_response
from ssp.models import AccessLog
from ssp.roles import (
    ACTIVITY_RECORDERS,
    AWARENESS_CONFIRMERS,
    POLICE_ROLES,
    SCHOOL_LEADS,
    SCHOOL_ROLES,
    Role,
)
from ssp.scope import scope_of

from . import overview as team_figures
from .access import can_see_overview
from .caseload import caseload
from .charts import category_charts, hours, triage_chart
from .chronology import pupil_and_chronology
from .people import people_of
from .table_rows import (
    appraisal_item,
    numeric_cells,
    partnership_row,
    school_cells,
    school_row,
)


def _awaiting_triage(**urgent) -> Subquery:
    """A school's concerns awaiting triage (of them, those flagged), counted beside it."""
    waiting = Concern.objects.filter(school=OuterRef("pk"), **urgent).awaiting_triage()
    counted = waiting.order_by().values("school").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted), 0)


def _schools_at_a_glance(user):
    # The leads' triage counts ride along: a school led is one of the schools seen.
    counts = (
        {
            "awaiting_triage": _awaiting_triage(),
            "urgent": _awaiting_triage(immediate_risk=True),
            # Whether an Encompass notification waits: most days none does, and the home
            # then asks for no list of them.
            "encompass_waiting": Exists(
                EncompassNotification.objects.filter(
                    school=OuterRef("pk")
                ).awaiting_acknowledgement()
            ),
        }
        if user.role in SCHOOL_LEADS
        else {}
    )
    # One query, which also gives the request's scope the ids every section below filters by.
    schools = scope_of(user).visible_schools(select_related=["partnership"], annotate=counts)
    _add_people(schools)
    return schools


def _add_people(schools) -> None:
    """Each school's current SSPOs (`current_sspos`) and SPOC and deputy (`leads`), by name,
    and the cells the homes draw of them and of its partnership (`cells`)."""
    people = people_of([school.pk for school in schools], today())
    for school in schools:
        school.current_sspos, school.leads = people[school.pk]
        school.cells = school_cells(school)


CHRONOLOGY_PAGE = 25
# The home lists this many Encompass notifications awaiting acknowledgement; the rest are a
# link away.
ENCOMPASS_ON_HOME = 10
CASELOAD_PURPOSE = "Safeguarding and diversion: the caseload of the officer's assigned schools"


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
    schools = list(_schools_at_a_glance(user))
    partnered = [school for school in schools if getattr(school, "partnership", None)]
    context = {
        "role": role,
        "schools": schools,
        # The schools table and the appraisal links, each row drawn in Python (60 for a
        # sergeant), with the feedback rounds of the partnerships this person opens them for.
        "school_rows": [school_row(school) for school in schools],
        "appraisal_items": [
            appraisal_item(school, can_open_round(user, school.partnership))
            for school in partnered
        ],
        "can_read_sharing_log": can_read_sharing_log(user),
        "can_see_overview": can_see_overview(user),
        # Retention review, legal holds, disposals: the school's head or data-protection lead.
        "answers_for_records": any(answers_for_records_at(user, school.pk) for school in schools),
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
    if role in ACTIVITY_RECORDERS:
        context["team"] = user.officer.team
    if role in SCHOOL_LEADS:
        # Concern.objects.in_schools_led_by(user).awaiting_triage(), counted with the schools.
        led = [school for school in schools if school.pk in scope_of(user).led_school_ids]
        context["awaiting_triage"] = sum(school.awaiting_triage for school in led)
        context["urgent"] = sum(school.urgent for school in led)
        # Triage is the SPOC's and deputy's daily work; a head sees the queue when it waits.
        context["show_queue"] = role != Role.HEAD or bool(context["awaiting_triage"])
        # Operation Encompass notifications still to read, the nearest deadline first: one
        # query, only when the schools above say one waits.
        encompass_waiting = []
        if any(school.encompass_waiting for school in led):
            waiting = encompass_access.handled_by(user).awaiting_acknowledgement()
            encompass_waiting = list(waiting.select_related("school")[: ENCOMPASS_ON_HOME + 1])
        context["encompass_waiting"] = encompass_waiting[:ENCOMPASS_ON_HOME]
        context["encompass_more"] = len(encompass_waiting) > ENCOMPASS_ON_HOME
        context["now"] = timezone.now()
    if role in AWARENESS_CONFIRMERS:
        context["awareness_due"] = awareness_due(user)
    if role == Role.HEAD:
        context["duties"] = head_duties(user, schools=schools)
    if role == Role.SERGEANT:
        # Those still with the police, not every concern ever shared: a count bounded by the
        # open caseload, the same as the team overview's.
        context["with_the_police"] = team_figures.with_the_police(
            user, team_figures.scope_school_ids(user)
        )
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
        sections = caseload(user, chosen)
        log_pupils_shown(
            request,
            action="caseload",
            pupil_codes=[referral.pupil.code for referral in sections["referrals"].items],
            purpose=CASELOAD_PURPOSE,
        )
        context.update(
            schools=schools,
            chosen=chosen,
            caseload=sections,
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
    # A long history is read a page at a time on screen; the PDF carries all of it.
    page = Paginator(entries, CHRONOLOGY_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "reports/chronology.html",
        {
            "pupil": pupil,
            "entries": page,
            "page": page,
            "upn": pupil.upn if can_see_upn(request.user, pupil) else "",
            "can_record_conference": can_record_conference(request.user),
            # Subject access and legal holds: the school's head or data-protection lead.
            "answers_for_records": answers_for_records_at(request.user, pupil.school_id),
        },
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
    html = render_to_string(
        "reports/chronology_pdf.html",
        {
            "pupil": pupil,
            "entries": entries,
            "upn": pupil.upn if can_see_upn(request.user, pupil) else "",
            "printed_by": request.user,
            "printed_at": timezone.now(),
        },
        request=request,
    )
    # Tagged PDF/UA-1: a screen reader reads its headings, paragraphs and table in order,
    # in the language and under the title the template gives it.
    pdf = HTML(string=html, base_url=request.build_absolute_uri("/")).write_pdf(
        pdf_variant="pdf/ua-1"
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="chronology-{pupil.code}-{timezone.localdate():%Y-%m-%d}.pdf"'
    )
    return response


# The sergeant's overview (a head teacher's: their own school's) -----------------------------

OVERVIEW_PURPOSE = "Supervision: the Safer Schools team's partnerships and their figures"


def _overview_scope(request, export: str = "") -> list[int]:
    """The schools whose figures the person sees; anyone else is refused (and an export
    attempt is logged as refused)."""
    if not can_see_overview(request.user):
        if export:
            log_access(
                request,
                action="export_csv",
                object_type=export,
                outcome=AccessLog.Outcome.DENIED,
            )
        raise PermissionDenied
    return team_figures.scope_school_ids(request.user)


def _in_threes(items) -> list[list]:
    return [items[i : i + 3] for i in range(0, len(items), 3)]


@login_required
def overview(request):
    for_team = request.user.role == Role.SERGEANT

    def draw(found):
        return render_to_string(
            "reports/_overview_figures.html",
            {
                "overview": found,
                "table_rows": [partnership_row(row) for row in found.rows],
                "category_rows": _in_threes(category_charts(found.months, found.categories)),
                "triage_chart": triage_chart(found.triage),
                # Whole numbers, drawn as cells: 200 of them need not pass through the
                # template engine (or be localised) one by one.
                "category_table": [
                    (label, numeric_cells((*per_month, total)))
                    for label, per_month, total in found.categories
                ],
                "triage_rows": [(m, str(n), hours(median)) for m, n, median in found.triage],
                "for_team": for_team,
            },
        )

    figures = team_figures.kept_figures(request.user, _overview_scope(request), draw)
    return render(request, "reports/overview.html", {"figures": figures, "for_team": for_team})


def _export(request, *, name: str, header: list, rows, what: str):
    return csv_response(
        request,
        filename=f"{name}-{timezone.localdate():%Y-%m-%d}.csv",
        header=header,
        rows=rows,
        what=what,
        purpose=OVERVIEW_PURPOSE if request.user.role in POLICE_ROLES else "",
    )


@login_required
@reauthentication_required
def overview_partnerships_csv(request):
    school_ids = _overview_scope(request, export="overview_partnerships")
    rows = team_figures.partnership_rows(request.user, school_ids, timezone.localdate())
    kinds, late = list(team_figures.CASELOAD), list(team_figures.OVERDUE)
    return _export(
        request,
        name="partnerships",
        header=[
            "school",
            "urn",
            "partnership",
            "agreement in force",
            "agreement",
            "sspo",
            *(team_figures.CASELOAD[kind].lower() for kind in kinds),
            *(f"overdue: {team_figures.OVERDUE[kind].lower()}" for kind in late),
            "latest rating",
            "latest review",
        ],
        rows=(
            (
                row.school.name,
                row.school.urn,
                row.partnership.get_status_display(),
                "yes" if row.in_force else "no",
                row.agreement,
                "; ".join(row.sspos),
                # A partnership no officer of the team holds has no figures here, not zeros.
                *(row.open[kind] if row.in_team else "" for kind in kinds),
                *(row.overdue[kind] if row.in_team else "" for kind in late),
                row.rating,
                row.reviewed,
            )
            for row in rows
        ),
        what="overview_partnerships",
    )


@login_required
@reauthentication_required
def overview_concerns_csv(request):
    school_ids = _overview_scope(request, export="overview_concerns")
    months = team_figures.last_months(timezone.localdate())
    counts, _ = team_figures.month_figures(school_ids, months)
    categories = team_figures.concerns_by_category(counts, months)
    return _export(
        request,
        name="concerns-by-category-and-month",
        header=["category", *(f"{month:%Y-%m}" for month in months), "total"],
        rows=((label, *per_month, total) for label, per_month, total in categories),
        what="overview_concerns",
    )


@login_required
@reauthentication_required
def overview_triage_csv(request):
    school_ids = _overview_scope(request, export="overview_triage")
    months = team_figures.last_months(timezone.localdate())
    _, triage = team_figures.month_figures(school_ids, months)
    return _export(
        request,
        name="triage-times-by-month",
        header=["month logged", "concerns triaged", "median hours from logging to triage"],
        rows=(
            (f"{month:%Y-%m}", triaged, hours(median))
            for month, triaged, median in team_figures.triage_times(triage, months)
        ),
        what="overview_triage",
    )

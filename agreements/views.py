from allauth.account.decorators import reauthentication_required
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils import timezone

from ssp.exports import csv_response
from ssp.roles import POLICE_ROLES, Role

from .access import can_read_sharing_log
from .models import Disclosure


def _sharing_log(user):
    if not can_read_sharing_log(user):
        raise PermissionDenied
    return (
        Disclosure.objects.visible_to(user)
        .select_related("school", "document", "disclosed_by", "disclosed_to", "acknowledged_by")
        .order_by("-at", "-pk")
    )


@login_required
def sharing_log(request):
    page = Paginator(_sharing_log(request.user), 50).get_page(request.GET.get("page"))
    # A head reads their school's disclosures; officers those of all their schools.
    schools = "your school" if request.user.role == Role.HEAD else "your schools"
    return render(request, "agreements/sharing_log.html", {"page": page, "schools": schools})


@login_required
@reauthentication_required
def sharing_log_csv(request):
    rows = (
        (
            d.at.isoformat(),
            d.school.name,
            d.school.urn,
            d.get_direction_display(),
            d.get_kind_display(),
            d.record_code,
            d.sender_name,
            d.recipient_name,
            d.agreement,
            d.lawful_basis,
            d.dsa_version,
            d.clause,
            d.get_gateway_display(),
            d.purpose,
            d.acknowledged_at.isoformat() if d.acknowledged_at else "",
            d.acknowledged_by.get_full_name() if d.acknowledged_by_id else "",
            "yes" if d.recorded_before_basis else "no",
        )
        for d in _sharing_log(request.user).iterator()
    )
    purpose = "Review of disclosures" if request.user.role in POLICE_ROLES else ""
    return csv_response(
        request,
        filename=f"information-sharing-log-{timezone.localdate():%Y-%m-%d}.csv",
        header=[
            "when",
            "school",
            "urn",
            "direction",
            "what",
            "record",
            "from",
            "to",
            "agreement",
            "lawful basis",
            "dsa version",
            "clause",
            "legal gateway",
            "purpose",
            "opened by the recipient at",
            "opened by",
            "recorded before gateways were kept",
        ],
        rows=rows,
        what="sharing_log",
        purpose=purpose,
    )

"""The disposal certificates' pages: what was disposed of, how many, under which rule, when
and by whom, for the school's head and data-protection lead and the team's sergeant."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.views.decorators.http import require_GET

from ssp.audit import log_access

from .access import get_certificate_for, owns_any_records
from .models import DisposalCertificate

SHOWN = 100


@login_required
@require_GET
def disposal_list(request):
    if not owns_any_records(request.user):
        raise PermissionDenied
    certificates = list(
        DisposalCertificate.objects.visible_to(request.user).select_related(
            "school", "team", "by"
        )[:SHOWN]
    )
    return render(
        request,
        "records/disposal_list.html",
        {"certificates": certificates, "at_most": SHOWN},
    )


@login_required
@require_GET
def disposal_detail(request, code):
    certificate = get_certificate_for(request.user, code)
    log_access(
        request, action="read", object_type="disposal_certificate", object_code=certificate.code
    )
    return render(request, "records/disposal_detail.html", {"certificate": certificate})

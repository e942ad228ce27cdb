"""The subject access page: what an export about a pupil covers, the earlier ones, and the
export itself (a zip of a tagged PDF, a JSON document and the files attached to the records).

ACCESS.md: the pupil's school's head or data-protection lead. The school's other people reach
the pupil and are refused (403); police, whose view of a pupil is not the school's records,
and everyone outside the school find nothing (404), as on the roll's pages.
"""

import json
import re
import shutil
import tempfile
import zipfile

from allauth.account.decorators import reauthentication_required
from django import forms
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone

from schools.access import get_pupil_for
from schools.models import Pupil
from ssp.audit import audited, log_access
from ssp.models import AccessLog
from ssp.scope import scope_of

from . import sar
from .access import can_manage_pupils_records

ACTION = "subject_access_export"
SPOOL_IN_MEMORY = 8 * 1024 * 1024
CHUNK = 1024 * 1024
VIEWED = "view_subject_access"


def get_pupil_to_export(user, code) -> Pupil:
    """A pupil of the person's own school (else 404); the school's records owners export
    (else 403)."""
    if scope_of(user).is_police:
        raise Http404
    return get_pupil_for(user, code, require=can_manage_pupils_records)


class SubjectAccessForm(forms.Form):
    reason = forms.CharField(
        label="Request reference and reason",
        help_text=(
            "For example: Subject access request DP-2026-014, from the pupil's parent. It is "
            "kept in the access log, so do not write the pupil's or anyone's name here."
        ),
        max_length=200,
        error_messages={
            "required": "Enter the request's reference and reason",
            "max_length": "Enter the request's reference and reason in 200 characters or fewer",
        },
    )

    def __init__(self, *args, pupil: Pupil, **kwargs):
        super().__init__(*args, **kwargs)
        self.pupil = pupil

    def clean_reason(self):
        reason = " ".join(self.cleaned_data["reason"].split())
        names = sar.pupil_names(self.pupil)
        if any(re.search(rf"(?<!\w){re.escape(n)}(?!\w)", reason, re.IGNORECASE) for n in names):
            # The access log holds identifiers only, never a child's name (SECURITY.md).
            raise forms.ValidationError(
                "Enter the reference and reason without the pupil's name: the access log "
                "keeps no children's names"
            )
        return reason


def earlier_exports(pupil: Pupil):
    return (
        AccessLog.objects.filter(
            action=ACTION,
            object_type="pupil",
            object_code=pupil.code,
            outcome=AccessLog.Outcome.ALLOWED,
        )
        .select_related("user")
        .order_by("-at", "-pk")
    )


@login_required
def subject_access(request, code):
    # The page names the pupil: every attempt is logged, allowed or not; an export made is
    # logged again, with its reason, and listed on the page.
    pupil = audited(
        request,
        lambda: get_pupil_to_export(request.user, code),
        action=VIEWED,
        object_type="pupil",
        code=code,
    )
    if request.method != "POST":
        return _page(request, pupil, SubjectAccessForm(pupil=pupil))
    form = SubjectAccessForm(request.POST, pupil=pupil)
    if not form.is_valid():
        return _page(request, pupil, form)
    return _export(request, pupil, form.cleaned_data["reason"])


def _page(request, pupil, form, status=200):
    return render(
        request,
        "records/subject_access.html",
        {
            "pupil": pupil,
            "form": form,
            "covers": sar.covered(pupil),
            "police_kinds": sar.police_kinds_about(pupil),
            "earlier": earlier_exports(pupil),
        },
        status=status,
    )


@reauthentication_required
def _export(request, pupil, reason):
    """Asks for the authenticator code once the form is good; the reason is kept across it
    (allauth keeps the POST and runs it again once the person has stepped up)."""
    export = sar.build(pupil=pupil, by=request.user, reason=reason)
    bundle = _bundle(request, export)
    log_access(
        request,
        action=ACTION,
        object_type="pupil",
        object_code=pupil.code,
        purpose=reason,
    )
    response = FileResponse(
        bundle,
        as_attachment=True,
        filename=f"subject-access-{pupil.code}-{timezone.localdate():%Y-%m-%d}.zip",
        content_type="application/zip",
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


def pdf_of(request, export: sar.Export) -> bytes:
    from weasyprint import HTML  # loads Pango; only the exports need it

    html = render_to_string(
        "records/subject_access_pdf.html",
        {
            "export": export,
            "marker": sar.MARKER,
        },
        request=request,
    )
    # Tagged PDF/UA-1, as the chronology's: headings, tables and paragraphs in reading order.
    return HTML(string=html, base_url=request.build_absolute_uri("/")).write_pdf(
        pdf_variant="pdf/ua-1"
    )


def _bundle(request, export: sar.Export):
    """The zip, in a temporary file once it outgrows memory: a pupil's attachments may run to
    many megabytes, and each goes in by chunks rather than read whole."""
    # The response closes it once sent.
    spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY)  # noqa: SIM115
    with zipfile.ZipFile(spool, "w", zipfile.ZIP_DEFLATED) as bundle:
        bundle.writestr("subject-access.pdf", pdf_of(request, export))
        document = json.dumps(sar.as_json(export), indent=2, ensure_ascii=False)
        bundle.writestr("subject-access.json", document)
        for item in export.files:
            with item.file.open("rb") as stored, bundle.open(item.path, "w") as entry:
                shutil.copyfileobj(stored, entry, CHUNK)
    spool.seek(0)
    return spool

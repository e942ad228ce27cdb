"""The partnership register: partnerships, their lifecycle, the protocol and DSA versions,
signing with a fresh second factor, and revocation."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from schools.models import Assignment, Membership
from ssp.access import get_visible_or_404
from ssp.audit import log_access
from ssp.forms import add_service_errors
from ssp.models import AccessLog
from ssp.roles import Role
from ssp.submissions import made_from

from . import services
from .access import (
    can_create_partnership,
    can_edit_document,
    can_move_partnership,
    can_open_round,
    can_read_agreements,
    can_read_awareness,
    can_read_document,
    can_read_documents,
    can_read_register,
    can_read_summary,
    can_sign,
    can_write_documents,
    get_document_for,
    get_partnership_for,
    has_no_register,
)
from .forms import (
    DOCUMENT_FIELDS,
    DocumentForm,
    PartnershipCreateForm,
    PartnershipMoveForm,
    RevokeForm,
    SigningForm,
)
from .models import Document, Partnership, Signature

PAGE_SIZE = 50
KINDS = (Document.Kind.PROTOCOL, Document.Kind.DSA)


def _people(partnership_qs):
    """SSPOs holding each school now and its SPOC and deputy, prefetched in two queries."""
    sspos = Assignment.objects.current().select_related("officer__user")
    leads = (
        Membership.objects.current()
        .filter(designation__in=["spoc", "deputy"])
        .select_related("user")
        .order_by("-designation")
    )
    return partnership_qs.select_related("school", "force").prefetch_related(
        Prefetch("school__assignments", queryset=sspos, to_attr="current_sspos"),
        Prefetch("school__memberships", queryset=leads, to_attr="leads"),
    )


@login_required
def partnership_list(request):
    user = request.user
    if has_no_register(user):
        raise Http404  # ACCESS.md: the YET has no partnership to read
    if not can_read_register(user):
        raise PermissionDenied
    partnerships = _people(Partnership.objects.visible_to(user)).order_by("school__name", "pk")
    page = Paginator(partnerships, PAGE_SIZE).get_page(request.GET.get("page"))
    in_force = set(
        Partnership.objects.filter(pk__in=[p.pk for p in page])
        .in_force()
        .values_list("pk", flat=True)
    )
    for partnership in page:
        partnership.dsa_in_force = partnership.pk in in_force
    return render(
        request,
        "agreements/partnership_list.html",
        {
            "page": page,
            "show_force": user.role == Role.ADMIN,
            "can_create": can_create_partnership(user),
            "can_read_documents": can_read_documents(user),
        },
    )


def _document_rows(partnership: Partnership, user) -> list[dict]:
    """The force's current protocol and DSA, each with this partnership's live signatures."""
    current = {
        kind: Document.objects.current_of(partnership.force_id, kind).first() for kind in KINDS
    }
    live = {
        (s.document_id, s.side): s
        for s in partnership.signatures.filter(revoked_at__isnull=True).select_related("signed_by")
    }
    side = services.signing_side(user) if can_sign(user, partnership) else None
    rows = []
    for kind in KINDS:
        document = current[kind]
        signatures = (
            [live.get((document.pk, s)) for s in Signature.Side] if document is not None else []
        )
        rows.append(
            {
                "kind": Document.Kind(kind).label,
                "document": document,
                "school": signatures[0] if signatures else None,
                "force": signatures[1] if signatures else None,
                "can_sign": document is not None
                and side is not None
                and (document.pk, side) not in live
                and partnership.status != Partnership.Status.ENDED,
            }
        )
    return rows


def _detail_context(request, partnership: Partnership, *, conflict=False) -> dict:
    user = request.user
    check = services.sharing_allowed(partnership.school)
    documents = _document_rows(partnership, user)
    dsa = documents[1]
    return {
        "partnership": partnership,
        "check": check,
        "documents": documents,
        "signatures": partnership.signatures.select_related(
            "document", "signed_by", "revoked_by"
        ).order_by("-signed_at", "-pk"),
        "events": partnership.events.select_related("by"),
        "sspos": services.current_sspos(partnership.school),
        "leads": services.school_leads(partnership.school),
        "can_move": can_move_partnership(user, partnership)
        and bool(Partnership.MOVES[Partnership.Status(partnership.status)]),
        "can_revoke": can_sign(user, partnership) and bool(dsa["school"] or dsa["force"]),
        # The administrator reads the register, never the partnership's working records.
        "works_together": user.role != Role.ADMIN,
        "can_open_round": can_open_round(user, partnership),
        "can_read_awareness": can_read_awareness(user, partnership),
        "conflict": conflict,
    }


@login_required
def partnership_detail(request, code):
    user = request.user
    partnership = get_partnership_for(user, code, require=can_read_summary)
    if not can_read_agreements(user, partnership):
        protocol = Document.objects.current_of(
            partnership.force_id, Document.Kind.PROTOCOL
        ).first()
        return render(
            request,
            "agreements/partnership_summary.html",
            {
                "partnership": partnership,
                "protocol": protocol,
                "sspos": services.current_sspos(partnership.school),
                "leads": services.school_leads(partnership.school),
            },
        )
    context = _detail_context(request, partnership)
    return render(request, "agreements/partnership_detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def partnership_new(request):
    user = request.user
    if not can_create_partnership(user):
        raise PermissionDenied
    form = PartnershipCreateForm(
        request.POST if request.method == "POST" else None,
        force_id=user.officer.team.force_id,
    )
    if request.method == "POST":
        # A repeat of the post that proposed it: the school is no longer a choice, so the
        # form would refuse it; land where the first post did.
        earlier = made_from(Partnership, token=request.POST.get("once"), by=user)
        if earlier is not None:
            return redirect("partnership_detail", code=earlier.code)
    if request.method == "POST" and form.is_valid():
        try:
            partnership = services.partnership_create(
                school=form.cleaned_data["school"],
                by=user,
                reason=form.cleaned_data["reason"],
                once=form.cleaned_data["once"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"Partnership proposed for {partnership.school.name}.")
            return redirect("partnership_detail", code=partnership.code)
    return render(request, "agreements/partnership_new.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def partnership_move(request, code):
    user = request.user
    partnership = get_partnership_for(user, code, require=can_move_partnership)
    if request.method == "POST":
        form = PartnershipMoveForm(request.POST, partnership=partnership)
        if form.is_valid():
            try:
                moved = services.partnership_move(
                    partnership=partnership,
                    to=form.cleaned_data["status"],
                    by=user,
                    reason=form.cleaned_data["reason"],
                    version=form.cleaned_data["version"],
                )
            except services.StaleRecord:
                partnership.refresh_from_db()
                context = _detail_context(request, partnership, conflict=True)
                return render(request, "agreements/partnership_detail.html", context, status=409)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(
                    request, f"The partnership is now {moved.get_status_display().lower()}."
                )
                return redirect("partnership_detail", code=partnership.code)
    else:
        form = PartnershipMoveForm(
            partnership=partnership, initial={"version": partnership.version}
        )
    return render(
        request, "agreements/partnership_move.html", {"partnership": partnership, "form": form}
    )


@login_required
@require_http_methods(["GET", "POST"])
def partnership_sign(request, code, document):
    user = request.user
    partnership = get_partnership_for(user, code, require=can_sign)
    version = get_visible_or_404(
        user, Document.objects.published(), code=document, force_id=partnership.force_id
    )
    current = Document.objects.current_of(partnership.force_id, version.kind).first()
    side = services.signing_side(user)
    capacity = services.signing_capacity(user, partnership)
    signed = Signature.objects.filter(
        partnership=partnership, document=version, side=side, revoked_at__isnull=True
    ).first()
    if request.method == "POST" and signed is not None:
        # A repeat of the post that signed (its code is spent now): land where it did.
        earlier = made_from(Signature, token=request.POST.get("once"), by=user)
        if earlier is not None and earlier.pk == signed.pk:
            return redirect("partnership_detail", code=partnership.code)
    refusal = ""
    if version != current:
        refusal = (
            f"This is version {version.version}; the current version is {current.version}. "
            "Only the current version can be signed."
        )
    elif partnership.status == Partnership.Status.ENDED:
        refusal = "This partnership has ended: nothing more can be signed for it."
    form = None
    status = 200
    if refusal:
        status = 409 if request.method == "POST" else 200
    elif signed is None:
        data = request.POST if request.method == "POST" else None
        form = SigningForm(data, user=user, document=version, capacity=capacity)
        if data is not None:
            if form.is_valid():
                try:
                    services.agreement_sign(
                        partnership=partnership,
                        document=version,
                        by=user,
                        once=form.cleaned_data["once"],
                    )
                except ValidationError as error:
                    form.add_error(None, error.messages)
                else:
                    form.save()  # allauth records the re-authentication with its usage
                    log_access(
                        request, action="sign", object_type="document", object_code=version.code
                    )
                    messages.success(
                        request,
                        f"You have signed version {version.version} of the "
                        f"{services.kind_noun(version)}.",
                    )
                    return redirect("partnership_detail", code=partnership.code)
            elif "code" in form.errors and form.cleaned_data.get("confirm"):
                log_access(
                    request,
                    action="sign",
                    object_type="document",
                    object_code=version.code,
                    outcome=AccessLog.Outcome.DENIED,
                )
            # A one-time code is never shown back: it is spent or wrong either way.
            form.data = form.data.copy()
            form.data["code"] = ""
    return render(
        request,
        "agreements/partnership_sign.html",
        {
            "partnership": partnership,
            "document": version,
            "current": current,
            "capacity": capacity,
            "for_school": side == Signature.Side.SCHOOL,
            "signed": signed,
            "refusal": refusal,
            "form": form,
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def partnership_revoke(request, code):
    user = request.user
    partnership = get_partnership_for(user, code, require=can_sign)
    dsa = Document.objects.current_of(partnership.force_id, Document.Kind.DSA).first()
    live = Signature.objects.filter(
        partnership=partnership, document=dsa, revoked_at__isnull=True
    ).select_related("signed_by")
    form = RevokeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.dsa_revoke(
                partnership=partnership, by=user, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request, "The data sharing agreement is revoked. Nothing more is shared under it."
            )
            return redirect("partnership_detail", code=partnership.code)
    return render(
        request,
        "agreements/partnership_revoke.html",
        {"partnership": partnership, "dsa": dsa, "live": list(live), "form": form},
    )


# The force's protocol and DSA versions.


@login_required
def document_list(request):
    user = request.user
    if has_no_register(user):
        raise Http404
    if not can_read_documents(user):
        raise PermissionDenied
    documents = (
        Document.objects.visible_to(user)
        .select_related("force", "published_by")
        .order_by("force__name", "kind", "-version")
    )
    page = Paginator(documents, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "agreements/document_list.html",
        {
            "page": page,
            "can_write": can_write_documents(user),
            "show_force": user.role == Role.ADMIN,
        },
    )


@login_required
def document_detail(request, code):
    user = request.user
    document = get_document_for(user, code, require=can_read_document)
    return render(
        request,
        "agreements/document_detail.html",
        {"document": document, "can_edit": can_edit_document(user, document)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def document_new(request):
    user = request.user
    if not can_write_documents(user):
        raise PermissionDenied
    form = DocumentForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            document = services.document_draft_create(
                force=user.officer.team.force,
                kind=form.cleaned_data["kind"],
                by=user,
                once=form.cleaned_data["once"],
                **form.content(),
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"Draft saved as version {document.version}.")
            return redirect("document_detail", code=document.code)
    return render(request, "agreements/document_form.html", {"form": form, "document": None})


@login_required
@require_http_methods(["GET", "POST"])
def document_edit(request, code):
    user = request.user
    document = get_document_for(user, code, require=can_edit_document)
    conflict = False
    if request.method == "POST":
        form = DocumentForm(request.POST, editing=True)
        if form.is_valid():
            try:
                services.document_draft_update(
                    document=document,
                    by=user,
                    seen_hash=form.cleaned_data["seen_hash"],
                    **form.content(),
                )
            except services.StaleRecord:
                # Someone saved the draft since this person opened it: keep what they typed,
                # show them, and let them save again over the new text on purpose.
                document.refresh_from_db()
                conflict = True
                form.data = form.data.copy()
                form.data["seen_hash"] = document.compute_hash()
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, "Draft saved.")
                return redirect("document_detail", code=document.code)
    else:
        initial = {name: getattr(document, name) for name in DOCUMENT_FIELDS}
        initial["seen_hash"] = document.compute_hash()
        form = DocumentForm(editing=True, initial=initial)
    return render(
        request,
        "agreements/document_form.html",
        {"form": form, "document": document, "conflict": conflict},
        status=409 if conflict else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def document_publish(request, code):
    user = request.user
    document = get_document_for(user, code, require=can_edit_document)
    error = ""
    if request.method == "POST":
        try:
            published = services.document_publish(document=document, by=user)
        except ValidationError as refusal:
            error = " ".join(refusal.messages)
        else:
            messages.success(
                request,
                f"Version {published.version} is published. Each partnership signs it again "
                "before it takes effect.",
            )
            return redirect("document_detail", code=published.code)
    latest = Document.objects.current_of(document.force_id, document.kind).first()
    return render(
        request,
        "agreements/document_publish.html",
        {"document": document, "latest": latest, "error": error},
        status=400 if error else 200,
    )

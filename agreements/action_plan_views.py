"""The partnership action plan: what the school and its SSPO agree to keep pupils safe."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import BooleanField, Case, Count, OuterRef, Q, Subquery, Value, When
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from ssp.forms import add_service_errors

from . import action_plan_services as services
from .access import can_edit_action_plan, can_read_action_plan, get_partnership_for
from .action_plan_forms import ActionPlanItemForm, ActionPlanItemUpdateForm
from .models import ActionPlanItem

PAGE_SIZE = 50


def _items(partnership):
    today = timezone.localdate()
    overdue = Q(status__in=ActionPlanItem.OUTSTANDING, due_on__lt=today)
    changes = ActionPlanItem.history.filter(id=OuterRef("pk")).order_by("-history_id")
    return (
        ActionPlanItem.objects.filter(partnership=partnership)
        .annotate(
            overdue=Case(When(overdue, then=Value(True)), default=Value(False)),
            outstanding=Case(
                When(status__in=ActionPlanItem.OUTSTANDING, then=Value(True)),
                default=Value(False),
                output_field=BooleanField(),
            ),
            last_changed=Subquery(changes.values("history_date")[:1]),
        )
        .order_by("-outstanding", "due_on", "pk")
    )


@login_required
def action_plan(request, code):
    partnership = get_partnership_for(request.user, code, require=can_read_action_plan)
    overdue = Q(status__in=ActionPlanItem.OUTSTANDING, due_on__lt=timezone.localdate())
    counts = ActionPlanItem.objects.filter(partnership=partnership).aggregate(
        total=Count("pk"), overdue=Count("pk", filter=overdue)
    )
    paginator = Paginator(_items(partnership), PAGE_SIZE)
    paginator.count = counts["total"]  # counted above with the overdue ones: one query
    return render(
        request,
        "agreements/action_plan.html",
        {
            "partnership": partnership,
            "page": paginator.get_page(request.GET.get("page")),
            "overdue_count": counts["overdue"],
            "can_edit": can_edit_action_plan(request.user, partnership),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def action_plan_item_add(request, code):
    partnership = get_partnership_for(request.user, code, require=can_edit_action_plan)
    form = ActionPlanItemForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.action_plan_item_add(
                partnership=partnership, by=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Item added to the action plan.")
            return redirect("action_plan", code=partnership.code)
    return render(
        request,
        "agreements/action_plan_item_form.html",
        {"form": form, "partnership": partnership, "item": None},
    )


@login_required
@require_http_methods(["GET", "POST"])
def action_plan_item_edit(request, code, item):
    partnership = get_partnership_for(request.user, code, require=can_edit_action_plan)
    item = get_object_or_404(ActionPlanItem, partnership=partnership, code=item)
    seen = services.latest_change(item)
    initial = {
        "problem": item.problem,
        "action": item.action,
        "owner": item.owner,
        "due_on": item.due_on,
        "status": item.status,
        "seen": seen,
    }
    form = ActionPlanItemUpdateForm(request.POST or None, initial=initial)
    conflict = False
    if request.method == "POST" and form.is_valid():
        try:
            services.action_plan_item_update(item=item, by=request.user, **form.cleaned_data)
        except services.ItemChanged:
            conflict = True
            item.refresh_from_db()
            form.data = form.data.copy()
            form.data["seen"] = services.latest_change(item)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Action plan item updated.")
            return redirect("action_plan", code=partnership.code)
    history = item.history.select_related("history_user").order_by("-history_id")[:20]
    return render(
        request,
        "agreements/action_plan_item_form.html",
        {
            "form": form,
            "partnership": partnership,
            "item": item,
            "history": history,
            "conflict": conflict,
        },
        status=409 if conflict else 200,
    )

"""Writes for the partnership action plan: one service per verb, history kept."""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from ssp.scope import fresh_scope
from ssp.submissions import once_per_form

from .access import can_edit_action_plan
from .models import ActionPlanItem, Partnership


class ItemChanged(Exception):
    """Someone else changed the item since the form was shown; nothing was saved."""


def latest_change(item: ActionPlanItem) -> int:
    """The id of the item's latest history row: the version a form was made from."""
    return item.history.order_by("-history_id").values_list("history_id", flat=True)[0]


@once_per_form(ActionPlanItem)
@transaction.atomic
def action_plan_item_add(
    *,
    partnership: Partnership,
    by,
    problem: str,
    action: str,
    owner: str,
    due_on: datetime.date,
) -> ActionPlanItem:
    # The partnership's row, then the question again: an ended partnership's plan is kept as
    # it was, even if the page was loaded before it ended.
    partnership = Partnership.objects.select_for_update().get(pk=partnership.pk)
    fresh_scope(by)
    if not Partnership.objects.visible_to(by).filter(pk=partnership.pk).exists():
        raise PermissionDenied
    if not can_edit_action_plan(by, partnership):
        raise PermissionDenied
    if due_on < timezone.localdate():
        raise ValidationError({"due_on": "The due date must be today or later."})
    item = ActionPlanItem(
        partnership=partnership,
        problem=problem.strip(),
        action=action.strip(),
        owner=owner.strip(),
        due_on=due_on,
        created_by=by,
    )
    item._history_user = by
    item.save()
    return item


@transaction.atomic
def action_plan_item_update(
    *,
    item: ActionPlanItem,
    by,
    seen: int,
    problem: str,
    action: str,
    owner: str,
    due_on: datetime.date,
    status: str,
) -> ActionPlanItem:
    """Change an item; the school and the SSPO may both be at it, so one change wins."""
    item = ActionPlanItem.objects.select_for_update().select_related("partnership").get(pk=item.pk)
    fresh_scope(by)
    if not can_edit_action_plan(by, item.partnership):
        raise PermissionDenied
    if latest_change(item) != seen:
        raise ItemChanged(item)
    if status not in ActionPlanItem.Status.values:
        raise ValidationError({"status": "Choose the item's status."})
    item.problem, item.action, item.owner = problem.strip(), action.strip(), owner.strip()
    item.due_on, item.status = due_on, status
    item._history_user = by
    item.save(update_fields=["problem", "action", "owner", "due_on", "status"])
    return item

"""The access-policy helpers every app's gate builds on.

Each protected model has one gate in its app's access.py, shaped like
`get_school_for(user, code, require=can_manage)`: it fetches through the model's
`visible_to(user)` queryset, so a record outside the person's scope answers 404 exactly as
if it did not exist, then applies a predicate, so a record in scope that the person may not
act on answers 403.
"""

from collections.abc import Callable

from django.core.exceptions import PermissionDenied
from django.db.models import Model, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404

from .scope import fresh_scope

Predicate = Callable[..., bool]


def get_visible_or_404(
    user, queryset: QuerySet, *, require: Predicate | None = None, **lookup
) -> Model:
    obj = get_object_or_404(queryset.visible_to(user), **lookup)
    if require is not None and not require(user, obj):
        raise PermissionDenied
    return obj


def lock_visible_or_404(user, record: Model) -> Model:
    """The record's row, locked (after its school's), if `user` still reaches it: for a write
    re-checking under its lock. Their reach is read afresh (the page asked before the lock
    was held); out of it now answers 404, as if the record did not exist. (visible_to may be
    DISTINCT, which FOR UPDATE refuses: so lock first, then ask.)"""
    model = type(record)
    # The record's school first, as the revocations lock it (a DSA revoked, an assignment or
    # a place ended): a write and a revocation at the same moment take turns, so the write
    # either commits before the revocation or waits for it and is refused.
    school_id = getattr(record, "school_id", None)
    if school_id is not None:
        school = model._meta.get_field("school").related_model
        list(school.objects.select_for_update().filter(pk=school_id).values_list("pk"))
    locked = model.objects.select_for_update().get(pk=record.pk)
    fresh_scope(user)
    if not model.objects.visible_to(user).filter(pk=locked.pk).exists():
        raise Http404
    return locked

"""A create is saved once: a repeated post of the same rendered form lands on the first record.

Every create form carries a `SubmissionField`, a one-time token made when the form is
rendered (a double click or a retry posts the same token again). Every create service is
wrapped in `@once_per_form(Model)`, which gives it a keyword argument `once`: the token, or
None for no token (an old page, a script), which creates as before.

Inside one transaction the wrapper first claims (user, model, token) with a unique
constraint, then runs the service and records what it made. Two simultaneous posts race on
that constraint: the second waits for the first to commit, then finds its record and returns
it without running the service, so no second row and no second notification. If the first
fails, its claim rolls back with it and the second creates normally. A token is honoured
only for the person it was claimed by and the kind of record it made: anyone else's post
with it is a fresh create of their own, so no record leaks through a copied token.
"""

import functools
import uuid
from datetime import timedelta

from django import forms
from django.db import IntegrityError, transaction
from django.utils import timezone

from .models import Submission

# A repeated post comes within seconds (a double click) or minutes (a retry); a day is ample.
KEPT_FOR = timedelta(days=1)


class SubmissionField(forms.UUIDField):
    """The hidden one-time token of a create form: new at each fresh render, kept on re-render."""

    widget = forms.HiddenInput

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("initial", uuid.uuid4)
        super().__init__(**kwargs)

    def clean(self, value):
        try:
            return super().clean(value)
        except forms.ValidationError:
            # A mangled token must not cost the person their form: it creates as if absent.
            return None


def once_per_form(model):
    """Give a create service a keyword argument `once` (a form's token) and honour it.

    The service must return the `model` instance it created. The wrapper says which it
    was on the instance it returns: `replayed` is True when this is the record an earlier
    post of the same form made (nothing new was created, so nothing should be sent again),
    False when the service has just created it.
    """
    made = model._meta.label_lower

    def decorate(service):
        @functools.wraps(service)
        def wrapper(*args, once: uuid.UUID | str | None = None, **kwargs):
            by = kwargs["by"]
            if once is None or by is None or by.pk is None:
                return _fresh(service(*args, **kwargs))
            with transaction.atomic():
                claim = _claim(token=once, by=by, made=made)
                if claim is None:
                    earlier = _earlier(token=once, by=by, made=made, model=model)
                    if earlier is not None:
                        earlier.replayed = True
                        return earlier
                    # The first record is gone (disposed of): this post creates afresh.
                    return _fresh(service(*args, **kwargs))
                record = _fresh(service(*args, **kwargs))
                claim.object_id = record.pk
                claim.save(update_fields=["object_id"])
                return record

        return wrapper

    return decorate


def _fresh(record):
    record.replayed = False
    return record


def made_from(model, *, token, by):
    """The record `by` already made from the rendered form with this token, or None.

    For the few forms whose own checks refuse a repeat before the service is reached (a
    school that now has its partnership is no longer a choice; a one-time code is spent):
    the view asks first, and a repeated post lands on the first record.
    """
    try:
        token = uuid.UUID(str(token))
    except ValueError:
        return None
    if by is None or by.pk is None:
        return None
    row = Submission.objects.filter(
        token=token, user=by, made=model._meta.label_lower, object_id__isnull=False
    ).first()
    if row is None:
        return None
    return model._default_manager.filter(pk=row.object_id).first()


def _claim(*, token, by, made) -> Submission | None:
    """Claim the token, or None if a post of the same form claimed it first (and committed)."""
    try:
        with transaction.atomic():
            return Submission.objects.create(token=token, user=by, made=made)
    except IntegrityError:
        return None


def _earlier(*, token, by, made, model):
    row = Submission.objects.get(token=token, user=by, made=made)
    if row.object_id is None:
        return None
    return model._default_manager.filter(pk=row.object_id).first()


def submissions_sweep(*, older_than: timedelta = KEPT_FOR) -> int:
    """Forget tokens older than `older_than`; a post of such a form then creates afresh."""
    deleted, _ = Submission.objects.filter(created_at__lt=timezone.now() - older_than).delete()
    return deleted

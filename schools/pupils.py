"""One pupil added or corrected by a lead of their school (the roll import is intake/roll.py)."""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from ssp.scope import fresh_scope
from ssp.submissions import once_per_form

from .access import can_manage_pupils
from .models import Pupil, School

FIELDS = (
    "first_name",
    "last_name",
    "preferred_forename",
    "preferred_surname",
    "date_of_birth",
    "year_group",
    "upn",
    "former_upn",
)
UPN_TAKEN = (
    "Another pupil on the roll (at this school or another) already has this UPN. Check it "
    "against the pupil's record in your MIS."
)


def _check(*, school: School, values: dict, pupil: Pupil | None) -> None:
    current = Pupil.objects.filter(left_on__isnull=True)
    if pupil is not None:
        current = current.exclude(pk=pupil.pk)
    upn = values.get("upn")
    if upn and values.get("left_on") is None and current.filter(upn=upn).exists():
        raise ValidationError({"upn": UPN_TAKEN})
    twin = current.filter(
        school=school,
        first_name__iexact=values["first_name"],
        last_name__iexact=values["last_name"],
        date_of_birth=values["date_of_birth"],
    )
    if values.get("left_on") is None and twin.exists():
        raise ValidationError(
            "A pupil with this legal name and date of birth is already on the roll."
        )


def _save(pupil: Pupil, by, fields) -> Pupil:
    pupil._history_user = by
    try:
        with transaction.atomic():
            pupil.save(update_fields=fields)
    except IntegrityError:
        # Another person gave the same UPN to a pupil in the same moment.
        raise ValidationError({"upn": UPN_TAKEN}) from None
    return pupil


@once_per_form(Pupil)
@transaction.atomic
def pupil_add(*, school: School, by, **values) -> Pupil:
    """Add one pupil to a school's roll. The UPN must be free among current pupils."""
    School.objects.select_for_update().only("pk").get(pk=school.pk)
    fresh_scope(by)
    if not can_manage_pupils(by, school):
        raise PermissionDenied
    _check(school=school, values=values, pupil=None)
    pupil = Pupil(school=school, **{f: values.get(f, "") for f in FIELDS})
    pupil._history_user = by
    try:
        with transaction.atomic():
            pupil.save()
    except IntegrityError:
        raise ValidationError({"upn": UPN_TAKEN}) from None
    return pupil


@transaction.atomic
def pupil_correct(*, pupil: Pupil, by, left_on: datetime.date | None = None, **values) -> Pupil:
    """Correct a pupil's details (a history row keeps what they were), or record them as left
    or back on the roll."""
    pupil = Pupil.objects.select_for_update().get(pk=pupil.pk)
    fresh_scope(by)
    if not can_manage_pupils(by, pupil.school):
        raise PermissionDenied  # a lead who left since the form was shown corrects nothing
    values["left_on"] = left_on
    _check(school=pupil.school, values=values, pupil=pupil)
    changed = []
    for name in (*FIELDS, "left_on"):
        new = values.get(name, "")
        if getattr(pupil, name) != new:
            setattr(pupil, name, new)
            changed.append(name)
    if not changed:
        return pupil
    return _save(pupil, by, changed)

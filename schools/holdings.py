"""What this app holds about pupils (see ssp/held.py).

The pupil's own record (names, date of birth, UPN) is the school's, reviewed from the date
of birth like its child-protection records. It is disposed of only when nothing else about
the pupil remains (every other kind lists "pupil" in `after`), or with the last of it.

A roll import waiting to be checked names pupils in its preview: such an import mentions
a pupil, and is abandoned (file, preview and answers gone, the counts kept) when the pupil
is disposed of. An applied or abandoned import keeps counts only.
"""

from django.db.models import Q, TextField
from django.db.models.functions import Cast

from ssp.held import Controller, Holding, Mention

from .intake.rows import intake_abandon
from .models import Intake, Pupil


def held_about(pupils):
    return [
        Holding(
            kind="pupil",
            label="Pupil records",
            controller=Controller.SCHOOL,
            rows=Pupil.objects.filter(pk__in=pupils.values("pk")),
            pupil_path="",
            dated_by="date_of_birth",
        ),
    ]


PENDING = (Intake.Status.UPLOADED, Intake.Status.PREVIEWING, Intake.Status.PREVIEWED)


def mentions(codes):
    codes = [str(code) for code in codes]
    if not codes:
        return []
    # One pass over the pending imports whatever the number of codes (UUIDs: no escaping).
    either = "|".join(codes)
    named = Q(preview_text__regex=either) | Q(decisions_text__regex=either)
    rows = (
        Intake.objects.filter(status__in=PENDING)
        .annotate(
            preview_text=Cast("preview", TextField()),
            decisions_text=Cast("decisions", TextField()),
        )
        .filter(named)
    )
    return [Mention(label="Roll imports waiting to be checked", rows=rows, forget=_abandon)]


def _abandon(rows) -> int:
    count = 0
    for intake in Intake.objects.select_for_update().filter(pk__in=[r.pk for r in rows]):
        intake_abandon(intake, by=None, summary=dict(intake.preview.get("counts", {})))
        count += 1
    return count

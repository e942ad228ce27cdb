"""What this app holds about pupils (see ssp/held.py): the contract's first answer.

Concerns are the school's records (it logged them; the SSPO reads what was shared). Their
events, correction notes, attachments, shares and links to pupils go with them.
"""

from ssp.held import Controller, Holding

from .models import Concern


def held_about(pupils):
    return [
        Holding(
            kind="concern",
            label="Safeguarding concerns and early intervention identifications",
            controller=Controller.SCHOOL,
            rows=Concern.objects.filter(involved__pupil__in=pupils).distinct(),
            pupil_path="involved__pupil",
            dated_by="recorded_at",
        ),
    ]

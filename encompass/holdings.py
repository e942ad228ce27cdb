"""What this app holds about pupils (see ssp/held.py).

An Operation Encompass notification is the police's disclosure, but once received it is the
school's: the key adult acts on it and it joins the child's safeguarding file, so the school
controls the copy the portal keeps and reviews it with its other child-protection records
(from the date of birth). The force keeps its own record of the incident in its own systems,
not here. A notification not yet matched to a pupil is about no pupil of the portal: it is
reviewed all the same, from the child's date of birth it carries (`about_no_pupil`, `born`).
"""

from ssp.held import Controller, Holding

from .models import Notification


def held_about(pupils):
    return [
        Holding(
            kind="encompass_notification",
            label="Operation Encompass notifications",
            controller=Controller.SCHOOL,
            rows=Notification.objects.filter(pupil__in=pupils),
            pupil_path="pupil",
            dated_by="received_at",
            after=("pupil",),
            about_no_pupil=Notification.objects.filter(pupil__isnull=True),
            born="child_date_of_birth",
        ),
    ]

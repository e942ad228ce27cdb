"""What this app holds about pupils (see ssp/held.py).

Referrals and case conferences are the force's records (the SSPO makes a referral; the
conference is recorded by the police side, its school reading the minutes). Neither records
an offence, so both are MoPI group 3. A referral's events go with it; a conference's
actions and its links to pupils (and their history) go with it. A referral made from a
concern keeps itself when the concern goes: it loses the pointer and says so.
"""

from django.db.models import IntegerField, Value

from ssp.held import Controller, Holding

from .models import Conference, Referral


def held_about(pupils):
    return [
        Holding(
            kind="referral",
            label="Referrals to intervention and diversion schemes",
            controller=Controller.POLICE,
            rows=Referral.objects.filter(pupil__in=pupils),
            pupil_path="pupil",
            dated_by="made_at",
            group=Value(3, output_field=IntegerField()),
            after=("pupil",),
            owned_by="made_by__officer__team",
        ),
        Holding(
            kind="conference",
            label="Multi-agency case conferences",
            controller=Controller.POLICE,
            rows=Conference.objects.filter(pupils__in=pupils).distinct(),
            pupil_path="pupils",
            dated_by="recorded_at",
            group=Value(3, output_field=IntegerField()),
            after=("pupil",),
            owned_by="recorded_by__officer__team",
        ),
    ]

"""What this app holds about pupils (see ssp/held.py).

- Concerns are the school's records (it logged them; the SSPO reads what was shared). Their
  events, correction notes, attachments (and their files), shares and links to pupils go
  with them.
- Incidents are the force's records, reviewed under MoPI by group: sexual and violent
  categories are group 2, the rest group 3 (group 1, certain public protection matters, is
  decided by the force's offender management, not by anything the portal records). Their
  events, links to pupils and the summaries the SSPO sent back to the school go with them.
  An incident made from a concern keeps itself when the concern goes: it loses the pointer
  and says its source was disposed of.
- Enquiries are the school's: its one channel with the SSPO, opened about one of its
  pupils or one of its concerns. Their messages go with them. An enquiry about a concern
  keeps itself when the concern goes, as an incident does.
"""

from django.db.models import Case, IntegerField, Q, Value, When

from ssp.held import Controller, Holding

from .models import Category, Concern, Enquiry, Incident

# MoPI group 2: sexual, violent or serious offences (the force's guidance's categories).
MOPI_GROUP_2 = frozenset(
    {
        Category.SEXUAL_ASSAULT,
        Category.SEXUAL_GROOMING,
        Category.INDECENT_IMAGES,
        Category.EXTREME_PORNOGRAPHY,
        Category.EXTREME_VIOLENCE_IMAGES,
        Category.SERIOUS_INJURY,
        Category.WEAPONS,
        Category.BLADES,
    }
)


def mopi_group():
    """An incident's MoPI group from its category: 2 for sexual and violent, else 3."""
    return Case(
        When(category__in=sorted(MOPI_GROUP_2), then=Value(2)),
        default=Value(3),
        output_field=IntegerField(),
    )


def held_about(pupils):
    return [
        Holding(
            kind="concern",
            label="Safeguarding concerns and early intervention identifications",
            controller=Controller.SCHOOL,
            rows=Concern.objects.filter(involved__pupil__in=pupils).distinct(),
            pupil_path="involved__pupil",
            dated_by="recorded_at",
            after=("pupil",),
        ),
        Holding(
            kind="incident",
            label="Recordable incidents",
            controller=Controller.POLICE,
            rows=Incident.objects.filter(involved__pupil__in=pupils).distinct(),
            pupil_path="involved__pupil",
            dated_by="recorded_at",
            group=mopi_group(),
            after=("pupil",),
            owned_by="recorded_by__officer__team",
        ),
        Holding(
            kind="enquiry",
            label="Enquiries between the school and its SSPO",
            controller=Controller.SCHOOL,
            rows=Enquiry.objects.filter(
                Q(pupil__in=pupils)
                | Q(concern__in=Concern.objects.filter(involved__pupil__in=pupils))
            ),
            pupil_path=("pupil", "concern__involved__pupil"),
            dated_by="opened_at",
            # One about a concern reaches its pupils through the concern: it goes first.
            after=("concern", "pupil"),
        ),
    ]

import uuid

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from agreements.models import Document, Partnership
from agreements.services import in_force_school_ids
from schools.models import Pupil, School
from ssp.history import HistoricalRecords
from ssp.roles import CASE_OFFICERS, SCHOOL_LEADS, SCHOOL_ROLES, Role
from ssp.scope import scope_of


class Category(models.TextChoices):
    # The nine the force's guidance says the police should be involved in and must record.
    SERIOUS_INJURY = "serious_injury", "Serious visible injuries"
    SEXUAL_ASSAULT = "sexual_assault", "Sexual assault"
    SEXUAL_GROOMING = "sexual_grooming", "Sexual grooming"
    INDECENT_IMAGES = "indecent_images", "Possession or sending of indecent images"
    EXTREME_PORNOGRAPHY = "extreme_pornography", "Extreme pornographic images"
    EXTREME_VIOLENCE_IMAGES = "extreme_violence_images", "Images of extreme violence"
    DRUGS = "drugs", "Possession of drugs"
    BLADES = "blades", "Possession of blades (any type)"
    WEAPONS = "weapons", "Possession of any weapon"
    # Concerns the school handles, sharing when it judges it right.
    WELFARE = "welfare", "General welfare"
    BULLYING = "bullying", "Bullying"
    ASB = "asb", "Anti-social behaviour"
    TRUANCY = "truancy", "Truancy"
    ONLINE_SAFETY = "online_safety", "Online safety"
    OTHER = "other", "Other"


POLICE_RELEVANT = frozenset(list(Category)[:9])
# National guidance: never copy, store or share such imagery. These refuse any upload.
IMAGE_CATEGORIES = frozenset(
    {Category.INDECENT_IMAGES, Category.EXTREME_PORNOGRAPHY, Category.EXTREME_VIOLENCE_IMAGES}
)


class PoliceOutcome(models.TextChoices):
    """What the SSPO did with a shared concern."""

    INCIDENT = "incident", "Recordable incident created"
    REFERRAL = "referral", "Referral made"
    ADVICE = "advice", "Advice given to the school"
    NO_ACTION = "no_action", "No police action"


class ConcernQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Need to know: the one place that decides which concerns a person may see."""
        role = getattr(user, "role", None)
        if role in SCHOOL_ROLES:
            leads = School.objects.held_as(user, *SCHOOL_LEADS)
            return self.filter(Q(reported_by=user) | Q(school__in=leads))
        if role in CASE_OFFICERS:
            # Shared concerns of their schools whose DSA is in force this request; for an SSPO,
            # those shared with them. Exists rather than a join: no DISTINCT, so PostgreSQL
            # can test one concern at a time (from a pupil's links, say) instead of building
            # the whole visible set; one Exists, as shared with them is shared.
            shares = Share.objects.filter(concern=OuterRef("pk"))
            if role == Role.SSPO:
                shares = shares.filter(shared_with=user)
            return self.filter(
                Exists(shares),
                status__in=(Concern.Status.SHARED, Concern.Status.EARLY_INTERVENTION),
                school_id__in=in_force_school_ids(user),
            )
        return self.none()

    def in_schools_led_by(self, user):
        """The school leads' view: every concern at the schools they lead, nothing more.

        The same rows as visible_to(user) narrowed to those schools, but with the school ids
        as constants and no OR: PostgreSQL then walks the (school, risk, date) index and
        stops after one page instead of reading the school's every concern.
        """
        if getattr(user, "role", None) not in SCHOOL_LEADS:
            return self.none()
        return self.filter(school_id__in=sorted(scope_of(user).led_school_ids))

    def awaiting_triage(self):
        return self.filter(status=Concern.Status.NEW)


class Concern(models.Model):
    """A safeguarding or safety concern logged by school staff. Never silently edited."""

    class Kind(models.TextChoices):
        CONCERN = "concern", "Safeguarding concern"
        EARLY_INTERVENTION = "early_intervention", "Early intervention identification"

    class Location(models.TextChoices):
        IN_SCHOOL = "in_school", "In school"
        TO_SCHOOL = "to_school", "Travelling to school"
        FROM_SCHOOL = "from_school", "Travelling from school"
        ELSEWHERE = "elsewhere", "Elsewhere"

    class Status(models.TextChoices):
        NEW = "new", "Awaiting triage"
        IN_SCHOOL = "in_school", "Handled within school"
        SHARED = "shared", "Shared with the SSPO"
        EARLY_INTERVENTION = "early_intervention", "Referred for early intervention"
        NO_FURTHER_ACTION = "nfa", "No further action"

    # The allowed moves. A decision can be escalated later; a share cannot be undone.
    MOVES = {
        Status.NEW: {
            Status.IN_SCHOOL,
            Status.SHARED,
            Status.EARLY_INTERVENTION,
            Status.NO_FURTHER_ACTION,
        },
        Status.IN_SCHOOL: {Status.SHARED, Status.EARLY_INTERVENTION, Status.NO_FURTHER_ACTION},
        Status.EARLY_INTERVENTION: {Status.SHARED},
        Status.NO_FURTHER_ACTION: {Status.SHARED, Status.IN_SCHOOL},
        Status.SHARED: set(),
    }

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    reference = models.CharField(max_length=20, unique=True, editable=False)
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="concerns")
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.CONCERN)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="concerns_reported"
    )
    category = models.CharField(max_length=30, choices=Category.choices)
    narrative = models.TextField("what happened")
    happened_at = models.DateTimeField("when it happened")
    recorded_at = models.DateTimeField(default=timezone.now, editable=False)
    location = models.CharField(max_length=20, choices=Location.choices)
    immediate_risk = models.BooleanField("a child is at immediate risk", default=False)
    # For the image categories, instead of any file:
    image_description = models.TextField(blank=True)
    device_location = models.CharField("where the device is now", max_length=300, blank=True)
    who_has_been_told = models.CharField(max_length=300, blank=True)

    status = models.CharField(max_length=20, choices=Status.choices, default=Status.NEW)
    version = models.PositiveIntegerField(default=1)
    triaged_at = models.DateTimeField(null=True, blank=True)
    triaged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    triage_reminder_sent_at = models.DateTimeField(null=True, blank=True, editable=False)
    # When the concern was shared with the police: its Share's moment (a concern is shared
    # once), set by the service that makes the share, in the same transaction. The Share is
    # the record of the disclosure and what access is decided by; this lets the overview
    # count the concerns with the police from the concern's own index, without looking for
    # each one's share.
    shared_at = models.DateTimeField(null=True, blank=True, editable=False)
    # The police side, once shared. The school's triage status above stays as it is.
    acknowledged_at = models.DateTimeField(null=True, blank=True, editable=False)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    police_outcome = models.CharField(
        max_length=20, choices=PoliceOutcome.choices, blank=True, editable=False
    )
    police_outcome_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = ConcernQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        indexes = [
            # The lists' sorts (ssp/keyset.py): each ends with the id, so a page starts at its
            # cursor in the index, however deep it is.
            models.Index(
                fields=["school", "status", "-immediate_risk", "-recorded_at", "-id"],
                name="concern_school_status_risk",
            ),
            models.Index(
                fields=["school", "-immediate_risk", "-recorded_at", "-id"],
                name="concern_school_risk",
            ),
            models.Index(
                fields=["school", "status", "-recorded_at", "-id"],
                name="concern_school_status_logged",
            ),
            models.Index(
                fields=["reported_by", "-recorded_at", "-id"], name="concern_reporter_logged"
            ),
            # The police's list of shared concerns (visible_to), in its sorts: by school for
            # an SSPO's few schools, and without the school for a sergeant's team, whose
            # schools hold most of them (ssp/keyset.py, by_school).
            models.Index(
                fields=["school", "-immediate_risk", "-recorded_at", "-id"],
                condition=Q(status__in=["shared", "early_intervention"]),
                name="concern_police_risk",
            ),
            models.Index(
                fields=["school", "-recorded_at", "-id"],
                condition=Q(status__in=["shared", "early_intervention"]),
                name="concern_police_logged",
            ),
            models.Index(
                fields=["-immediate_risk", "-recorded_at", "-id"],
                condition=Q(status__in=["shared", "early_intervention"]),
                name="concern_team_risk",
            ),
            models.Index(
                fields=["-recorded_at", "-id"],
                condition=Q(status__in=["shared", "early_intervention"]),
                name="concern_team_logged",
            ),
            # The SSPO's caseload: shared concerns still waiting for the police, by school.
            # Its counts stop at a hundred (reports/caseload.py): with the id in the index
            # they are index-only scans that stop there, where without it PostgreSQL read
            # the whole of the schools' part of the index into a bitmap first (3,800
            # entries at a million concerns in the busier model: 1.1 ms against 0.2).
            models.Index(
                fields=["school", "triaged_at"],
                include=["id"],
                condition=Q(status__in=["shared", "early_intervention"], police_outcome=""),
                name="concern_police_open",
            ),
            # ... those not yet acknowledged, by school and triage time: the overdue count
            # reads the late ones of the person's schools and stops at a hundred, rather
            # than AND every open concern with every unacknowledged one (reports/caseload.py).
            models.Index(
                fields=["school", "triaged_at"],
                include=["id"],
                condition=Q(
                    status__in=["shared", "early_intervention"],
                    police_outcome="",
                    acknowledged_at__isnull=True,
                ),
                name="concern_police_unacknowledged",
            ),
            # ... and its first few in its order, across the force's open concerns: a walk
            # that stops after a page, however many are open (reports/caseload.py). The
            # planner takes it once it knows how few concerns are open (the statistics in
            # migration 0016).
            models.Index(
                fields=["acknowledged_at", "-immediate_risk", "triaged_at", "school"],
                condition=Q(status__in=["shared", "early_intervention"], police_outcome=""),
                name="concern_caseload_order",
            ),
            # The overview's charts: a school's concerns logged since a date, counted by
            # month and category and timed to triage, from the index alone.
            models.Index(
                fields=["school", "recorded_at"],
                include=["category", "triaged_at"],
                name="concern_overview",
            ),
            # The overview's open caseload: the concerns shared with the police and still
            # waiting for them, with what the count and its overdue rule read, so neither
            # needs the table's rows.
            models.Index(
                fields=["school"],
                include=["id", "triaged_at", "acknowledged_at"],
                condition=Q(
                    status__in=["shared", "early_intervention"],
                    police_outcome="",
                    shared_at__isnull=False,
                ),
                name="concern_overview_open",
            ),
        ]

    def __str__(self):
        return self.reference

    @property
    def is_police_relevant(self) -> bool:
        return self.category in POLICE_RELEVANT

    @property
    def is_image_category(self) -> bool:
        return self.category in IMAGE_CATEGORIES

    def can_move_to(self, status) -> bool:
        return status in self.MOVES[self.Status(self.status)]

    @property
    def awaiting_acknowledgement(self) -> bool:
        return self.status == self.Status.SHARED and self.acknowledged_at is None

    @property
    def awaiting_police_outcome(self) -> bool:
        return self.acknowledged_at is not None and not self.police_outcome


class ConcernPupil(models.Model):
    class Role(models.TextChoices):
        VICTIM = "victim", "Alleged victim"
        PERPETRATOR = "perpetrator", "Alleged perpetrator"
        WITNESS = "witness", "Witness"
        OTHER = "other", "Other"

    concern = models.ForeignKey(Concern, on_delete=models.PROTECT, related_name="involved")
    pupil = models.ForeignKey(Pupil, on_delete=models.PROTECT, related_name="concern_links")
    role = models.CharField(max_length=20, choices=Role.choices)
    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["concern", "pupil"], name="pupil_once_per_concern")
        ]

    def __str__(self):
        return f"{self.get_role_display()} in concern {self.concern_id}"


class ConcernEvent(models.Model):
    """One step in a concern's life: who, when, from which status to which, and why."""

    class Kind(models.TextChoices):
        LOGGED = "logged", "Logged"
        TRIAGED = "triaged", "Triage decision"
        SHARED = "shared", "Shared with the SSPO"
        NOTE = "note", "Correction note added"
        ACKNOWLEDGED = "acknowledged", "Acknowledged by the SSPO"
        POLICE_OUTCOME = "police_outcome", "Police outcome recorded"

    concern = models.ForeignKey(Concern, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20, blank=True)
    rationale = models.TextField(blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self):
        return f"{self.get_kind_display()} at {self.at:%Y-%m-%d %H:%M}"

    @property
    def from_label(self) -> str:
        return Concern.Status(self.from_status).label if self.from_status else ""

    @property
    def to_label(self) -> str:
        return Concern.Status(self.to_status).label if self.to_status else ""


class CorrectionNote(models.Model):
    """Entries are never edited: a correction is added beside the original."""

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    concern = models.ForeignKey(Concern, on_delete=models.PROTECT, related_name="notes")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)
    text = models.TextField()
    history = HistoricalRecords()

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self):
        return f"Note {self.code}"


def attachment_path(instance, filename):
    # The server names every stored file; the uploader's name is kept only as text.
    return f"attachments/{instance.concern.school_id}/{uuid.uuid4().hex}"


class Attachment(models.Model):
    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    concern = models.ForeignKey(Concern, on_delete=models.PROTECT, related_name="attachments")
    file = models.FileField(upload_to=attachment_path)
    original_name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(default=timezone.now)
    history = HistoricalRecords()

    def __str__(self):
        return self.original_name


class Share(models.Model):
    """A disclosure from school to police: what, by whom, to whom, when, under what."""

    LAWFUL_BASIS = (
        "UK GDPR Art. 6(1)(e) public task and Art. 9(2)(g) substantial public interest "
        "(DPA 2018 Sch. 1 para 18, safeguarding of children)"
    )

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    concern = models.ForeignKey(Concern, on_delete=models.PROTECT, related_name="shares")
    shared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    shared_with = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="concerns_shared_with_me"
    )
    at = models.DateTimeField(default=timezone.now)
    partnership = models.ForeignKey(Partnership, on_delete=models.PROTECT, related_name="+")
    agreement = models.CharField(
        max_length=100, help_text="The data sharing agreement in force when shared."
    )
    document = models.ForeignKey(
        Document,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        help_text="The DSA version in force when shared.",
    )
    lawful_basis = models.CharField(max_length=300, default=LAWFUL_BASIS)
    history = HistoricalRecords()

    class Meta:
        indexes = [
            # Whether a concern was shared with a person (an SSPO's test in
            # ConcernQuerySet.visible_to, once per concern), from the index alone. The
            # concern's own index stays: whether it was shared at all (the sergeant's test,
            # the overview's counts) is probed on the smaller index, where PostgreSQL would
            # otherwise hash every share.
            models.Index(fields=["concern", "shared_with"], name="share_concern_with"),
        ]

    def __str__(self):
        return f"Share {self.code}"


# ---------------------------------------------------------------------------------------
# Recordable incidents: police records, for the SSPO's schools. Schools see only summaries.

police_reference_validator = RegexValidator(
    r"^[A-Za-z0-9][A-Za-z0-9/-]{0,29}\Z",
    "Enter the police reference as letters, digits, slashes and hyphens (at most 30)",
)
WEAPON_CATEGORIES = frozenset({Category.WEAPONS, Category.BLADES})


class IncidentQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Police records: the SSPO's current schools, the sergeant's team. Nobody else."""
        role = getattr(user, "role", None)
        if role in CASE_OFFICERS:
            return self.filter(school_id__in=School.objects.visible_ids(user))
        return self.none()


class Incident(models.Model):
    """A recordable incident in school or on the way to or from it, recorded by the SSPO."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        CLOSED = "closed", "Closed"

    MOVES = {Status.OPEN: {Status.CLOSED}, Status.CLOSED: set()}

    class Location(models.TextChoices):
        IN_SCHOOL = "in_school", "In school"
        TO_SCHOOL = "to_school", "Travelling to school"
        FROM_SCHOOL = "from_school", "Travelling from school"

    class DeviceStatus(models.TextChoices):
        SEIZED = "seized", "Seized by police"
        SECURED = "secured", "Secured by the school, awaiting police"
        RETURNED = "returned", "Returned to its owner"
        NOT_RECOVERED = "not_recovered", "Not recovered"

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    reference = models.CharField(max_length=20, unique=True, editable=False)
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="incidents")
    concern = models.ForeignKey(
        Concern, on_delete=models.PROTECT, null=True, blank=True, related_name="incidents"
    )
    # The concern it was made from was disposed of (records/disposal.py): the pointer is gone.
    concern_disposed = models.BooleanField(default=False, editable=False)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="incidents_recorded"
    )
    category = models.CharField(max_length=30, choices=Category.choices)
    narrative = models.TextField("what happened")
    location = models.CharField(max_length=20, choices=Location.choices)
    place = models.CharField("where exactly", max_length=300, blank=True)
    happened_at = models.DateTimeField("when it happened")
    recorded_at = models.DateTimeField(default=timezone.now, editable=False)
    # Weapons and blades
    item_kind = models.CharField("kind of item", max_length=200, blank=True)
    item_seized = models.BooleanField("item seized", null=True, blank=True)
    item_handed_to = models.CharField("handed over to", max_length=200, blank=True)
    # Drugs
    drugs_description = models.CharField("what was found", max_length=300, blank=True)
    drugs_quantity = models.CharField("how much", max_length=100, blank=True)
    # Injuries
    injury_nature = models.TextField("nature of the injuries", blank=True)
    # Image categories: the device and a reference, never any imagery.
    device_status = models.CharField(max_length=20, choices=DeviceStatus.choices, blank=True)
    device_reference = models.CharField(max_length=100, blank=True)

    police_reference = models.CharField(
        max_length=30, blank=True, validators=[police_reference_validator]
    )
    outcome = models.TextField(blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    version = models.PositiveIntegerField(default=1)

    objects = IncidentQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        indexes = [
            models.Index(fields=["school", "status", "-recorded_at"]),
            # The list's sorts (open first, newest, oldest), each ending with the id.
            models.Index(
                fields=["school", "-status", "-recorded_at", "-id"], name="incident_school_open"
            ),
            models.Index(fields=["school", "-recorded_at", "-id"], name="incident_school_logged"),
            # The same sorts without the school, for a sergeant's team (ssp/keyset.py).
            models.Index(fields=["-status", "-recorded_at", "-id"], name="incident_team_open"),
            models.Index(fields=["-recorded_at", "-id"], name="incident_team_logged"),
        ]

    def __str__(self):
        return self.reference

    def can_move_to(self, status) -> bool:
        return status in self.MOVES[self.Status(self.status)]

    @property
    def is_weapon_category(self) -> bool:
        return self.category in WEAPON_CATEGORIES

    @property
    def is_drugs_category(self) -> bool:
        return self.category == Category.DRUGS

    @property
    def is_injury_category(self) -> bool:
        return self.category == Category.SERIOUS_INJURY

    @property
    def is_image_category(self) -> bool:
        return self.category in IMAGE_CATEGORIES


class IncidentPupil(models.Model):
    class Role(models.TextChoices):
        VICTIM = "victim", "Victim"
        SUSPECT = "suspect", "Suspect"
        WITNESS = "witness", "Witness"
        OTHER = "other", "Other"

    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="involved")
    pupil = models.ForeignKey(Pupil, on_delete=models.PROTECT, related_name="incident_links")
    role = models.CharField(max_length=20, choices=Role.choices)
    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["incident", "pupil"], name="pupil_once_per_incident")
        ]

    def __str__(self):
        return f"{self.get_role_display()} in incident {self.incident_id}"


class IncidentEvent(models.Model):
    class Kind(models.TextChoices):
        RECORDED = "recorded", "Recorded"
        UPDATED = "updated", "Reference or outcome recorded"
        CLOSED = "closed", "Closed"
        SUMMARY_SENT = "summary_sent", "Summary sent to the school"

    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    rationale = models.TextField(blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self):
        return f"{self.get_kind_display()} at {self.at:%Y-%m-%d %H:%M}"


class IncidentSummaryQuerySet(models.QuerySet):
    def visible_to(self, user):
        """What police sent back: the school's leads see their school's; police as incidents."""
        role = getattr(user, "role", None)
        if role in SCHOOL_LEADS:
            return self.filter(school_id__in=School.objects.held_ids(user, *SCHOOL_LEADS))
        if role in CASE_OFFICERS:
            return self.filter(incident__in=Incident.objects.visible_to(user))
        return self.none()


class IncidentSummary(models.Model):
    """The part of a police record the SSPO chose to send back to the school: a disclosure."""

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="summaries")
    # The incident's school, kept on the summary so the school's list is a walk of its own
    # index (summary_school_latest) rather than a sort of every summary of its incidents.
    school = models.ForeignKey(
        School, on_delete=models.PROTECT, related_name="incident_summaries", editable=False
    )
    text = models.TextField()
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    sent_at = models.DateTimeField(default=timezone.now)

    objects = IncidentSummaryQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["-sent_at", "-pk"]
        indexes = [
            # The school's list, newest first (ssp/keyset.py, by_school).
            models.Index(fields=["school", "-sent_at", "-id"], name="summary_school_latest"),
        ]

    def __str__(self):
        return f"Summary {self.code}"

    def save(self, *args, **kwargs):
        # Always the incident's: an incident never changes school.
        self.school_id = self.incident.school_id
        super().save(*args, **kwargs)


# ---------------------------------------------------------------------------------------
# Enquiries: the one channel between the SSPO and the school, always through the SPOC.


class EnquiryQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The SPOC, deputy and head of the school; its SSPO and their sergeant while the
        data sharing agreement is in force. Other staff never see an enquiry."""
        role = getattr(user, "role", None)
        if role in SCHOOL_LEADS:
            leads = School.objects.held_as(user, *SCHOOL_LEADS)
            return self.filter(school__in=leads)
        if role in CASE_OFFICERS:
            return self.filter(school_id__in=in_force_school_ids(user))
        return self.none()

    def waiting_for(self, side: str):
        return self.filter(status=Enquiry.Status.OPEN, awaiting=side)


class Side(models.TextChoices):
    SCHOOL = "school", "School"
    POLICE = "police", "Police"


class Enquiry(models.Model):
    class About(models.TextChoices):
        CONCERN = "concern", "A concern"
        PUPIL = "pupil", "A pupil"
        GENERAL = "general", "The partnership in general"

    class Status(models.TextChoices):
        OPEN = "open", "Waiting for an answer"
        ANSWERED = "answered", "Answered"
        CLOSED = "closed", "Closed"

    # A message from the awaited side answers; one from the other side asks again.
    MOVES = {
        Status.OPEN: {Status.OPEN, Status.ANSWERED, Status.CLOSED},
        Status.ANSWERED: {Status.OPEN, Status.ANSWERED, Status.CLOSED},
        Status.CLOSED: set(),
    }

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="enquiries")
    sspo = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="enquiries_as_sspo"
    )
    about = models.CharField(max_length=10, choices=About.choices)
    concern = models.ForeignKey(
        Concern, on_delete=models.PROTECT, null=True, blank=True, related_name="enquiries"
    )
    # The concern it was about was disposed of (records/disposal.py): the pointer is gone.
    concern_disposed = models.BooleanField(default=False, editable=False)
    pupil = models.ForeignKey(
        Pupil, on_delete=models.PROTECT, null=True, blank=True, related_name="enquiries"
    )
    subject = models.CharField(max_length=150)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    opened_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    awaiting = models.CharField(max_length=10, choices=Side.choices)
    last_message_at = models.DateTimeField(default=timezone.now)
    version = models.PositiveIntegerField(default=1)

    objects = EnquiryQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        indexes = [
            models.Index(fields=["school", "status", "-last_message_at"]),
            # The list's sorts, each ending with the id: by school for an SSPO's few schools,
            # without the school for a sergeant's team (ssp/keyset.py, by_school).
            models.Index(
                fields=["school", "-last_message_at", "-id"], name="enquiry_school_latest"
            ),
            models.Index(fields=["-last_message_at", "-id"], name="enquiry_team_latest"),
            # The SSPO's caseload: the open enquiries waiting for the police, by school and
            # the time of their last message, so the section reads only those of the
            # person's schools (reports/caseload.py) rather than walk every school's
            # enquiries by date. With what the section shows of them, so its rows come
            # from the index alone: without, PostgreSQL walked enquiry_team_latest from the
            # oldest, through the closed enquiries of every school (0.8 ms at a million
            # concerns in the busier model, against 0.1).
            models.Index(
                fields=["school", "last_message_at"],
                include=["code", "subject"],
                condition=Q(status="open", awaiting="police"),
                name="enquiry_police_waiting",
            ),
        ]

    def __str__(self):
        return f"Enquiry {self.code}"


class EnquiryMessage(models.Model):
    """Appended, never edited."""

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    enquiry = models.ForeignKey(Enquiry, on_delete=models.PROTECT, related_name="messages")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    side = models.CharField(max_length=10, choices=Side.choices)
    at = models.DateTimeField(default=timezone.now)
    text = models.TextField()
    history = HistoricalRecords()

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self):
        return f"Message {self.code}"

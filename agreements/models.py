import functools
import hashlib
import json
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Exists, OuterRef, Q, Subquery
from django.utils import timezone

from schools.models import Force, School
from ssp.history import HistoricalRecords
from ssp.scope import scope_of
from ssp.statements import prepare


class PartnershipQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The partnership register (no case data): school people their school's; SSPOs
        their schools'; a sergeant their team's and, to allocate them, the force's
        partnerships no officer holds yet; the administrator every one."""
        from schools.models import Assignment
        from ssp.roles import Role

        role = getattr(user, "role", None)
        if role == Role.ADMIN:
            return self.all()
        visible = Q(school_id__in=School.objects.visible_ids(user))
        if role == Role.SERGEANT:
            held = Assignment.objects.current(scope_of(user).today).values("school")
            visible |= Q(force_id=user.officer.team.force_id) & ~Q(school__in=held)
        elif role == Role.YET:
            return self.none()
        return self.filter(visible)

    def in_force(self, on=None):
        """Partnerships whose data sharing agreement is in force on a day (today, London).

        In force: the partnership is active; both the head (school side) and the sergeant
        (force side) have signed the force's current DSA version and neither signature is
        revoked; that version has not expired. One query, aggregated in the database.
        """
        on = on or timezone.localdate()
        current = Document.objects.current_of(OuterRef("force"), Document.Kind.DSA)
        signed = Signature.objects.filter(
            partnership=OuterRef("pk"), document=OuterRef("current_dsa"), revoked_at__isnull=True
        )
        return (
            self.filter(status=Partnership.Status.ACTIVE)
            .annotate(
                current_dsa=Subquery(current.values("pk")[:1]),
                current_dsa_expires_on=Subquery(current.values("expires_on")[:1]),
            )
            .filter(current_dsa_expires_on__gte=on)
            .filter(
                Exists(signed.filter(side=Signature.Side.SCHOOL)),
                Exists(signed.filter(side=Signature.Side.FORCE)),
            )
        )


class Partnership(models.Model):
    """The Safer Schools Partnership between one school and its force.

    Proposed, then active; suspended (and back to active) or ended, each change with its
    reason (PartnershipEvent). Sharing needs it active *and* its DSA in force.
    """

    class Status(models.TextChoices):
        PROPOSED = "proposed", "Proposed"
        ACTIVE = "active", "Active"
        SUSPENDED = "suspended", "Suspended"
        ENDED = "ended", "Ended"

    # The lifecycle: which moves are allowed from each status. Ended is final.
    MOVES = {
        Status.PROPOSED: (Status.ACTIVE, Status.ENDED),
        Status.ACTIVE: (Status.SUSPENDED, Status.ENDED),
        Status.SUSPENDED: (Status.ACTIVE, Status.ENDED),
        Status.ENDED: (),
    }

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    school = models.OneToOneField(School, on_delete=models.PROTECT, related_name="partnership")
    force = models.ForeignKey(Force, on_delete=models.PROTECT, related_name="partnerships")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PROPOSED)
    version = models.PositiveIntegerField(default=1, editable=False)

    objects = PartnershipQuerySet.as_manager()
    history = HistoricalRecords()

    def __str__(self):
        return f"Safer Schools Partnership: {self.school}"


class PartnershipEvent(models.Model):
    """One change of a partnership's status: who, when, from what to what, and why."""

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    partnership = models.ForeignKey(Partnership, on_delete=models.PROTECT, related_name="events")
    at = models.DateTimeField(default=timezone.now)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    from_status = models.CharField(max_length=10, choices=Partnership.Status.choices, blank=True)
    to_status = models.CharField(max_length=10, choices=Partnership.Status.choices)
    reason = models.TextField()
    history = HistoricalRecords()

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self):
        return f"{self.partnership}: {self.from_status or 'new'} → {self.to_status}"


class DocumentQuerySet(models.QuerySet):
    def published(self):
        return self.filter(published_at__isnull=False)

    def current_of(self, force, kind):
        """The current version: the force's latest published one of that kind."""
        return self.published().filter(force=force, kind=kind).order_by("-version")

    def visible_to(self, user):
        """Anyone with a place in a partnership of the force reads its published versions;
        the force's sergeants also its drafts. The YET has no partnership (ACCESS.md), and
        staff read only the plain summary of their school's SSP: for them a version's code
        is as unknown as a random one (404, never a 403 that says it exists)."""
        from ssp.roles import AGREEMENT_READERS, Role

        role = getattr(user, "role", None)
        if role not in AGREEMENT_READERS:
            return self.none()
        if role == Role.ADMIN:
            return self.all()
        if role == Role.SERGEANT:
            return self.filter(force_id=user.officer.team.force_id)
        if role == Role.SSPO:
            return self.filter(force_id=user.officer.team.force_id, published_at__isnull=False)
        forces = School.objects.visible_to(user).filter(partnership__isnull=False).values("force")
        return self.filter(force__in=forces, published_at__isnull=False)


class Document(models.Model):
    """One version of the force's SSP protocol or data sharing agreement.

    A draft may be edited; once published the version is immutable: its content hash is
    fixed and the database refuses any change to the row (migration 0003's trigger).
    """

    class Kind(models.TextChoices):
        PROTOCOL = "protocol", "Safer Schools Partnership protocol"
        DSA = "dsa", "Data sharing agreement"

    HASHED_FIELDS = (
        "kind",
        "version",
        "title",
        "purpose",
        "lawful_bases",
        "what_may_be_shared",
        "summary",
        "body",
        "review_on",
        "expires_on",
    )

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    force = models.ForeignKey(Force, on_delete=models.PROTECT, related_name="documents")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    version = models.PositiveIntegerField()
    title = models.CharField(max_length=200)
    purpose = models.TextField()
    lawful_bases = models.TextField("lawful bases")
    what_may_be_shared = models.TextField("what may be shared")
    summary = models.TextField(
        help_text="A plain-English summary every member of school staff confirms they have read."
    )
    body = models.TextField("full text")
    review_on = models.DateField("review date")
    expires_on = models.DateField(
        "expiry date", help_text="The last day the agreement is in force (London time)."
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    content_hash = models.CharField(max_length=64, blank=True, editable=False)

    objects = DocumentQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["force", "kind", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["force", "kind", "version"], name="one_document_version_per_force"
            ),
            models.CheckConstraint(
                condition=Q(published_at__isnull=True) | ~Q(content_hash=""),
                name="published_document_has_hash",
            ),
            models.CheckConstraint(
                condition=Q(review_on__lte=models.F("expires_on")),
                name="document_reviewed_before_it_expires",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} v{self.version}"

    def save(self, *args, **kwargs):
        if self.pk and type(self).objects.filter(pk=self.pk, published_at__isnull=False).exists():
            raise ValidationError("A published version cannot be changed; publish a new one.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if self.is_published:
            raise ValidationError("A published version cannot be deleted.")
        return super().delete(*args, **kwargs)

    @property
    def is_published(self) -> bool:
        return self.published_at is not None

    def compute_hash(self) -> str:
        """SHA-256 of the version's content, canonical JSON: what a signature is bound to."""
        content = {field: str(getattr(self, field)) for field in self.HASHED_FIELDS}
        canonical = json.dumps(content, sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(canonical.encode()).hexdigest()


class Signature(models.Model):
    """A side's signature of one published version for one partnership.

    Keeps who signed, when, in which capacity, and the hash of the text they signed. A
    revoked signature stays, marked; signing again makes a new row.
    """

    class Side(models.TextChoices):
        SCHOOL = "school", "School"
        FORCE = "force", "Force"

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    partnership = models.ForeignKey(
        Partnership, on_delete=models.PROTECT, related_name="signatures"
    )
    document = models.ForeignKey(Document, on_delete=models.PROTECT, related_name="signatures")
    side = models.CharField(max_length=10, choices=Side.choices)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    signed_as = models.CharField(max_length=120, help_text="The signer's capacity, as shown.")
    signed_at = models.DateTimeField(default=timezone.now)
    content_hash = models.CharField(max_length=64)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    revocation_reason = models.TextField(blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["signed_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["partnership", "document", "side"],
                condition=Q(revoked_at__isnull=True),
                name="one_live_signature_per_side",
            )
        ]
        indexes = [models.Index(fields=["partnership", "document", "side"])]

    def __str__(self):
        return f"{self.get_side_display()} signature of {self.document}"


class AgreementReminder(models.Model):
    """A reminder sent before a version's review or expiry date: sent once per stage."""

    class Due(models.TextChoices):
        REVIEW = "review", "Review"
        EXPIRY = "expiry", "Expiry"

    partnership = models.ForeignKey(Partnership, on_delete=models.PROTECT, related_name="+")
    document = models.ForeignKey(Document, on_delete=models.PROTECT, related_name="+")
    due = models.CharField(max_length=10, choices=Due.choices)
    days_before = models.PositiveSmallIntegerField()
    sent_at = models.DateTimeField(default=timezone.now)
    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["partnership", "document", "due", "days_before"],
                name="one_reminder_per_stage",
            )
        ]

    def __str__(self):
        return f"{self.get_due_display()} reminder, {self.days_before} days before"


class AwarenessConfirmation(models.Model):
    """A member of staff confirming they have read the SSP's summary (a protocol version)."""

    partnership = models.ForeignKey(
        Partnership, on_delete=models.PROTECT, related_name="awareness_confirmations"
    )
    document = models.ForeignKey(Document, on_delete=models.PROTECT, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    confirmed_at = models.DateTimeField(default=timezone.now)
    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["partnership", "document", "user"], name="one_confirmation_per_version"
            )
        ]

    def __str__(self):
        return f"Read the SSP summary ({self.document})"


class AwarenessReminder(models.Model):
    """The head reminding the staff who had not confirmed the current summary: at most one a
    day per partnership, so staff are not flooded."""

    partnership = models.ForeignKey(
        Partnership, on_delete=models.PROTECT, related_name="awareness_reminders"
    )
    document = models.ForeignKey(Document, on_delete=models.PROTECT, related_name="+")
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    sent_at = models.DateTimeField(default=timezone.now)
    reminded = models.PositiveIntegerField()
    history = HistoricalRecords()

    class Meta:
        ordering = ["-sent_at", "-pk"]
        indexes = [models.Index(fields=["partnership", "-sent_at"])]

    def __str__(self):
        return f"{self.reminded} reminded of the SSP summary ({self.document})"


# ---------------------------------------------------------------------------------------
# The action plan and the appraisal.


class ActionPlanItemQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The school's leads (SPOC, deputy, head), its SSPO and their sergeant. No one else:
        staff, the YET and the administrator see no action plan."""
        from ssp.roles import CASE_OFFICERS, SCHOOL_LEADS

        role = getattr(user, "role", None)
        if role in SCHOOL_LEADS:
            schools = School.objects.held_as(user, *SCHOOL_LEADS)
            return self.filter(partnership__school__in=schools)
        if role in CASE_OFFICERS:
            return self.filter(partnership__school_id__in=School.objects.visible_ids(user))
        return self.none()

    def outstanding(self):
        return self.filter(status__in=ActionPlanItem.OUTSTANDING)


class ActionPlanItem(models.Model):
    """A strategy the school and the SSPO agree to keep young people safe."""

    class Status(models.TextChoices):
        OPEN = "open", "Not started"
        IN_PROGRESS = "in_progress", "In progress"
        DONE = "done", "Done"
        DROPPED = "dropped", "Dropped"

    # Not done and not dropped: still to do, so overdue once its due date has passed.
    OUTSTANDING = (Status.OPEN, Status.IN_PROGRESS)

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    partnership = models.ForeignKey(
        Partnership, on_delete=models.PROTECT, related_name="action_plan"
    )
    problem = models.TextField()
    action = models.TextField()
    owner = models.CharField(max_length=200, help_text="Who does it: a name or a role.")
    due_on = models.DateField("due date")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.OPEN)
    agreed_at_review = models.ForeignKey(
        "Review", on_delete=models.PROTECT, null=True, blank=True, related_name="agreed_actions"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = ActionPlanItemQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["due_on", "pk"]
        indexes = [models.Index(fields=["partnership", "status", "due_on"])]

    def __str__(self):
        return self.action[:60]


class FeedbackRoundQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The school's people (to answer) and the sergeant of the team (to read); SSPOs
        never see the feedback about them."""
        from ssp.roles import SCHOOL_ROLES, Role

        role = getattr(user, "role", None)
        if role in SCHOOL_ROLES:
            return self.filter(partnership__school__in=School.objects.visible_to(user))
        if role == Role.SERGEANT:
            return self.filter(partnership__school_id__in=School.objects.visible_ids(user))
        return self.none()

    def open_on(self, day):
        return self.filter(opens_on__lte=day, closes_on__gte=day)


class FeedbackRound(models.Model):
    """A round of appraisal feedback for one partnership: each person answers once."""

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    partnership = models.ForeignKey(
        Partnership, on_delete=models.PROTECT, related_name="feedback_rounds"
    )
    title = models.CharField(max_length=120, help_text="For example: Autumn term 2026.")
    opens_on = models.DateField()
    closes_on = models.DateField()
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    objects = FeedbackRoundQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["-opens_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(closes_on__gte=models.F("opens_on")), name="round_closes_after_opening"
            )
        ]

    def __str__(self):
        return self.title


SCORE_CHOICES = [
    (1, "Very poor"),
    (2, "Poor"),
    (3, "Adequate"),
    (4, "Good"),
    (5, "Very good"),
]


class Feedback(models.Model):
    """One person's answers in a round: how safe pupils feel, the SSPO's availability and
    response, what to improve."""

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    round = models.ForeignKey(FeedbackRound, on_delete=models.PROTECT, related_name="responses")
    respondent = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    respondent_role = models.CharField(max_length=20)
    pupils_feel_safe = models.PositiveSmallIntegerField(
        "how safe pupils feel",
        choices=SCORE_CHOICES,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
    )
    sspo_availability = models.PositiveSmallIntegerField(
        "the SSPO's availability",
        choices=SCORE_CHOICES,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
    )
    sspo_response = models.PositiveSmallIntegerField(
        "the SSPO's response",
        choices=SCORE_CHOICES,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
    )
    to_improve = models.TextField("what to improve", blank=True)
    submitted_at = models.DateTimeField(default=timezone.now)
    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["round", "respondent"], name="one_answer_per_round")
        ]

    def __str__(self):
        return f"Feedback {self.code}"


class ReviewQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The head, SPOC and deputy of the school; its SSPO; the sergeant of the team."""
        from ssp.roles import CASE_OFFICERS, SCHOOL_LEADS

        role = getattr(user, "role", None)
        if role in SCHOOL_LEADS:
            leads = School.objects.held_as(user, *SCHOOL_LEADS)
            return self.filter(partnership__school__in=leads)
        if role in CASE_OFFICERS:
            return self.filter(partnership__school_id__in=School.objects.visible_ids(user))
        return self.none()


class Review(models.Model):
    """The sergeant's review of a partnership for one term.

    The figures are computed from the portal and kept as they were when the review was
    written (a JSON snapshot), so an earlier review reads the same years later.
    """

    class Term(models.TextChoices):
        AUTUMN = "autumn", "Autumn"
        SPRING = "spring", "Spring"
        SUMMER = "summer", "Summer"

    class Rating(models.TextChoices):
        RED = "red", "Red"
        AMBER = "amber", "Amber"
        GREEN = "green", "Green"

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    partnership = models.ForeignKey(Partnership, on_delete=models.PROTECT, related_name="reviews")
    academic_year = models.PositiveSmallIntegerField(
        help_text="The year the academic year starts: 2026 for 2026 to 2027."
    )
    term = models.CharField(max_length=10, choices=Term.choices)
    period_start = models.DateField()
    period_end = models.DateField()
    figures = models.JSONField(default=dict)
    feedback_round = models.ForeignKey(
        FeedbackRound, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    rating = models.CharField(max_length=5, choices=Rating.choices)
    comments = models.TextField()
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_at = models.DateTimeField(default=timezone.now)

    objects = ReviewQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["-period_start", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["partnership", "academic_year", "term"], name="one_review_per_term"
            )
        ]
        indexes = [models.Index(fields=["partnership", "-period_start"])]

    def __str__(self):
        return f"{self.get_term_display()} {self.academic_year} review"


class DisclosureQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The school's leads see their school's; SSPOs their schools'; sergeants their team's."""
        from ssp.roles import CASE_OFFICERS, SCHOOL_LEADS

        role = getattr(user, "role", None)
        if role in SCHOOL_LEADS:
            return self.filter(school__in=School.objects.held_as(user, *SCHOOL_LEADS))
        if role in CASE_OFFICERS:
            return self.filter(school_id__in=School.objects.visible_ids(user))
        return self.none()


class Gateway(models.TextChoices):
    """The legal gateway a disclosure is made through: the statute (or scheme) that lets one
    side give the other this information. Operation Encompass is the only one not under the
    partnership's data sharing agreement."""

    CRIME_AND_DISORDER_S115 = "cda1998_s115", "Crime and Disorder Act 1998 s115"
    CHILDREN_ACT_2004_S11 = "ca2004_s11", "Children Act 2004 s11"
    CHILDREN_ACT_2004_S10 = "ca2004_s10", "Children Act 2004 s10"
    CHILDREN_ACT_1989_S47 = "ca1989_s47", "Children Act 1989 s47"
    CHILDREN_ACT_1989_S17 = "ca1989_s17", "Children Act 1989 s17"
    EDUCATION_ACT_2002_S175 = "ea2002_s175", "Education Act 2002 s175"
    OPERATION_ENCOMPASS = "encompass", "Operation Encompass (police to school, not under the DSA)"


# How a DSA's free-text lawful bases name each gateway: a pattern that, found in the text
# (any case), says the agreement relies on it. Operation Encompass is never under the DSA.
GATEWAY_MENTIONS = {
    Gateway.CRIME_AND_DISORDER_S115: r"crime and disorder act|\bs\.?\s?115\b",
    Gateway.CHILDREN_ACT_2004_S11: r"children act 2004,? s\.?\s?11\b",
    Gateway.CHILDREN_ACT_2004_S10: r"children act 2004,? s\.?\s?10\b",
    Gateway.CHILDREN_ACT_1989_S47: r"\bs\.?\s?47\b",
    Gateway.CHILDREN_ACT_1989_S17: r"\bs\.?\s?17\b",
    Gateway.EDUCATION_ACT_2002_S175: r"\bs\.?\s?175\b",
}

# The gateways a share under the DSA may use: every one but Operation Encompass.
DSA_GATEWAYS = [
    (value, label) for value, label in Gateway.choices if value != Gateway.OPERATION_ENCOMPASS
]


class Disclosure(models.Model):
    """The information-sharing log: one row per disclosure between school and police.

    What (a kind and the record's code, never its content), from whom, to whom (by name and
    capacity at the time), when; the DSA version and clause it was made under, the legal
    gateway and the purpose; and when the recipient first opened it. Rows recorded before
    gateways, purposes and clauses were kept have only their fixed lawful-basis string and
    are marked so (`recorded_before_basis`).
    """

    class Direction(models.TextChoices):
        TO_POLICE = "to_police", "School to police"
        TO_SCHOOL = "to_school", "Police to school"

    class Kind(models.TextChoices):
        CONCERN_SHARED = "concern_shared", "Concern shared with the SSPO"
        ENQUIRY_ANSWER = "enquiry_answer", "School's message in an enquiry"
        ENQUIRY_MESSAGE = "enquiry_message", "Police message in an enquiry"
        INCIDENT_SUMMARY = "incident_summary", "Incident summary sent to the school"
        REFERRAL_UPDATE = "referral_update", "Referral update"
        CONFERENCE_MINUTES = "conference_minutes", "Case conference minutes read"
        ENCOMPASS = "encompass", "Operation Encompass notification"

    SAFEGUARDING_BASIS = (
        "UK GDPR Art. 6(1)(e) public task and Art. 9(2)(g) substantial public interest "
        "(DPA 2018 Sch. 1 para 18, safeguarding of children)"
    )

    # Each kind's usual gateway, purpose and the DSA clause it falls under: the defaults,
    # in one place. The SPOC sharing a concern sees them and may choose another gateway
    # and word the purpose; every other disclosure is made by a service with these.
    DEFAULTS = {
        Kind.CONCERN_SHARED: (
            Gateway.CHILDREN_ACT_2004_S11,
            "Safeguarding: a concern about a pupil shared with the school's SSPO",
            "What may be shared: concerns the SPOC decides to share",
        ),
        Kind.ENQUIRY_ANSWER: (
            Gateway.CRIME_AND_DISORDER_S115,
            "Answering the SSPO's enquiry",
            "What may be shared: answers to the SSPO's enquiries",
        ),
        Kind.ENQUIRY_MESSAGE: (
            Gateway.CRIME_AND_DISORDER_S115,
            "The SSPO's enquiry of the school",
            "What may be shared: answers to the SSPO's enquiries",
        ),
        Kind.INCIDENT_SUMMARY: (
            Gateway.CHILDREN_ACT_2004_S11,
            "Telling the school what it needs to keep its pupils safe after an incident",
            "What may be shared: summaries of police action",
        ),
        Kind.REFERRAL_UPDATE: (
            Gateway.CHILDREN_ACT_2004_S11,
            "Keeping the school informed of a pupil's referral",
            "What may be shared: summaries of police action",
        ),
        Kind.CONFERENCE_MINUTES: (
            Gateway.CHILDREN_ACT_2004_S11,
            "A multi-agency case conference's minutes, read by the other side",
            "What may be shared: case conference minutes and actions",
        ),
        Kind.ENCOMPASS: (
            Gateway.OPERATION_ENCOMPASS,
            "Silent support at school for a child exposed to domestic abuse",
            "",
        ),
    }

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    at = models.DateTimeField(default=timezone.now, db_index=True)
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="disclosures")
    partnership = models.ForeignKey(
        Partnership, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    direction = models.CharField(max_length=10, choices=Direction.choices)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    record_code = models.UUIDField(help_text="The record disclosed, by its public code.")
    disclosed_by = models.ForeignKey(
        "ssp.User", on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    disclosed_by_client = models.UUIDField(
        null=True, blank=True, help_text="The force's machine client that sent it, by its code."
    )
    disclosed_to = models.ForeignKey(
        "ssp.User", on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    recipient = models.CharField(
        max_length=200, blank=True, help_text="The recipient's name and capacity at the time."
    )
    agreement = models.CharField(max_length=120)
    document = models.ForeignKey(
        Document,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        help_text="The DSA version in force when the disclosure was made.",
    )
    clause = models.CharField(
        max_length=200, blank=True, help_text="The DSA's clause the disclosure falls under."
    )
    gateway = models.CharField(max_length=20, choices=Gateway.choices, blank=True)
    purpose = models.CharField(max_length=300, blank=True)
    lawful_basis = models.CharField(max_length=300, default=SAFEGUARDING_BASIS)
    acknowledged_at = models.DateTimeField(
        null=True, blank=True, help_text="When the recipient's side first opened it."
    )
    acknowledged_by = models.ForeignKey(
        "ssp.User", on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    recorded_before_basis = models.BooleanField(
        default=False,
        help_text="Recorded before gateways, purposes and clauses were kept: only the "
        "lawful-basis string.",
    )

    objects = DisclosureQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        indexes = [
            models.Index(fields=["school", "-at"]),
            # Opening a record acknowledges what was disclosed of it and not yet opened (a
            # code has a handful of rows); disposing of records finds their entries by code.
            models.Index(fields=["record_code"], name="disclosure_record"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(recorded_before_basis=True) | (~Q(gateway="") & ~Q(purpose="")),
                name="disclosure_has_gateway_and_purpose",
            ),
            # Under the DSA (a version and its partnership), or under Operation Encompass
            # from police to school and never under the DSA.
            models.CheckConstraint(
                condition=Q(recorded_before_basis=True)
                | (
                    Q(gateway=Gateway.OPERATION_ENCOMPASS, direction="to_school")
                    & Q(document__isnull=True)
                )
                | (
                    ~Q(gateway=Gateway.OPERATION_ENCOMPASS)
                    & Q(
                        document__isnull=False,
                        partnership__isnull=False,
                        disclosed_to__isnull=False,
                    )
                ),
                name="disclosure_under_dsa_or_encompass",
            ),
            models.CheckConstraint(
                condition=Q(disclosed_by__isnull=False, disclosed_by_client__isnull=True)
                | Q(disclosed_by__isnull=True, disclosed_by_client__isnull=False),
                name="disclosure_has_one_sender",
            ),
            models.CheckConstraint(
                condition=Q(acknowledged_at__isnull=True, acknowledged_by__isnull=True)
                | Q(acknowledged_at__isnull=False, acknowledged_by__isnull=False),
                name="disclosure_acknowledged_by_someone",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.at:%Y-%m-%d}"

    # What the sharing log and its CSV show (select_related the people first).

    @property
    def sender_name(self) -> str:
        if self.disclosed_by_id is None:
            return "The force's system (API client)"
        return self.disclosed_by.get_full_name()

    @property
    def recipient_name(self) -> str:
        """As recorded at the time; rows from before name the person as they are now."""
        if self.recipient:
            return self.recipient
        return self.disclosed_to.get_full_name() if self.disclosed_to_id else ""

    @property
    def dsa_version(self) -> str:
        return f"v{self.document.version}" if self.document_id else ""


def in_force_among(school_ids: list[int], on=None) -> list[int]:
    """Of these schools, those whose DSA is in force on a day (today, London): the ids of
    Partnership.objects.in_force(on), in one query.

    Every page asks this of the person's schools, and building and compiling in_force()'s
    subqueries cost more than running them, so the statement is built once per process for
    each number of schools (ssp.statements) and run with the ids and the day."""
    if not school_ids:
        return []
    statement, values = _in_force_bound(school_ids, on)
    return [row[0] for row in statement.rows(values)]


def in_force_subquery(school_ids: list[int], on=None):
    """in_force_among's statement as a subquery of another (`school_id__in=`): no query of
    its own, and nothing built per request but the values."""
    if not school_ids:
        return []
    statement, values = _in_force_bound(school_ids, on)
    return statement.as_subquery(values)


def _in_force_bound(school_ids, on):
    statement = _in_force_statement(Partnership.objects.db, len(school_ids))
    return statement, {"schools": school_ids, "on": on or timezone.localdate()}


# One statement per number of schools asked about; a few hundred numbers at most are kept.
@functools.lru_cache(maxsize=256)
def _in_force_statement(alias, count):
    return prepare(
        lambda stand_in: (
            Partnership.objects.filter(school_id__in=stand_in.ids("schools", count))
            .in_force(stand_in.day("on"))
            .values_list("school_id", flat=True)
        ),
        alias,
    )

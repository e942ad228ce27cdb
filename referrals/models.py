import uuid

from django.conf import settings
from django.db import models
from django.db.models import Case, Q, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone

from agreements.models import in_force_subquery
from incidents.models import Concern
from schools.models import Force, Pupil, School
from ssp.history import HistoricalRecords
from ssp.roles import CASE_OFFICERS, SCHOOL_LEADS
from ssp.scope import scope_of


class Purpose(models.TextChoices):
    SAFEGUARDING = "safeguarding", "Safeguarding the child's welfare"
    DIVERSION = "diversion", "Diverting from crime or anti-social behaviour"


class SchemeQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The force's own catalogue, for its sergeants and SSPOs; nobody else."""
        if getattr(user, "role", None) not in CASE_OFFICERS:
            return self.none()
        return self.filter(force=user.officer.team.force_id)


class Scheme(models.Model):
    """An intervention or diversion scheme a force's officers may refer pupils to."""

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    force = models.ForeignKey(Force, on_delete=models.PROTECT, related_name="schemes")
    name = models.CharField(max_length=200)
    provider = models.CharField(max_length=200)
    purpose = models.CharField(max_length=20, choices=Purpose.choices)
    criteria = models.TextField(help_text="Who the scheme is for, and who it is not for.")
    contact = models.CharField(max_length=300, help_text="How to reach the provider.")
    active = models.BooleanField("open to new referrals", default=True)

    objects = SchemeQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["force", "name"], name="scheme_name_unique_in_force")
        ]

    def __str__(self):
        return self.name


class ReferralQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Police see their schools' (SSPO) or team's (sergeant); school leads their own
        school's, as a summary (the views decide how much is shown).

        What a school sees of a police referral is a disclosure from the police, so only
        while its agreement is in force, when each update is logged as one (DESIGN.md,
        rule 2): after a lapse or revocation no update reaches the school unlogged.
        """
        role = getattr(user, "role", None)
        if role in CASE_OFFICERS:
            return self.filter(school_id__in=School.objects.visible_ids(user))
        if role in SCHOOL_LEADS:
            led = School.objects.held_ids(user, *SCHOOL_LEADS)
            return self.filter(school_id__in=in_force_subquery(led, scope_of(user).today))
        return self.none()

    def open(self):
        return self.filter(status__in=Referral.OPEN)

    def follow_up_due(self, on=None):
        return self.open().filter(follow_up_on__lte=on or timezone.localdate())


class DaysSince1970(models.Func):
    """A date as a count of days since 1 January 1970, worked out by the database as it
    stores a row (a generated column): PostgreSQL subtracts the dates, SQLite (the demo's)
    counts Julian days."""

    template = "(%(expressions)s - DATE '1970-01-01')"
    output_field = models.BigIntegerField()

    def as_sqlite(self, compiler, connection, **extra):
        template = "CAST(julianday(%(expressions)s) - 2440587.5 AS INTEGER)"
        return self.as_sql(compiler, connection, template=template, **extra)


NO_FOLLOW_UP = -(2**40)  # ranks below every day


class StoredGeneratedField(models.GeneratedField):
    """A column the database works out and stores as it writes the row, whose system check
    does not reach the database.

    GeneratedField's check asks each database whether it can store generated columns, and
    PostgreSQL's answer needs a connection (the server's version), so `manage.py check`
    where no database is reachable yet (the deploy check, a build) would fail. Every
    database the portal runs on (PostgreSQL 15 and later, the demo's SQLite) stores them."""

    def __init__(self, *, expression, output_field, **kwargs):
        kwargs.setdefault("db_persist", True)
        super().__init__(expression=expression, output_field=output_field, **kwargs)

    def check(self, **kwargs):
        return super().check(**{**kwargs, "databases": []})


class Consent(models.TextChoices):
    GIVEN = "given", "Given"
    REFUSED = "refused", "Refused"
    NOT_NEEDED = "not_needed", "Not needed"


class Referral(models.Model):
    """A pupil referred by their SSPO to an intervention or diversion scheme."""

    class Status(models.TextChoices):
        MADE = "made", "Made"
        ACCEPTED = "accepted", "Accepted"
        DECLINED = "declined", "Declined"
        STARTED = "started", "Started"
        COMPLETED = "completed", "Completed"
        WITHDRAWN = "withdrawn", "Withdrawn"

    MOVES = {
        Status.MADE: {Status.ACCEPTED, Status.DECLINED, Status.WITHDRAWN},
        Status.ACCEPTED: {Status.STARTED, Status.WITHDRAWN},
        Status.STARTED: {Status.COMPLETED, Status.WITHDRAWN},
        Status.DECLINED: set(),
        Status.COMPLETED: set(),
        Status.WITHDRAWN: set(),
    }
    OPEN = (Status.MADE, Status.ACCEPTED, Status.STARTED)
    # Ending a referral says how it ended.
    NEEDS_OUTCOME = frozenset({Status.DECLINED, Status.COMPLETED, Status.WITHDRAWN})

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    reference = models.CharField(max_length=20, unique=True, editable=False)
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="referrals")
    pupil = models.ForeignKey(Pupil, on_delete=models.PROTECT, related_name="referrals")
    scheme = models.ForeignKey(Scheme, on_delete=models.PROTECT, related_name="referrals")
    concern = models.ForeignKey(
        Concern, on_delete=models.PROTECT, null=True, blank=True, related_name="referrals"
    )
    # The concern it was made from was disposed of (records/disposal.py): the pointer is gone.
    concern_disposed = models.BooleanField(default=False, editable=False)
    purpose = models.CharField(max_length=20, choices=Purpose.choices)
    reason = models.TextField()
    young_person_consent = models.CharField(max_length=12, choices=Consent.choices)
    young_person_consent_note = models.CharField(max_length=500, blank=True)
    parent_consent = models.CharField(max_length=12, choices=Consent.choices)
    parent_consent_note = models.CharField(max_length=500, blank=True)
    made_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="referrals_made"
    )
    made_at = models.DateTimeField(default=timezone.now, editable=False)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.MADE)
    status_changed_at = models.DateTimeField(default=timezone.now)
    version = models.PositiveIntegerField(default=1)
    outcome = models.TextField(blank=True)
    follow_up_on = models.DateField("follow-up date", null=True, blank=True)
    follow_up_reminded_on = models.DateField(null=True, blank=True, editable=False)
    # The police's list (referrals.views): open ones first, and in each part the earliest
    # follow-up first (none last). Follow-ups due come first of all without a rank of their
    # own: their days are the earliest. Kept by the database as the row changes, so an index
    # holds the list in order and a page reads 25 rows, not every referral.
    open_rank = StoredGeneratedField(
        expression=Case(When(status__in=OPEN, then=Value(1)), default=Value(0)),
        output_field=models.SmallIntegerField(),
    )
    follow_up_rank = StoredGeneratedField(
        expression=Coalesce(-DaysSince1970("follow_up_on"), Value(NO_FOLLOW_UP)),
        output_field=models.BigIntegerField(),
    )

    objects = ReferralQuerySet.as_manager()
    # The ranks are the status and follow-up date again, which the history keeps.
    history = HistoricalRecords(excluded_fields=["open_rank", "follow_up_rank"])

    class Meta:
        indexes = [
            models.Index(fields=["school", "status", "follow_up_on"]),
            models.Index(fields=["school", "-made_at"]),
            # The police's list, by school for an SSPO, without for a sergeant's team
            # (ssp/keyset.py, by_school).
            models.Index(
                fields=["school", "-open_rank", "-follow_up_rank", "-made_at", "-id"],
                name="referral_school_due",
            ),
            models.Index(
                fields=["-open_rank", "-follow_up_rank", "-made_at", "-id"],
                name="referral_team_due",
            ),
        ]

    def __str__(self):
        return self.reference

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN

    @property
    def follow_up_due(self) -> bool:
        return (
            self.is_open
            and self.follow_up_on is not None
            and self.follow_up_on <= timezone.localdate()
        )

    def can_move_to(self, status) -> bool:
        return status in self.MOVES[self.Status(self.status)]


class ReferralEvent(models.Model):
    class Kind(models.TextChoices):
        MADE = "made", "Referral made"
        MOVED = "moved", "Status changed"
        REMINDED = "reminded", "Follow-up reminder sent"

    referral = models.ForeignKey(Referral, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)
    from_status = models.CharField(max_length=12, blank=True)
    to_status = models.CharField(max_length=12, blank=True)
    note = models.TextField(blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self):
        return f"{self.get_kind_display()} at {self.at:%Y-%m-%d %H:%M}"

    @property
    def from_label(self) -> str:
        return Referral.Status(self.from_status).label if self.from_status else ""

    @property
    def to_label(self) -> str:
        return Referral.Status(self.to_status).label if self.to_status else ""


class ConferenceQuerySet(models.QuerySet):
    """Conferences, and their actions, which carry the conference's school."""

    def visible_to(self, user):
        """The conference's school (SPOC, deputy, head) and force (SSPO, sergeant) only."""
        role = getattr(user, "role", None)
        if role in CASE_OFFICERS:
            return self.filter(school_id__in=School.objects.visible_ids(user))
        if role in SCHOOL_LEADS:
            return self.filter(school__in=School.objects.held_as(user, *SCHOOL_LEADS))
        return self.none()


class Conference(models.Model):
    """A multi-agency case conference about one or more pupils of one school."""

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="conferences")
    pupils = models.ManyToManyField(Pupil, related_name="conferences")
    held_on = models.DateField("date held")
    agencies = models.TextField("agencies present")
    attendees = models.TextField()
    decisions = models.TextField("what was decided")
    rationale = models.TextField("why")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = ConferenceQuerySet.as_manager()
    history = HistoricalRecords(m2m_fields=[pupils])

    class Meta:
        indexes = [
            models.Index(fields=["school", "-held_on"]),
            # The list's sorts, each ending with the id: by school for an SSPO's few schools,
            # without the school for a sergeant's team (ssp/keyset.py, by_school).
            models.Index(fields=["school", "-held_on", "-id"], name="conference_school_held"),
            models.Index(fields=["-held_on", "-id"], name="conference_team_held"),
        ]

    def __str__(self):
        return f"Case conference {self.held_on:%d %B %Y}"


class ConferenceAction(models.Model):
    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    conference = models.ForeignKey(Conference, on_delete=models.PROTECT, related_name="actions")
    # The conference's school, kept on the action so a person's open actions are read from
    # their schools' own index (conference_action_school_open), not through every conference
    # of those schools.
    school = models.ForeignKey(
        School, on_delete=models.PROTECT, related_name="conference_actions", editable=False
    )
    description = models.TextField()
    owner = models.CharField(max_length=200, help_text="A person or agency.")
    due_on = models.DateField("due date")
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # Whoever may see the conference sees its actions: the same rule, by the same school.
    objects = ConferenceQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["due_on", "pk"]
        indexes = [
            # A conference's open actions, by due date: its page, and the chronology.
            models.Index(
                fields=["conference", "due_on"],
                condition=Q(done_at__isnull=True),
                name="conference_action_open",
            ),
            # The caseload's and the overview's: a person's schools' open actions, by due
            # date, so neither page reads every conference, nor every action (done ones
            # pile up), of those schools.
            models.Index(
                fields=["school", "due_on"],
                condition=Q(done_at__isnull=True),
                name="conference_action_school_open",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(done_at__isnull=True) | Q(done_by__isnull=False),
                name="conference_action_done_by_someone",
            )
        ]

    def __str__(self):
        return f"Action due {self.due_on:%d %B %Y}"

    def save(self, *args, **kwargs):
        # Always the conference's, taken when the action is added: a conference never
        # changes school.
        if self._state.adding:
            self.school_id = self.conference.school_id
        super().save(*args, **kwargs)

    @property
    def is_done(self) -> bool:
        return self.done_at is not None

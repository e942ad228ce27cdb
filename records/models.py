import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from schools.models import Pupil, School, Team
from ssp.history import HistoricalRecords


def _reach(user) -> Q:
    """A school's records are within reach of whoever sees the school; a team's, of its
    officers. Who may act on them is each gate's predicate (records/access.py)."""
    from ssp.scope import scope_of

    reach = Q(school__in=scope_of(user).visible_school_ids)
    officer = getattr(user, "officer", None)
    if officer is not None and officer.is_current:
        reach |= Q(team=officer.team_id)
    return reach


class LegalHoldQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(_reach(user))

    def in_force(self):
        return self.filter(lifted_at__isnull=True)


class LegalHold(models.Model):
    """Records relevant to an inquiry or proceedings, held by a named person with a reason.

    A hold names a pupil (every record about them, whoever controls it) or one record (its
    kind, as `<app>.holdings` names it, and its code). While a hold is in force nothing it
    covers is disposed of, whatever its review date says. A hold is lifted, never deleted.
    """

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # Whose records officer placed it: a school's (head or data-protection lead) or a team's.
    school = models.ForeignKey(
        School, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    team = models.ForeignKey(
        Team, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    pupil = models.ForeignKey(
        Pupil, on_delete=models.PROTECT, null=True, blank=True, related_name="legal_holds"
    )
    kind = models.CharField(max_length=40, blank=True)
    record_code = models.UUIDField(null=True, blank=True)
    reason = models.TextField()
    # The inquiry's or the proceedings' own reference, as its letter gives it.
    reference = models.CharField(max_length=120, blank=True)
    placed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    placed_at = models.DateTimeField(auto_now_add=True)
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    lifted_at = models.DateTimeField(null=True, blank=True)
    lift_reason = models.TextField(blank=True)

    objects = LegalHoldQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(school__isnull=False) ^ Q(team__isnull=False),
                name="legal_hold_placed_for_a_school_or_a_team",
            ),
            models.CheckConstraint(
                condition=(
                    Q(pupil__isnull=False, kind="", record_code__isnull=True)
                    | Q(pupil__isnull=True) & ~Q(kind="") & Q(record_code__isnull=False)
                ),
                name="legal_hold_covers_a_pupil_or_one_record",
            ),
        ]

    def __str__(self):
        return f"Legal hold {self.code}"


# ---------------------------------------------------------------------------------------
# Disposal (records/disposal.py): a run works through the records it was given in short
# batches and keeps its progress here, so a crash resumes where it stopped; what stays when
# it ends is a certificate, with counts and no personal data.


class DisposalRun(models.Model):
    """One disposal of records of one kind under one rule, in progress or finished.

    While a batch deletes, its transaction names the run (SET LOCAL records.disposal_run)
    and writes its own transaction id into `batch_txid`: the append-only triggers let a
    DELETE through only for that transaction, and only of rows the run covers.
    """

    class State(models.TextChoices):
        RUNNING = "running", "Running"
        DONE = "done", "Done"

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField(max_length=40)
    label = models.CharField(max_length=200)
    controller = models.CharField(max_length=10)
    rule = models.CharField(max_length=200)
    # None: the daily job, under the force's rule (a log's removal by age).
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    school = models.ForeignKey(
        School, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    team = models.ForeignKey(
        Team, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    state = models.CharField(max_length=10, choices=State.choices, default=State.RUNNING)
    batch_size = models.PositiveIntegerField(default=500)
    # For kinds reviewed by age alone (the access log): rows before this moment.
    before = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    batches = models.PositiveIntegerField(default=0)
    disposed = models.PositiveIntegerField(default=0)
    # Covered by a legal hold in force: left as they are.
    held = models.PositiveIntegerField(default=0)
    # Not disposed for another reason the certificate names (a pupil with records left).
    kept = models.PositiveIntegerField(default=0)
    # What went with the records, counted by what it was ("Events": 12, "Files": 1).
    parts = models.JSONField(default=dict)
    batch_txid = models.BigIntegerField(null=True, blank=True, editable=False)

    class Meta:
        indexes = [
            models.Index(
                fields=["started_at"], condition=Q(state="running"), name="disposal_run_running"
            )
        ]

    def __str__(self):
        return f"Disposal run {self.code}"


class DisposalItem(models.Model):
    """One record a run is to dispose of, by its row id, while the run lasts. The items go
    when the run ends: the certificate keeps counts, nothing that names a record."""

    class State(models.TextChoices):
        PENDING = "pending", "Pending"
        DONE = "done", "Disposed of"
        HELD = "held", "Held"
        KEPT = "kept", "Kept"

    run = models.ForeignKey(DisposalRun, on_delete=models.CASCADE, related_name="items")
    record_id = models.BigIntegerField()
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["run", "record_id"], name="disposal_item_once")
        ]
        indexes = [
            models.Index(
                fields=["run", "record_id"],
                condition=Q(state="pending"),
                name="disposal_item_pending",
            )
        ]

    def __str__(self):
        return f"{self.record_id} ({self.state})"


class DisposalFile(models.Model):
    """A stored file whose record a committed batch disposed of, until storage has removed
    it: a crash between the commit and the removal leaves the name here for the resume."""

    run = models.ForeignKey(DisposalRun, on_delete=models.CASCADE, related_name="files")
    name = models.CharField(max_length=300)

    def __str__(self):
        return self.name


class DisposalCertificateQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The school's head and data-protection lead see their school's certificates; the
        sergeant their team's. Nobody else (records/access.py says who answers for what)."""
        from .access import owned_filter

        owned = owned_filter(user)
        return self.none() if owned is None else self.filter(owned)


class DisposalCertificate(models.Model):
    """What stays of a disposal: what kind, how many, under which rule, when, by whom, for
    which school or team. No personal data and no record's code: nothing to join back."""

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    run = models.OneToOneField(DisposalRun, on_delete=models.PROTECT, related_name="certificate")
    kind = models.CharField(max_length=40)
    label = models.CharField(max_length=200)
    controller = models.CharField(max_length=10)
    rule = models.CharField(max_length=200)
    # None: the daily job, under the force's rule (a log's removal by age).
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    school = models.ForeignKey(
        School, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    team = models.ForeignKey(
        Team, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    disposed = models.PositiveIntegerField()
    held = models.PositiveIntegerField()
    kept = models.PositiveIntegerField(default=0)
    parts = models.JSONField(default=dict)
    batches = models.PositiveIntegerField()
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField()

    objects = DisposalCertificateQuerySet.as_manager()

    class Meta:
        ordering = ["-finished_at", "-pk"]
        indexes = [
            models.Index(fields=["school", "-finished_at"]),
            models.Index(fields=["team", "-finished_at"]),
        ]

    def __str__(self):
        return f"Disposal certificate {self.code}"


# --- Retention rules, the review list and its decisions (the `review` part of issue 13) ---


class RetentionRule(models.Model):
    """How long one kind of record is kept before someone who owns it reviews it.

    The force's rules have no school; a school's own rule for one of its kinds lengthens the
    force's (never shortens it, nor below the law's: see records/rules.py). Police kinds have
    a rule per MoPI group (1, 2 or 3); a school's kinds have none (`group` is 0).
    """

    class Basis(models.TextChoices):
        BIRTH = "birth", "the pupil's date of birth"
        RECORD = "record", "the date of the record"

    school = models.ForeignKey(
        School, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    kind = models.CharField(max_length=40)
    # The MoPI group (1, 2 or 3) of police records; 0 for a school's records, which have none.
    group = models.PositiveSmallIntegerField("MoPI group", default=0)
    basis = models.CharField(max_length=10, choices=Basis.choices)
    years = models.PositiveSmallIntegerField("review after (years)")
    # MoPI group 1: whatever the review decides, kept until the subject would be this old.
    keep_until_age = models.PositiveSmallIntegerField(null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "group"],
                condition=Q(school__isnull=True),
                name="one_force_retention_rule_per_kind_and_group",
            ),
            models.UniqueConstraint(
                fields=["school", "kind", "group"],
                condition=Q(school__isnull=False),
                name="one_school_retention_rule_per_kind_and_group",
            ),
            models.CheckConstraint(condition=Q(years__gte=1), name="retention_at_least_a_year"),
        ]

    def __str__(self):
        return f"Retention rule for {self.kind}"


class ReviewQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(_reach(user))

    def open(self):
        return self.filter(state=Review.State.DUE)


class Review(models.Model):
    """One record on the review list of the people who own it.

    The daily job makes it when the record's review date has passed (one row per record,
    ever); keeping it sets the next review date, after which the job puts it back on the
    list; disposing of it leaves the row (kind and code only: no personal data) as the
    trace that the record was reviewed and went.
    """

    class State(models.TextChoices):
        DUE = "due", "Due for review"
        KEPT = "kept", "Kept"
        DISPOSING = "disposing", "Being disposed of"
        DISPOSED = "disposed", "Disposed of"

    # The allowed moves (STYLE.md: a status plus a constant table).
    MOVES = {
        State.DUE: {State.KEPT, State.DISPOSING},
        State.KEPT: {State.DUE},
        State.DISPOSING: {State.DISPOSED},
        State.DISPOSED: set(),
    }

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField(max_length=40)
    record_code = models.UUIDField()
    controller = models.CharField(max_length=10)
    school = models.ForeignKey(
        School, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    team = models.ForeignKey(
        Team, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    group = models.PositiveSmallIntegerField(null=True, blank=True)
    due_on = models.DateField()
    state = models.CharField(max_length=10, choices=State.choices, default=State.DUE)
    # The rule that made it due, in plain words, as it read that day.
    rule = models.CharField(max_length=300)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ReviewQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["kind", "record_code"], name="one_review_per_record"),
            models.CheckConstraint(
                condition=Q(school__isnull=False) ^ Q(team__isnull=False),
                name="review_owned_by_a_school_or_a_team",
            ),
        ]
        indexes = [
            models.Index(fields=["school", "state", "due_on"]),
            models.Index(fields=["team", "state", "due_on"]),
        ]

    def __str__(self):
        return f"Review {self.code}"


class ReviewDecision(models.Model):
    """Who decided what about a review, when and why: one row per decision, never changed
    (but for the certificate the disposal leaves, written back when it is made)."""

    class Decision(models.TextChoices):
        KEEP = "keep", "Keep"
        DISPOSE = "dispose", "Dispose of"

    review = models.ForeignKey(Review, on_delete=models.PROTECT, related_name="decisions")
    decision = models.CharField(max_length=10, choices=Decision.choices)
    reason = models.TextField(blank=True)
    next_review_on = models.DateField(null=True, blank=True)
    rule = models.CharField(max_length=300)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)
    # The disposal certificate's code once the engine has run (records.disposal).
    certificate_code = models.UUIDField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=~Q(decision="keep") | Q(next_review_on__isnull=False) & ~Q(reason=""),
                name="a_kept_record_has_a_reason_and_a_next_review",
            )
        ]

    def __str__(self):
        return f"{self.get_decision_display()} ({self.at:%Y-%m-%d})"

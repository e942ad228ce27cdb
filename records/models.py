import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from schools.models import Pupil, School, Team
from ssp.history import HistoricalRecords


class LegalHoldQuerySet(models.QuerySet):
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
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
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
        from .access import can_manage_police_records, can_manage_school_records

        schools = [
            school
            for school in School.objects.filter(memberships__user=user).distinct()
            if can_manage_school_records(user, school)
        ]
        mine = Q(school__in=schools)
        officer = getattr(user, "officer", None)
        if officer is not None and can_manage_police_records(user, officer.team):
            mine |= Q(team=officer.team_id)
        return self.filter(mine)


class DisposalCertificate(models.Model):
    """What stays of a disposal: what kind, how many, under which rule, when, by whom, for
    which school or team. No personal data and no record's code: nothing to join back."""

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    run = models.OneToOneField(DisposalRun, on_delete=models.PROTECT, related_name="certificate")
    kind = models.CharField(max_length=40)
    label = models.CharField(max_length=200)
    controller = models.CharField(max_length=10)
    rule = models.CharField(max_length=200)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
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

"""Operation Encompass: the police tell a school's key adult, before the next school day
starts, that a child was exposed to a domestic-abuse incident, so the school can give silent
support. A police→school disclosure under Operation Encompass, not under the SSP's DSA.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from schools.models import Pupil, School
from ssp.history import HistoricalRecords
from ssp.roles import SCHOOL_LEADS, Role


class TermDate(models.Model):
    """A span of days the school keeps: a term (school days) or a holiday (none).

    With no terms kept, every weekday counts as a school day; holidays always take days out.
    """

    class Kind(models.TextChoices):
        TERM = "term", "Term"
        HOLIDAY = "holiday", "Holiday"

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="term_dates")
    kind = models.CharField(max_length=8, choices=Kind.choices)
    label = models.CharField(max_length=100, blank=True)
    starts_on = models.DateField()
    ends_on = models.DateField()

    history = HistoricalRecords()

    class Meta:
        ordering = ["starts_on"]
        indexes = [models.Index(fields=["school", "starts_on"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=F("starts_on")), name="term_date_ends_after_start"
            )
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.starts_on}–{self.ends_on}"


class NotificationQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The notifications a person may reach at all: the school's leads their school's,
        the sergeant their team's (as receipts, without the plan: see access.py)."""
        role = getattr(user, "role", None)
        if role in SCHOOL_LEADS:
            return self.filter(school__in=School.objects.held_as(user, *SCHOOL_LEADS))
        if role == Role.SERGEANT:
            return self.filter(school__in=School.objects.visible_to(user))
        return self.none()

    def awaiting_acknowledgement(self):
        """Not yet acknowledged, the nearest deadline first."""
        return self.filter(acknowledged_at__isnull=True).order_by("deadline", "pk")

    def unacknowledged_past_deadline(self, now=None):
        now = now or timezone.now()
        return self.filter(
            acknowledged_at__isnull=True, escalated_at__isnull=True, deadline__lte=now
        )


class Notification(models.Model):
    """One Encompass notification about one child, sent to one school."""

    class Presence(models.TextChoices):
        PRESENT = "present", "Present"
        NOT_PRESENT = "not_present", "Not present"
        UNKNOWN = "unknown", "Not known"

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    school = models.ForeignKey(
        School, on_delete=models.PROTECT, related_name="encompass_notifications"
    )
    # What the police know of the child; matched to a pupil only when exactly one fits.
    child_first_name = models.CharField("child's forename", max_length=100)
    child_last_name = models.CharField("child's surname", max_length=100)
    child_date_of_birth = models.DateField("child's date of birth")
    pupil = models.ForeignKey(
        Pupil,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="encompass_notifications",
    )
    matched_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="Who matched the pupil by hand; empty when matched on intake.",
    )
    police_reference = models.CharField(max_length=50)
    incident_at = models.DateTimeField("incident date and time")
    incident_location = models.CharField(max_length=300)
    child_presence = models.CharField(max_length=12, choices=Presence.choices)
    child_whereabouts = models.CharField("where the child was", max_length=300, blank=True)
    voice_of_child = models.TextField("voice of the child", blank=True)
    circumstances = models.TextField()
    other_information = models.TextField("other safeguarding information", blank=True)

    # Who sent it: a person of the force's Encompass team, or the force's machine client.
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="encompass_sent",
    )
    # The force's machine client, by its code: `api` sits above this app, so no foreign key.
    sent_by_client = models.UUIDField(null=True, blank=True, editable=False)
    idempotency_key = models.CharField(max_length=200, blank=True, editable=False)
    received_at = models.DateTimeField(default=timezone.now, editable=False)
    deadline = models.DateTimeField(help_text="The start of the next school day.")

    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="encompass_acknowledged",
    )
    support_plan = models.TextField("support planned", blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)

    objects = NotificationQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["-received_at"]
        indexes = [
            models.Index(fields=["school", "-received_at"]),
            models.Index(
                fields=["deadline"],
                condition=Q(acknowledged_at__isnull=True, escalated_at__isnull=True),
                name="encompass_awaiting_ack",
            ),
        ]
        constraints = [
            # Exactly one sender: a person or a client.
            models.CheckConstraint(
                condition=(Q(sent_by__isnull=False) & Q(sent_by_client__isnull=True))
                | (Q(sent_by__isnull=True) & Q(sent_by_client__isnull=False)),
                name="encompass_one_sender",
            ),
            # A client's replay (same Idempotency-Key) never makes a second notification.
            models.UniqueConstraint(
                fields=["sent_by_client", "idempotency_key"],
                condition=Q(sent_by_client__isnull=False) & ~Q(idempotency_key=""),
                name="encompass_idempotency_key_once_per_client",
            ),
        ]

    def __str__(self):
        return f"Encompass {self.police_reference}"

    @property
    def child_name(self) -> str:
        return f"{self.child_first_name} {self.child_last_name}"

    @property
    def is_acknowledged(self) -> bool:
        return self.acknowledged_at is not None

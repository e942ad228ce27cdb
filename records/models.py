import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from schools.models import Pupil, School, Team


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

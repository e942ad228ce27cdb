import uuid

from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords

from schools.models import Force, School


class PartnershipQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(school__in=School.objects.visible_to(user))


class Partnership(models.Model):
    """The Safer Schools Partnership between one school and its force.

    The minimum the earlier capabilities need; protocol and DSA versions, signatures and
    appraisal build on it.
    """

    class Status(models.TextChoices):
        PROPOSED = "proposed", "Proposed"
        ACTIVE = "active", "Active"
        SUSPENDED = "suspended", "Suspended"
        ENDED = "ended", "Ended"

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    school = models.OneToOneField(School, on_delete=models.PROTECT, related_name="partnership")
    force = models.ForeignKey(Force, on_delete=models.PROTECT, related_name="partnerships")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PROPOSED)
    dsa_in_force_until = models.DateField(
        "data sharing agreement in force until", null=True, blank=True
    )

    objects = PartnershipQuerySet.as_manager()
    history = HistoricalRecords()

    def __str__(self):
        return f"Safer Schools Partnership: {self.school}"

    @property
    def dsa_in_force(self) -> bool:
        return (
            self.status == self.Status.ACTIVE
            and self.dsa_in_force_until is not None
            and self.dsa_in_force_until >= timezone.localdate()
        )

import uuid

from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords

from schools.models import Force, School


class PartnershipQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(school_id__in=School.objects.visible_ids(user))


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


class DisclosureQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Heads see their school's side; SSPOs their schools'; sergeants their team's."""
        from ssp.roles import Role

        role = getattr(user, "role", None)
        if role == Role.HEAD:
            return self.filter(school__in=School.objects.held_as(user, Role.HEAD))
        if role in (Role.SSPO, Role.SERGEANT):
            return self.filter(school_id__in=School.objects.visible_ids(user))
        return self.none()


class Disclosure(models.Model):
    """The information-sharing log: one row per disclosure between school and police.

    What (a kind and the record's code, never its content), from whom, to whom, when,
    under which agreement and on what lawful basis.
    """

    class Direction(models.TextChoices):
        TO_POLICE = "to_police", "School to police"
        TO_SCHOOL = "to_school", "Police to school"

    class Kind(models.TextChoices):
        CONCERN_SHARED = "concern_shared", "Concern shared with the SSPO"
        ENQUIRY_ANSWER = "enquiry_answer", "Answer to an enquiry"
        INCIDENT_SUMMARY = "incident_summary", "Incident summary sent to the school"
        REFERRAL_UPDATE = "referral_update", "Referral update"

    SAFEGUARDING_BASIS = (
        "UK GDPR Art. 6(1)(e) public task and Art. 9(2)(g) substantial public interest "
        "(DPA 2018 Sch. 1 para 18, safeguarding of children)"
    )

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    at = models.DateTimeField(default=timezone.now, db_index=True)
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="disclosures")
    partnership = models.ForeignKey(Partnership, on_delete=models.PROTECT, related_name="+")
    direction = models.CharField(max_length=10, choices=Direction.choices)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    record_code = models.UUIDField(help_text="The record disclosed, by its public code.")
    disclosed_by = models.ForeignKey("ssp.User", on_delete=models.PROTECT, related_name="+")
    disclosed_to = models.ForeignKey("ssp.User", on_delete=models.PROTECT, related_name="+")
    agreement = models.CharField(max_length=120)
    lawful_basis = models.CharField(max_length=300, default=SAFEGUARDING_BASIS)

    objects = DisclosureQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        indexes = [models.Index(fields=["school", "-at"])]

    def __str__(self):
        return f"{self.get_kind_display()} {self.at:%Y-%m-%d}"

"""Machine clients of the API: a force's records system (later its Encompass hub)."""

import hashlib
import hmac
import secrets
import uuid

from django.db import models
from django.utils import timezone

from schools.models import Force, Team
from ssp.history import HistoricalRecords


class Scope(models.TextChoices):
    """What a client may call. Reads stay inside the police scope of the client's team."""

    INCIDENTS_READ = "incidents:read", "Read recordable incidents and their changes"
    REFERRALS_READ = "referrals:read", "Read referrals and their outcomes"
    PARTNERSHIPS_READ = "partnerships:read", "Read schools, partnerships and DSA state"
    ENCOMPASS_WRITE = "encompass:write", "Send Operation Encompass notifications"
    ENCOMPASS_READ = "encompass:read", "Read the receipts of the client's Encompass notifications"


def hash_secret(secret: str) -> str:
    # The secret is 256 random bits, so one SHA-256 is enough (no stretching needed), and a
    # leaked table gives nothing to guess from.
    return hashlib.sha256(secret.encode()).hexdigest()


class ApiClientQuerySet(models.QuerySet):
    def live(self):
        return self.filter(revoked_at__isnull=True)

    def awaiting_approval(self):
        return self.live().filter(approved_at__isnull=True)


class ApiClient(models.Model):
    """A system of one force that calls the API with `Authorization: Bearer <key>.<secret>`.

    Its reads are those of its team's sergeant: the same `visible_to` querysets, so the DSA
    and every gate apply as they do in pages. Only a hash of the secret is kept; the secret
    is shown once, when it is made or rotated.
    """

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    force = models.ForeignKey(Force, on_delete=models.PROTECT, related_name="api_clients")
    team = models.ForeignKey(
        Team,
        on_delete=models.PROTECT,
        related_name="api_clients",
        help_text="The Safer Schools team whose police reads the client makes.",
    )
    name = models.CharField(max_length=120)
    purpose = models.CharField(
        max_length=200, help_text="Why the force's system reads these records (DPA 2018 s.62)."
    )
    scopes = models.JSONField(default=list)
    key = models.CharField(max_length=24, unique=True, editable=False)
    secret_hash = models.CharField(max_length=64, editable=False)
    created_by = models.ForeignKey(
        "ssp.User", on_delete=models.PROTECT, related_name="+", editable=False
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    secret_set_at = models.DateTimeField(default=timezone.now, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)
    # The administrator registers a client, but it reads as the team's sergeant does: it
    # reads nothing until a sergeant of that team has approved it in the portal.
    approved_at = models.DateTimeField(null=True, blank=True, editable=False)
    approved_by = models.ForeignKey(
        "ssp.User",
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        editable=False,
    )
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = ApiClientQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["secret_hash", "last_used_at"])

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["force", "name"], name="api_client_name_in_force")
        ]

    def __str__(self):
        return self.name

    @property
    def is_live(self) -> bool:
        return self.revoked_at is None

    @property
    def is_approved(self) -> bool:
        return self.approved_at is not None

    def new_secret(self) -> str:
        """A fresh secret: its hash is set here, the token is returned to be shown once."""
        secret = secrets.token_urlsafe(32)
        self.secret_hash = hash_secret(secret)
        self.secret_set_at = timezone.now()
        return f"{self.key}.{secret}"

    def secret_matches(self, secret: str) -> bool:
        return hmac.compare_digest(self.secret_hash, hash_secret(secret))

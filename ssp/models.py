import uuid
from functools import cached_property

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models.functions import Lower

from .history import HistoricalRecords
from .roles import Role, role_of


class EmailUserManager(UserManager):
    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError("An e-mail address is required")
        user = self.model(email=self.normalize_email(email).lower(), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields.update(is_staff=True, is_superuser=True)
        return self._create_user(email, password, **extra_fields)


class User(AbstractUser):
    """A person who signs in with their e-mail address."""

    username = None
    email = models.EmailField("email address", unique=True)
    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS = []

    objects = EmailUserManager()
    history = HistoricalRecords(excluded_fields=["password", "last_login"])

    class Meta:
        constraints = [
            models.UniqueConstraint(Lower("email"), name="user_email_ci_unique"),
        ]

    def __str__(self):
        return self.get_full_name() or self.email

    @cached_property
    def role(self) -> Role | None:
        return role_of(self)


class AccessLogQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise PermissionError("The access log cannot be rewritten.")

    def delete(self):
        raise PermissionError("The access log cannot be deleted.")


class AccessLog(models.Model):
    """Who looked at what, when, from where, and with what outcome. Append-only.

    Holds identifiers only: never narrative text or children's names. PostgreSQL refuses
    UPDATE and DELETE on this table (see the migration), so not even a bug can rewrite it.
    """

    class Outcome(models.TextChoices):
        ALLOWED = "allowed", "Allowed"
        DENIED = "denied", "Denied"
        NOT_FOUND = "not_found", "Not found or out of scope"

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    user = models.ForeignKey(User, on_delete=models.PROTECT, null=True, related_name="+")
    role = models.CharField(max_length=20, blank=True)
    action = models.CharField(max_length=40)
    object_type = models.CharField(max_length=40)
    object_code = models.UUIDField(null=True, db_index=True)
    ip_address = models.GenericIPAddressField(null=True)
    outcome = models.CharField(max_length=10, choices=Outcome.choices)
    purpose = models.CharField(max_length=200, blank=True)
    # A force's machine client reading through the API (api.ApiClient.code): it has no
    # user, so the row names the client instead.
    api_client = models.UUIDField(null=True, blank=True)

    objects = AccessLogQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["object_type", "object_code", "at"])]

    def __str__(self):
        return f"{self.action} {self.object_type} {self.object_code} ({self.outcome})"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("The access log cannot be rewritten.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("The access log cannot be deleted.")


class Notification(models.Model):
    """Something for a person to look at, in the portal and by e-mail through the outbox.

    The text says only that there is something to look at; the link leads to it, and the
    page behind the link applies the usual access rules.
    """

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    recipient = models.ForeignKey(User, on_delete=models.PROTECT, related_name="notifications")
    subject = models.CharField(max_length=200)
    link = models.CharField(max_length=300)
    # What it is about, as people quote it (a concern's reference, a school's partnership):
    # never a child's name.
    reference = models.CharField(max_length=80, blank=True)
    urgent = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)
    # E-mail delivery: the outbox. Pending until a worker has handed it to the mail server.
    email_sent_at = models.DateTimeField(null=True, blank=True)
    email_attempts = models.PositiveSmallIntegerField(default=0)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["recipient", "-created_at"]),
            # The header's unread count reads only this small index.
            models.Index(
                fields=["recipient"],
                name="notification_unread",
                condition=models.Q(read_at__isnull=True),
            ),
            # The daily job removes notifications by age (records.disposal.dispose_log).
            models.Index(fields=["created_at"], name="notification_written"),
            models.Index(
                fields=["created_at"],
                name="outbox_pending",
                condition=models.Q(email_sent_at__isnull=True),
            ),
        ]

    def __str__(self):
        return self.subject


class Submission(models.Model):
    """Which rendered create form (its one-time token) made which record, for whom.

    A create form carries a token made when it was rendered; the create service claims
    (user, what, token) in its own transaction, so a repeated post of the same form finds
    the first record instead of making a second (see ssp/submissions.py). Identifiers only;
    rows are swept after a day, so they keep no history of their own: the record they point
    to keeps its history.
    """

    token = models.UUIDField()
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    made = models.CharField(max_length=60)
    object_id = models.BigIntegerField(null=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "made", "token"], name="submission_once"),
        ]

    def __str__(self):
        return f"{self.made} {self.object_id} from form {self.token}"

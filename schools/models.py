import functools
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from stdnum.gb import upn as stdnum_upn

from schools.upn import upn_problem
from ssp.history import HistoricalRecords
from ssp.roles import POLICE_ROLES, SCHOOL_LEADS, SCHOOL_ROLES, SPOCS, Role
from ssp.scope import scope_of, stand_in_scope
from ssp.statements import StandIns, prepare

validate_urn = RegexValidator(r"^\d{6}\Z", "A URN is 6 digits, for example 100000.")
validate_laestab = RegexValidator(
    r"^\d{7}\Z", "A LAESTAB is 7 digits: the 3-digit LA number then the 4-digit DfE number."
)


def validate_upn(value: str) -> None:
    """The DfE's Unique Pupil Number: a check letter then 12 characters, issued by a local
    authority the portal knows (its own table, then the authorities GIAS has named)."""
    problem = upn_problem(value)
    if problem:
        raise ValidationError(f"{problem} For example B801200005001.", code="invalid_upn")


def today():
    return timezone.localdate()


def default_gias_phases():
    return ["secondary", "all_through"]


class Force(models.Model):
    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(max_length=120, unique=True)
    # What the force's administrator chose for the GIAS import: the local authorities whose
    # schools the force serves (3-digit LA codes) and the phases of education that count.
    gias_la_codes = models.JSONField("local authorities", default=list, blank=True)
    gias_phases = models.JSONField("phases", default=default_gias_phases, blank=True)
    history = HistoricalRecords()

    def __str__(self):
        return self.name


class Team(models.Model):
    class Kind(models.TextChoices):
        SAFER_SCHOOLS = "safer_schools", "Safer Schools team"
        YOUTH_ENGAGEMENT = "youth_engagement", "Youth Engagement Team"

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    force = models.ForeignKey(Force, on_delete=models.PROTECT, related_name="teams")
    name = models.CharField(max_length=120)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["force", "name"], name="team_name_unique_in_force")
        ]

    def __str__(self):
        return self.name


class Officer(models.Model):
    """A police officer who uses the portal. A sergeant leads the officers of their team."""

    class Rank(models.TextChoices):
        CONSTABLE = "pc", "Police Constable"
        SERGEANT = "ps", "Police Sergeant"

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="officer"
    )
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="officers")
    collar_number = models.CharField(
        max_length=10,
        validators=[RegexValidator(r"^[A-Z]{0,2}\d{1,6}\Z", "Enter a collar number, like 1234.")],
    )
    rank = models.CharField(max_length=2, choices=Rank.choices, default=Rank.CONSTABLE)
    left_on = models.DateField(null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["team", "collar_number"], name="collar_unique_in_team")
        ]

    def __str__(self):
        return f"{self.get_rank_display()} {self.collar_number} {self.user}"

    @property
    def is_current(self) -> bool:
        return self.left_on is None or self.left_on > today()

    @property
    def role(self) -> Role:
        if self.rank == self.Rank.SERGEANT:
            return Role.SERGEANT
        if self.team.kind == Team.Kind.YOUTH_ENGAGEMENT:
            return Role.YET
        return Role.SSPO


class SchoolQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The schools a person may see anything of: the school-scope rule, written once."""
        role = getattr(user, "role", None)
        if role is None or role == Role.ADMIN:
            return self.none()
        now = scope_of(user).today
        if role in SCHOOL_ROLES:
            # The schools of their current places (each a head's or a member of staff's),
            # read once a request with their role: no join to memberships, no DISTINCT.
            return self.filter(pk__in=self.held_ids(user, *SCHOOL_ROLES))
        officer = user.officer
        if role == Role.SSPO:
            return self.filter(
                pk__in=Assignment.objects.current(now).filter(officer=officer).values("school")
            )
        if role == Role.SERGEANT:
            return self.filter(
                pk__in=Assignment.objects.current(now)
                .filter(officer__team=officer.team_id)
                .values("school")
            )
        if role == Role.YET:
            return self.filter(force=officer.team.force_id, meets_sspo_criteria=False)
        return self.none()

    def visible_ids(self, user) -> list[int]:
        """visible_to(user) as a list of ids, worked out once per request (ssp.scope)."""
        return scope_of(user).visible_school_ids

    def allocatable_by(self, user):
        """The schools a sergeant allocates officers to: every secondary school of their force."""
        if getattr(user, "role", None) != Role.SERGEANT:
            return self.none()
        return self.filter(force=user.officer.team.force_id, phase__in=School.SECONDARY_PHASES)

    def held_as(self, user, *roles: Role):
        """Schools where the person currently holds one of these school roles.

        Their current places are read once per request (ssp.scope, which also works out the
        role from them) and the schools given as constants: a subquery of memberships nested
        in each record's rule cost more to build and to plan than the rows it found. A write
        re-checking under its lock reads the places afresh (ssp.scope.fresh_scope).
        """
        return self.filter(pk__in=self.held_ids(user, *roles))

    def held_ids(self, user, *roles: Role) -> list[int]:
        """held_as(user, *roles) as a list of ids (Membership.objects.current().holding)."""
        return sorted(scope_of(user).held_school_ids(*roles))


def visible_school_ids(user) -> list[int]:
    """School.objects.visible_to(user) as ids: the scope's answer (ssp.scope).

    An officer's rule is a subquery of their assignments on the day, asked on every page
    they open, and building and compiling it cost twice what running it did: for the
    police the statement is built once per process for each role (ssp.statements) and run
    with the officer, their team and force, and the day. A member of a school's staff sees the
    schools of their current places, already read with their role: no query at all."""
    role = getattr(user, "role", None)
    if role in SCHOOL_ROLES:
        # visible_to's own rule for them, from the places already read with their role.
        return School.objects.held_ids(user, *SCHOOL_ROLES)
    if role not in POLICE_ROLES:
        return list(School.objects.visible_to(user).values_list("pk", flat=True))
    values = {**person_values(user), "today": scope_of(user).today}
    return [row[0] for row in _visible_statement(School.objects.db, role).rows(values)]


@functools.lru_cache(maxsize=len(POLICE_ROLES) * 2)
def _visible_statement(alias, role):
    def build(stand_in: StandIns):
        user = stand_in_person(stand_in, role)
        with stand_in_scope(user, today=stand_in.day("today")):
            return School.objects.visible_to(user).values_list("pk", flat=True)

    return prepare(build, alias)


def stand_in_person(stand_in: StandIns, role: Role):
    """A person of this role for a statement built with stand-ins (ssp.statements): their id
    and, for the police, their officer record, team and force, each a stand-in named as in
    person_values. The role is given, as it is worked out once per person (User.role)."""
    from django.contrib.auth import get_user_model

    user = get_user_model()(pk=stand_in.id("user"))
    user.role = role
    if role in POLICE_ROLES:
        team = Team(pk=stand_in.id("team"), force_id=stand_in.id("force"))
        user.officer = Officer(pk=stand_in.id("officer"), team=team)
    return user


def person_values(user) -> dict:
    """What a request puts where stand_in_person's stand-ins went."""
    officer = getattr(user, "officer", None) if user.role in POLICE_ROLES else None
    return {
        "user": user.pk,
        # An officer's record, or what a machine client stands in (api): its team's sergeant,
        # with no officer id of its own, which no sergeant's rule asks for.
        "officer": getattr(officer, "pk", None),
        "team": getattr(officer, "team_id", None),
        "force": officer.team.force_id if officer is not None else None,
    }


class School(models.Model):
    class Phase(models.TextChoices):
        SECONDARY = "secondary", "Secondary"
        ALL_THROUGH = "all_through", "All-through"
        MIDDLE = "middle_deemed_secondary", "Middle (deemed secondary)"
        MIDDLE_PRIMARY = "middle_deemed_primary", "Middle (deemed primary)"
        PRIMARY = "primary", "Primary"
        NURSERY = "nursery", "Nursery"
        SIXTEEN_PLUS = "16_plus", "16 plus"
        NOT_APPLICABLE = "not_applicable", "Not applicable"

    class Status(models.TextChoices):
        # GIAS "EstablishmentStatus (name)".
        OPEN = "open", "Open"
        OPEN_CLOSING = "open_closing", "Open, but proposed to close"
        PROPOSED_TO_OPEN = "proposed_to_open", "Proposed to open"
        CLOSED = "closed", "Closed"

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    urn = models.CharField("URN", max_length=6, unique=True, validators=[validate_urn])
    # Not unique: GIAS can give a closed school and its successor the same LAESTAB.
    laestab = models.CharField(
        "LAESTAB", max_length=7, blank=True, validators=[validate_laestab], db_index=True
    )
    name = models.CharField(max_length=200)
    phase = models.CharField(max_length=30, choices=Phase.choices, default=Phase.SECONDARY)
    local_authority = models.CharField(max_length=120)
    force = models.ForeignKey(Force, on_delete=models.PROTECT, related_name="schools")

    # From the DfE's register (GIAS), refreshed by each import; gias_extract_date says which.
    school_type = models.CharField("type", max_length=120, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.OPEN)
    opened_on = models.DateField(null=True, blank=True)
    closed_on = models.DateField(null=True, blank=True)
    statutory_low_age = models.PositiveSmallIntegerField(null=True, blank=True)
    statutory_high_age = models.PositiveSmallIntegerField(null=True, blank=True)
    number_of_pupils = models.PositiveIntegerField(null=True, blank=True)
    percentage_fsm = models.DecimalField(
        "pupils eligible for free school meals (%)",
        max_digits=4,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    address = models.CharField(max_length=300, blank=True)
    postcode = models.CharField(max_length=10, blank=True)
    gias_extract_date = models.DateField("GIAS extract of", null=True, blank=True)
    # The column mapping of the school's MIS export, remembered for its next roll import.
    roll_csv_mapping = models.JSONField(default=dict, blank=True)

    # The need assessment: the figures a force ranks its schools by (last 12 months).
    recorded_crimes = models.PositiveIntegerField(default=0)
    asb_incidents = models.PositiveIntegerField("ASB incidents", default=0)
    first_time_entrants = models.PositiveIntegerField(
        default=0, help_text="Pupils entering the youth justice system for the first time."
    )
    persistent_absence_pct = models.DecimalField(
        "persistent absence (%)",
        max_digits=4,
        decimal_places=1,
        default=0,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    idaci_decile = models.PositiveSmallIntegerField(
        "IDACI decile",
        default=10,
        validators=[MinValueValidator(1), MaxValueValidator(10)],
        help_text="Income Deprivation Affecting Children Index: 1 is the most deprived.",
    )
    meets_sspo_criteria = models.BooleanField(
        "meets the SSPO criteria",
        default=False,
        help_text="Schools that do not are served by the Youth Engagement Team.",
    )

    # The phases a Safer Schools Police Officer may serve.
    SECONDARY_PHASES = (Phase.SECONDARY, Phase.ALL_THROUGH, Phase.MIDDLE)

    objects = SchoolQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    @property
    def served_by_yet(self) -> bool:
        return not self.meets_sspo_criteria


class MembershipQuerySet(models.QuerySet):
    def current(self, on=None):
        on = on or today()
        return self.filter(Q(left_on__isnull=True) | Q(left_on__gt=on))

    def holding(self, user, *roles: Role):
        return self.in_role(*roles).filter(user=user)

    def in_role(self, *roles: Role):
        wanted = Q()
        for role in roles:
            wanted |= Membership.role_filter(role)
        return self.filter(wanted)

    # Who holds a role at a school, asked in one way everywhere (access, notifications,
    # pages). `school` is a school, its id, or several of either (a queryset or a list).
    # Only current places of active accounts: nobody else is told or counted.

    def of(self, school, *roles: Role, on=None):
        if isinstance(school, models.QuerySet | list | set | tuple | frozenset):
            at = Q(school__in=school)
        else:
            at = Q(school=school)
        return self.current(on).filter(at, user__is_active=True).in_role(*roles)

    def leads_of(self, school):
        """The head, the SPOC and the deputy SPOC."""
        return self.of(school, *SCHOOL_LEADS)

    def heads_of(self, school):
        return self.of(school, Role.HEAD)

    def spocs_of(self, school):
        """The SPOC and the deputy SPOC."""
        return self.of(school, *SPOCS)

    def records_owners(self):
        """Who answers for a school's records: its head and its data-protection lead."""
        return self.filter(Q(position=Membership.Position.HEAD) | Q(is_data_protection_lead=True))

    def records_owners_of(self, school):
        return self.of(school).records_owners()

    def staff_of(self, school, on=None):
        """Everyone there but the head (the SPOC and deputy are staff too)."""
        return self.of(school, Role.STAFF, on=on)


class Membership(models.Model):
    """A person's place at a school. The head names the SPOC and deputy from the SLT."""

    class Position(models.TextChoices):
        HEAD = "head", "Head teacher"
        STAFF = "staff", "Staff"

    class Designation(models.TextChoices):
        NONE = "", "None"
        SPOC = "spoc", "SPOC"
        DEPUTY = "deputy", "Deputy SPOC"

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="memberships"
    )
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="memberships")
    position = models.CharField(max_length=10, choices=Position.choices, default=Position.STAFF)
    job_title = models.CharField(max_length=120, blank=True)
    is_slt = models.BooleanField("member of the senior leadership team", default=False)
    designation = models.CharField(
        max_length=10, choices=Designation.choices, default=Designation.NONE, blank=True
    )
    # Named by the head: answers for the school's records with the head (retention review,
    # legal hold, disposal, subject access; ACCESS.md). At most one current one per school.
    is_data_protection_lead = models.BooleanField("data-protection lead", default=False)
    joined_on = models.DateField(default=today)
    left_on = models.DateField(null=True, blank=True)

    objects = MembershipQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "school"], name="one_membership_per_school"),
            models.UniqueConstraint(
                fields=["school", "designation"],
                condition=Q(designation__in=["spoc", "deputy"], left_on__isnull=True),
                name="one_spoc_and_one_deputy_per_school",
            ),
            models.CheckConstraint(
                condition=Q(designation="") | Q(is_slt=True) | Q(position="head"),
                name="spoc_must_be_slt",
            ),
            models.UniqueConstraint(
                fields=["school"],
                condition=Q(is_data_protection_lead=True, left_on__isnull=True),
                name="one_data_protection_lead_per_school",
            ),
        ]

    def __str__(self):
        return f"{self.user} at {self.school}"

    @property
    def is_current(self) -> bool:
        return self.left_on is None or self.left_on > today()

    @property
    def role_here(self) -> Role:
        if self.position == self.Position.HEAD:
            return Role.HEAD
        if self.designation == self.Designation.SPOC:
            return Role.SPOC
        if self.designation == self.Designation.DEPUTY:
            return Role.DEPUTY_SPOC
        return Role.STAFF

    @classmethod
    def role_filter(cls, role: Role) -> Q:
        return {
            Role.HEAD: Q(position=cls.Position.HEAD),
            Role.SPOC: Q(designation=cls.Designation.SPOC),
            Role.DEPUTY_SPOC: Q(designation=cls.Designation.DEPUTY),
            Role.STAFF: Q(position=cls.Position.STAFF),
        }[role]

    @property
    def answers_for_records(self) -> bool:
        """MembershipQuerySet.records_owners, asked of a membership in hand."""
        return self.position == self.Position.HEAD or self.is_data_protection_lead

    def holds(self, role: Role) -> bool:
        """role_filter, asked of a membership in hand."""
        return {
            Role.HEAD: self.position == self.Position.HEAD,
            Role.SPOC: self.designation == self.Designation.SPOC,
            Role.DEPUTY_SPOC: self.designation == self.Designation.DEPUTY,
            Role.STAFF: self.position == self.Position.STAFF,
        }[role]

    def clean(self):
        if self.designation and not (self.is_slt or self.position == self.Position.HEAD):
            raise ValidationError(
                {
                    "designation": "The SPOC and deputy must be members of the senior leadership "
                    "team."
                }
            )


class PupilQuerySet(models.QuerySet):
    def visible_to(self, user):
        # Until concerns exist, only school people reach pupils; police see pupils through
        # what was shared with them (a later capability).
        if getattr(user, "role", None) not in SCHOOL_ROLES:
            return self.none()
        return self.filter(school__in=School.objects.visible_to(user))


class Pupil(models.Model):
    # National Curriculum years; 0 is Reception. All-through schools hold the lot.
    YEAR_GROUPS = [(0, "Reception")] + [(n, f"Year {n}") for n in range(1, 15)]

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="pupils")
    # The legal names, as the school's MIS and the CTF hold them.
    first_name = models.CharField("legal forename", max_length=100)
    last_name = models.CharField("legal surname", max_length=100)
    preferred_forename = models.CharField(max_length=100, blank=True)
    preferred_surname = models.CharField(max_length=100, blank=True)
    date_of_birth = models.DateField()
    year_group = models.PositiveSmallIntegerField(choices=YEAR_GROUPS)
    # An education identifier: never a key, may change, never shown to police users.
    upn = models.CharField("UPN", max_length=13, blank=True, validators=[validate_upn])
    former_upn = models.CharField("former UPN", max_length=13, blank=True)
    # No longer on the school's roll since this day. Never deleted: the records stay.
    left_on = models.DateField(null=True, blank=True)

    objects = PupilQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["last_name", "first_name"]
        indexes = [models.Index(fields=["school", "last_name", "first_name"])]
        constraints = [
            models.UniqueConstraint(
                fields=["upn"],
                condition=Q(left_on__isnull=True) & ~Q(upn=""),
                name="upn_unique_among_current_pupils",
            )
        ]

    def __str__(self):
        return f"{self.first_name} {self.last_name}"

    def save(self, *args, **kwargs):
        if self.upn:
            self.upn = stdnum_upn.compact(self.upn)
        super().save(*args, **kwargs)


class AssignmentQuerySet(models.QuerySet):
    def current(self, on=None):
        on = on or today()
        return self.filter(Q(ends_on__isnull=True) | Q(ends_on__gte=on), starts_on__lte=on)

    def overlapping(self, starts_on, ends_on):
        """Assignments that share at least one day with [starts_on, ends_on]."""
        qs = self.filter(Q(ends_on__isnull=True) | Q(ends_on__gte=starts_on))
        if ends_on is not None:
            qs = qs.filter(starts_on__lte=ends_on)
        return qs


class Assignment(models.Model):
    """An SSPO working with a school between two dates. At most two schools at once."""

    MAX_SCHOOLS = 2

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    officer = models.ForeignKey(Officer, on_delete=models.PROTECT, related_name="assignments")
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="assignments")
    starts_on = models.DateField(default=today)
    ends_on = models.DateField(null=True, blank=True)
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )

    objects = AssignmentQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=models.F("starts_on")),
                name="assignment_ends_after_it_starts",
            )
        ]
        indexes = [models.Index(fields=["officer", "starts_on", "ends_on"])]

    def __str__(self):
        return f"{self.officer} at {self.school}"


class Invitation(models.Model):
    """An invitation to join the portal in one role. Nobody signs themselves up.

    Only a hash of the token is stored; the link in the e-mail carries the token itself,
    works once, and expires.
    """

    VALID_FOR_DAYS = 7

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    email = models.EmailField()
    first_name = models.CharField(max_length=150)
    last_name = models.CharField(max_length=150)
    role = models.CharField(max_length=20, choices=Role.choices)
    school = models.ForeignKey(
        School, on_delete=models.PROTECT, null=True, blank=True, related_name="invitations"
    )
    team = models.ForeignKey(
        Team, on_delete=models.PROTECT, null=True, blank=True, related_name="invitations"
    )
    job_title = models.CharField(max_length=120, blank=True)
    is_slt = models.BooleanField("member of the senior leadership team", default=False)
    collar_number = models.CharField(max_length=10, blank=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    history = HistoricalRecords(excluded_fields=["token_hash"])

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(school__isnull=True) | Q(team__isnull=True),
                name="invitation_to_a_school_or_a_team",
            )
        ]

    def __str__(self):
        return f"Invitation for {self.email} ({self.get_role_display()})"

    @property
    def is_usable(self) -> bool:
        return self.accepted_at is None and self.expires_at > timezone.now()


class LocalAuthority(models.Model):
    """A local authority as the DfE numbers it: the first three digits of a LAESTAB and of a
    UPN's body. Filled from each GIAS import, so new authorities are known without a release."""

    code = models.CharField(max_length=3, unique=True, validators=[RegexValidator(r"^\d{3}\Z")])
    name = models.CharField(max_length=120)
    seen_in_gias_on = models.DateField(null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["code"]

    def __str__(self):
        return f"{self.code} {self.name}"


class Intake(models.Model):
    """One import of outside data: the force's schools from GIAS, a school's roll (MIS CSV or
    CTF), or a school's staff in bulk. Parsed into a preview that writes nothing; applied all
    or nothing. The uploaded file is removed once applied or abandoned; the summary stays."""

    class Kind(models.TextChoices):
        GIAS = "gias", "Schools from GIAS"
        ROLL_CSV = "roll_csv", "Pupil roll from a MIS export (CSV)"
        ROLL_CTF = "roll_ctf", "Pupil roll from a common transfer file (CTF)"
        STAFF = "staff", "Staff invitations (CSV)"

    class Status(models.TextChoices):
        UPLOADED = "uploaded", "Uploaded"
        PREVIEWING = "previewing", "Reading the file"
        PREVIEWED = "previewed", "Ready to check"
        REFUSED = "refused", "Refused"
        APPLYING = "applying", "Applying"
        APPLIED = "applied", "Applied"
        ABANDONED = "abandoned", "Abandoned"
        FAILED = "failed", "Failed"

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    force = models.ForeignKey(
        Force, on_delete=models.PROTECT, null=True, blank=True, related_name="intakes"
    )
    school = models.ForeignKey(
        School, on_delete=models.PROTECT, null=True, blank=True, related_name="intakes"
    )
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.UPLOADED)
    # Where the upload waits under the private storage, server-named; blank once removed.
    file_name = models.CharField(max_length=200, blank=True)
    original_name = models.CharField(max_length=200, blank=True)
    file_size = models.PositiveBigIntegerField(default=0)
    # What the person chose before the preview (LA codes and phases; a CSV column mapping).
    options = models.JSONField(default=dict, blank=True)
    # Progress of the background read, for the page's progress bar.
    progress_done = models.PositiveBigIntegerField(default=0)
    progress_total = models.PositiveBigIntegerField(default=0)
    # The preview: new, changed (field by field), gone, refused lines, ambiguous matches.
    preview = models.JSONField(default=dict, blank=True)
    # A person's answers to the ambiguous matches, keyed by the preview's row key.
    decisions = models.JSONField(default=dict, blank=True)
    # What stays after the file is gone: counts only, no personal data.
    summary = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    applied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    applied_at = models.DateTimeField(null=True, blank=True)
    # The preview holds children's data: keep it out of the history rows.
    history = HistoricalRecords(excluded_fields=["preview", "decisions"])

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["school", "kind", "-created_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(force__isnull=False) | Q(school__isnull=False),
                name="intake_for_a_force_or_a_school",
            )
        ]

    def __str__(self):
        return f"{self.get_kind_display()} ({self.get_status_display()})"


# ---------------------------------------------------------------------------------------
# Allocation by need: the figures a force ranks its schools by, and the weight of each.


class NeedMeasure(models.Model):
    """One need figure a force ranks schools by, with the weight the force gives it.

    The built-in measures read the school's own fields (BUILT_IN); a force may add its own,
    whose values are SchoolNeedFigure rows. Higher means more need for every measure; for
    the IDACI decile (1 is the most deprived) the ranking inverts it.
    """

    BUILT_IN = {
        "recorded_crimes": "Recorded crime",
        "asb_incidents": "Anti-social behaviour",
        "first_time_entrants": "First-time entrants to youth justice",
        "persistent_absence_pct": "Persistent absence (truancy)",
        "idaci_decile": "Deprivation (IDACI)",
    }
    # Read from the school's fields too, but the figures come from the DfE's register (GIAS)
    # and are shown with the date of its extract. Weight 0 until the sergeant sets one, so an
    # import never moves a force's ranking by itself.
    FROM_GIAS = {
        "percentage_fsm": "Free school meals (%)",
        "number_of_pupils": "Number of pupils",
    }

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    force = models.ForeignKey(Force, on_delete=models.PROTECT, related_name="need_measures")
    key = models.SlugField(max_length=40)
    name = models.CharField(max_length=120)
    weight = models.DecimalField(
        max_digits=4,
        decimal_places=1,
        default=1,
        validators=[MinValueValidator(0), MaxValueValidator(10)],
        help_text="0 leaves the measure out; 10 counts it ten times as much as a weight of 1.",
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["force", "key"], name="need_measure_key_unique")
        ]

    def __str__(self):
        return self.name

    @property
    def is_built_in(self) -> bool:
        return self.key in self.BUILT_IN or self.key in self.FROM_GIAS

    @property
    def is_from_gias(self) -> bool:
        return self.key in self.FROM_GIAS


class SchoolNeedFigure(models.Model):
    """A school's value for one of the force's own need measures."""

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="need_figures")
    measure = models.ForeignKey(NeedMeasure, on_delete=models.PROTECT, related_name="figures")
    value = models.DecimalField(max_digits=9, decimal_places=1, validators=[MinValueValidator(0)])
    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["school", "measure"], name="one_figure_per_measure")
        ]

    def __str__(self):
        return f"{self.measure}: {self.value}"


# ---------------------------------------------------------------------------------------
# The activity log: what the SSPO and the Youth Engagement Team deliver at a school.

YEAR_GROUP_CHOICES = [(str(n), f"Year {n}") for n in range(7, 14)]


def year_groups_label(year_groups) -> str:
    """["7", "8", "10"] as "Years 7, 8 and 10"."""
    years = [str(y) for y in sorted(year_groups, key=int)]
    if not years:
        return ""
    if len(years) == 1:
        return f"Year {years[0]}"
    return f"Years {', '.join(years[:-1])} and {years[-1]}"


class SessionRequestQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The same people as the activity log: school leads, and the officers who record
        activity for the school (its SSPO, or the YET where there is none), their sergeant."""
        role = getattr(user, "role", None)
        if role in SCHOOL_LEADS:
            return self.filter(school__in=School.objects.held_as(user, *SCHOOL_LEADS))
        if role in POLICE_ROLES:
            return self.filter(school_id__in=School.objects.visible_ids(user))
        return self.none()

    def waiting(self):
        return self.filter(status=SessionRequest.Status.REQUESTED)


class SessionRequest(models.Model):
    """The SPOC asking the SSPO for a session or presentation."""

    class Status(models.TextChoices):
        REQUESTED = "requested", "Requested"
        SCHEDULED = "scheduled", "Scheduled"
        DECLINED = "declined", "Declined"
        WITHDRAWN = "withdrawn", "Withdrawn"

    # Waiting, then scheduled (as an Activity), declined or withdrawn: each final.
    MOVES = {
        Status.REQUESTED: (Status.SCHEDULED, Status.DECLINED, Status.WITHDRAWN),
        Status.SCHEDULED: (),
        Status.DECLINED: (),
        Status.WITHDRAWN: (),
    }

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="session_requests")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(default=timezone.now)
    topic = models.CharField(max_length=200)
    year_groups = models.JSONField(default=list)
    preferred_dates = models.CharField(
        max_length=300, help_text="For example: any Tuesday in May."
    )
    notes = models.TextField(blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.REQUESTED)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    answered_at = models.DateTimeField(null=True, blank=True)
    decline_reason = models.TextField(blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    objects = SessionRequestQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["-requested_at"]
        indexes = [models.Index(fields=["school", "status"])]

    def __str__(self):
        return self.topic

    def can_move_to(self, status) -> bool:
        return status in self.MOVES[self.Status(self.status)]

    @property
    def year_groups_display(self) -> str:
        return year_groups_label(self.year_groups)


class ActivityQuerySet(models.QuerySet):
    def visible_to(self, user):
        """School leads read their school's; officers the schools they hold or serve."""
        role = getattr(user, "role", None)
        if role in SCHOOL_LEADS:
            return self.filter(school__in=School.objects.held_as(user, *SCHOOL_LEADS))
        if role in POLICE_ROLES:
            return self.filter(school_id__in=School.objects.visible_ids(user))
        return self.none()


class Activity(models.Model):
    """Something the SSPO or the YET delivered (or has scheduled) at or around a school."""

    class Kind(models.TextChoices):
        PATROL = "patrol", "After-school uniform patrol"
        ADVICE = "advice", "Advice to the head teacher"
        ASSEMBLY = "assembly", "Assembly"
        GROUP_WORK = "group_work", "Group work"
        ONE_TO_ONE = "one_to_one", "One-to-one work"
        RSHE = "rshe", "RSHE session"
        INITIATIVE = "initiative", "Joint initiative"

    SESSION_KINDS = (Kind.ASSEMBLY, Kind.GROUP_WORK, Kind.ONE_TO_ONE, Kind.RSHE)

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", "Scheduled"
        DELIVERED = "delivered", "Delivered"
        CANCELLED = "cancelled", "Cancelled"

    # A scheduled session is later delivered or cancelled; both are final.
    MOVES = {
        Status.SCHEDULED: (Status.DELIVERED, Status.CANCELLED),
        Status.DELIVERED: (),
        Status.CANCELLED: (),
    }

    class Partner(models.TextChoices):
        SAFER_TRAVEL = "safer_travel", "Safer Travel team"
        SNT = "snt", "Safer Neighbourhood Team"

    class Addressed(models.TextChoices):
        TRUANCY = "truancy", "Truancy"
        ASB = "asb", "Anti-social behaviour"
        CRIME = "crime", "Crime"

    class Initiative(models.TextChoices):
        SCHOOL_WATCH = "school_watch", "School Watch"
        CADETS = "cadets", "Volunteer Police Cadets"
        OTHER = "other", "Other"

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="activities")
    officer = models.ForeignKey(Officer, on_delete=models.PROTECT, related_name="activities")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DELIVERED)
    on = models.DateField("date")
    starts_at = models.TimeField("start time", null=True, blank=True)
    ends_at = models.TimeField("end time", null=True, blank=True)
    # Patrols
    area = models.CharField(max_length=200, blank=True)
    partners = models.JSONField(default=list, blank=True)
    addressed = models.JSONField(default=list, blank=True)
    # Sessions
    theme = models.CharField(max_length=200, blank=True)
    year_groups = models.JSONField(default=list, blank=True)
    pupils_count = models.PositiveIntegerField("number of pupils", null=True, blank=True)
    # Joint initiatives
    initiative = models.CharField(max_length=20, choices=Initiative.choices, blank=True)
    notes = models.TextField(blank=True)
    session_request = models.OneToOneField(
        SessionRequest,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="activity",
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    objects = ActivityQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["-on", "-starts_at", "-pk"]
        verbose_name_plural = "activities"
        indexes = [models.Index(fields=["school", "-on"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__isnull=True)
                | Q(starts_at__isnull=True)
                | Q(ends_at__gt=models.F("starts_at")),
                name="activity_ends_after_it_starts",
            )
        ]

    def __str__(self):
        return f"{self.get_kind_display()} on {self.on}"

    def can_move_to(self, status) -> bool:
        return status in self.MOVES[self.Status(self.status)]

    @property
    def is_session(self) -> bool:
        return self.kind in self.SESSION_KINDS

    @property
    def year_groups_display(self) -> str:
        return year_groups_label(self.year_groups)

    @property
    def partners_display(self) -> str:
        return ", ".join(self.Partner(p).label for p in self.partners)

    @property
    def addressed_display(self) -> str:
        return ", ".join(self.Addressed(a).label for a in self.addressed)

"""A deterministic, idempotent demo: one force, its officers, six schools and their people."""

import datetime
import random

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone
from stdnum.gb import upn as stdnum_upn

from agreements.models import ActionPlanItem, Partnership, PartnershipEvent
from agreements.services import sharing_allowed
from incidents.models import Concern, ConcernEvent, ConcernPupil
from incidents.services import Involvement, concern_log, concern_triage
from referrals.models import Scheme
from reports.demo_agreements import publish_demo_documents, sign_both_sides
from schools.models import Activity, Assignment, Force, Membership, Officer, Pupil, School, Team
from schools.services import assignment_create
from ssp.models import User

DEMO_PASSWORD = "safer-schools-demo"  # noqa: S105 - the demo's published password

# name, urn, laestab, local authority, figures, meets the criteria, partnership
SCHOOLS = [
    (
        "Oakfield Academy",
        "137001",
        "8734001",
        "Northshire",
        (48, 61, 9, "21.4", 2),
        True,
        "active",
    ),
    (
        "Riverside High School",
        "137002",
        "8734002",
        "Northshire",
        (39, 44, 7, "18.9", 3),
        True,
        "active",
    ),
    (
        "St Aidan's Catholic School",
        "137003",
        "8734003",
        "Northshire",
        (31, 35, 5, "16.2", 4),
        True,
        "active",
    ),
    (
        "Kingsmead School",
        "137004",
        "8734004",
        "Northshire",
        (27, 30, 4, "15.0", 4),
        True,
        "active",
    ),
    (
        "Hillcrest Community College",
        "137005",
        "8734005",
        "Northshire",
        (22, 26, 4, "14.1", 5),
        True,
        "proposed",
    ),
    ("Westbrook School", "137006", "8734006", "Northshire", (6, 8, 1, "7.3", 8), False, None),
]
DEMO_CONCERNS = [
    (
        "blades",
        True,
        "A pupil was seen showing a folding knife to friends by the bike sheds "
        "at lunchtime. He said it was for protection on the walk home.",
        None,
    ),
    (
        "bullying",
        False,
        "Two pupils have been sending unkind messages in a group chat and "
        "excluding a classmate at break. The classmate was upset in form time.",
        None,
    ),
    (
        "drugs",
        False,
        "A small bag of what looked like cannabis fell out of a pupil's blazer "
        "in PE. It was handed to the head of year.",
        "shared",
    ),
    (
        "welfare",
        False,
        "Pupil has come in hungry three days running and said there is no food at home this week.",
        "in_school",
    ),
    (
        "online_safety",
        False,
        "Pupil said an adult they met in a game has asked for photos and to meet up.",
        None,
    ),
]
DEMO_SCHEMES = [
    ("Youth Diversion Programme", "Northshire Youth Justice Service", "diversion"),
    ("Mentoring for Resilience", "Northshire Children's Services", "safeguarding"),
]
DEMO_RATIONALE = {
    "shared": "Possession of drugs on site: police-relevant and must be recorded. Shared "
    "with the SSPO under the DSA.",
    "in_school": "Family support worker to visit; food bank referral. Not a police matter.",
}
DEMO_ACTIVITIES = [
    (
        3,
        "patrol",
        {
            "starts_at": datetime.time(15, 15),
            "ends_at": datetime.time(16, 30),
            "area": "High Street bus station and the park",
            "partners": ["safer_travel"],
            "addressed": ["asb", "truancy"],
        },
    ),
    (
        8,
        "assembly",
        {"theme": "Knife crime: the facts", "year_groups": ["9", "10"], "pupils_count": 310},
    ),
    (
        15,
        "rshe",
        {"theme": "Consent and the law", "year_groups": ["10"], "pupils_count": 28},
    ),
    (20, "initiative", {"initiative": "cadets", "notes": "Cadet unit open evening."}),
]
DEMO_ACTION_PLAN = [
    (
        "Pupils report feeling unsafe at the bus station after school.",
        "Weekly after-school patrols with the Safer Travel team.",
        "SSPO",
        30,
    ),
    (
        "Rising reports of knives carried for protection.",
        "Year 9 assembly and RSHE lesson on knife crime; bleed-kit training for staff.",
        "SPOC and SSPO",
        -5,
    ),
]
SSPOS = [("Dan", "Okafor", "3101"), ("Claire", "Hughes", "3102"), ("Tom", "Reed", "3103")]
SSPO_SCHOOLS = [(0, 1), (2, 3), (4,)]  # two, two and one school
FIRST_NAMES = [
    "Amelia",
    "Noah",
    "Isla",
    "Leo",
    "Ava",
    "Oscar",
    "Mia",
    "Arthur",
    "Freya",
    "Theo",
    "Ivy",
    "Finley",
    "Grace",
    "Jacob",
    "Poppy",
    "Harry",
]
LAST_NAMES = [
    "Smith",
    "Jones",
    "Taylor",
    "Brown",
    "Williams",
    "Wilson",
    "Johnson",
    "Davies",
    "Patel",
    "Robinson",
    "Wright",
    "Thompson",
    "Evans",
    "Walker",
    "White",
    "Khan",
]
STAFF_ROLES = [
    ("head", "Head teacher", True),
    ("spoc", "Deputy head (safeguarding)", True),
    ("staff1", "Head of Year 9", False),
    ("staff2", "Teacher of English", False),
    ("staff3", "Assistant head", True),
]
STAFF_FIRST = [
    "Helen",
    "Sam",
    "Ruth",
    "Omar",
    "Lucy",
    "Martin",
    "Aisha",
    "Gareth",
    "Nadia",
    "Paul",
    "Joanna",
    "Kwame",
    "Sarah",
    "David",
    "Priti",
    "Callum",
    "Fiona",
    "Tariq",
    "Emma",
    "Rhys",
    "Hannah",
    "Ben",
    "Zara",
    "Iain",
    "Megan",
    "Ade",
    "Claire",
    "Stuart",
    "Leah",
    "Imran",
]
STAFF_LAST = [
    "Marsh",
    "Ellis",
    "Parker",
    "Hussain",
    "Grant",
    "Fletcher",
    "Begum",
    "Owen",
    "Ahmed",
    "Turner",
    "Doyle",
    "Mensah",
    "Cooper",
    "Lloyd",
    "Shah",
    "Reid",
    "Bell",
    "Malik",
    "Hayes",
    "Morgan",
    "Price",
    "Carter",
    "Ali",
    "Fraser",
    "Hughes",
    "Adeyemi",
    "Ward",
    "Kerr",
    "Stone",
    "Iqbal",
]


def _slug(name: str) -> str:
    return name.removeprefix("St ").split()[0].lower().replace("'", "")


def demo_upn(laestab: str, year: int, serial: int) -> str:
    body = f"{laestab}{year % 100:02d}{serial:03d}"
    return stdnum_upn.calc_check_digit(body) + body


def _decided_concern(
    *, reference, school, staff, spoc, pupil, category, narrative, happened, recorded, triaged,
    decision,
):  # fmt: skip
    """A concern from the past, logged by `staff` and decided by `spoc`, written as the
    portal would have left it: the concern, its pupil, and its logged and triaged events."""
    concern = Concern(
        reference=reference,
        school=school,
        reported_by=staff,
        category=category,
        narrative=narrative,
        happened_at=happened,
        recorded_at=recorded,
        location=Concern.Location.IN_SCHOOL,
        status=decision,
        version=2,
        triaged_at=triaged,
        triaged_by=spoc,
    )
    concern._history_user = staff
    concern.save()
    ConcernPupil.objects.create(concern=concern, pupil=pupil, role="victim")
    ConcernEvent.objects.create(
        concern=concern,
        kind=ConcernEvent.Kind.LOGGED,
        actor=staff,
        at=recorded,
        to_status=Concern.Status.NEW,
    )
    ConcernEvent.objects.create(
        concern=concern,
        kind=ConcernEvent.Kind.TRIAGED,
        actor=spoc,
        at=triaged,
        from_status=Concern.Status.NEW,
        to_status=decision,
        rationale=DEMO_RATIONALE.get(decision, "Spoken to; no further action."),
    )
    return concern


class Command(BaseCommand):
    help = "Load the demo force, schools and people (safe to run again)."

    def handle(self, *args, **options):
        with transaction.atomic():
            people = self.seed()
        self.print_sign_ins(people)

    def person(self, email, first, last, *, superuser=False) -> User:
        user = User.objects.filter(email=email).first()
        if user is None:
            user = User.objects.create_user(
                email=email,
                password=DEMO_PASSWORD,
                first_name=first,
                last_name=last,
                is_staff=superuser,
                is_superuser=superuser,
            )
            EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
        if not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
            # The demo signs in with the DEBUG-only bypass code; this real secret is unused.
            TOTP.activate(user, generate_totp_secret())
        return user

    def seed(self) -> list[tuple[str, str]]:
        rng = random.Random(2026)
        people: list[tuple[str, str]] = []
        force, _ = Force.objects.get_or_create(name="Northshire Police")
        safer, _ = Team.objects.get_or_create(
            force=force, name="Safer Schools Team", kind=Team.Kind.SAFER_SCHOOLS
        )
        yet, _ = Team.objects.get_or_create(
            force=force, name="Youth Engagement Team", kind=Team.Kind.YOUTH_ENGAGEMENT
        )
        admin = self.person("admin@demo.example", "Alex", "Admin", superuser=True)
        people.append(("Administrator", admin.email))

        sergeant = self.person("sergeant@police.example", "Priya", "Shah")
        Officer.objects.get_or_create(
            user=sergeant,
            defaults={"team": safer, "collar_number": "2101", "rank": Officer.Rank.SERGEANT},
        )
        people.append(("Sergeant", sergeant.email))

        schools = []
        for index, (name, urn, laestab, la, figures, meets, status) in enumerate(SCHOOLS):
            crimes, asb, fte, absence, idaci = figures
            school, _ = School.objects.get_or_create(
                urn=urn,
                defaults={
                    "laestab": laestab,
                    "name": name,
                    "local_authority": la,
                    "force": force,
                    "recorded_crimes": crimes,
                    "asb_incidents": asb,
                    "first_time_entrants": fte,
                    "persistent_absence_pct": absence,
                    "idaci_decile": idaci,
                    "meets_sspo_criteria": meets,
                },
            )
            schools.append(school)
            if status:
                Partnership.objects.get_or_create(
                    school=school, defaults={"force": force, "status": status}
                )
            slug = _slug(name)
            for k, (key, title, slt) in enumerate(STAFF_ROLES):
                n = index * len(STAFF_ROLES) + k
                user = self.person(
                    f"{key}.{slug}@school.example",
                    STAFF_FIRST[n],
                    STAFF_LAST[(n * 7) % len(STAFF_LAST)],
                )
                Membership.objects.get_or_create(
                    user=user,
                    school=school,
                    defaults={
                        "position": Membership.Position.HEAD
                        if key == "head"
                        else Membership.Position.STAFF,
                        "job_title": title,
                        "is_slt": slt,
                        "designation": Membership.Designation.SPOC if key == "spoc" else "",
                    },
                )
                if index == 0 or key == "head":
                    label = {"head": "Head teacher", "spoc": "SPOC"}.get(key, "Staff")
                    people.append((f"{label}, {name}", user.email))
            if not school.pupils.exists():
                for serial in range(1, 13):
                    year_group = 7 + serial % 5
                    born = datetime.date(
                        2026 - year_group - 5, rng.randint(1, 12), rng.randint(1, 28)
                    )
                    Pupil.objects.create(
                        school=school,
                        first_name=rng.choice(FIRST_NAMES),
                        last_name=rng.choice(LAST_NAMES),
                        date_of_birth=born,
                        year_group=year_group,
                        upn=demo_upn(laestab, 2026 - year_group + 4, serial),
                    )

        documents = publish_demo_documents(force, by=sergeant)
        for partnership in Partnership.objects.filter(
            force=force, status=Partnership.Status.ACTIVE
        ).select_related("school"):
            head = Membership.objects.get(school=partnership.school, position="head").user
            sign_both_sides(partnership, documents, head=head, sergeant=sergeant)

        for (first, last, collar), held in zip(SSPOS, SSPO_SCHOOLS, strict=True):
            user = self.person(f"sspo.{last.lower()}@police.example", first, last)
            officer, _ = Officer.objects.get_or_create(
                user=user, defaults={"team": safer, "collar_number": collar}
            )
            for i in held:
                if not Assignment.objects.filter(officer=officer, school=schools[i]).exists():
                    assignment_create(
                        officer=officer,
                        school=schools[i],
                        starts_on=datetime.date(2026, 9, 1),
                        by=sergeant,
                    )
            people.append((f"SSPO, {len(held)} school{'s' if len(held) > 1 else ''}", user.email))

        yet_user = self.person("yet@police.example", "Amy", "Lewis")
        Officer.objects.get_or_create(
            user=yet_user, defaults={"team": yet, "collar_number": "4101"}
        )
        people.append(("Youth Engagement Team", yet_user.email))
        self.seed_concerns(schools)
        self.seed_history(schools)
        self.seed_records_due(schools)
        self.seed_partnership_life(schools, sergeant, yet_user)
        for name, provider, purpose in DEMO_SCHEMES:
            Scheme.objects.get_or_create(
                force=force,
                name=name,
                defaults={
                    "provider": provider,
                    "purpose": purpose,
                    "criteria": "Young people aged 10 to 17 at a partnered school.",
                    "contact": "Referrals through the Safer Schools Team",
                },
            )
        return people

    def seed_partnership_life(self, schools, sergeant, yet_user):
        """Each partnership's story so far: how it began, what the officers delivered, the
        action plan they agreed."""
        if PartnershipEvent.objects.exists():
            return
        today = timezone.localdate()
        for partnership in Partnership.objects.select_related("school").order_by("pk"):
            PartnershipEvent.objects.create(
                partnership=partnership,
                by=sergeant,
                to_status=Partnership.Status.PROPOSED,
                reason="Ranked by need in the force's annual allocation.",
                at=timezone.now() - datetime.timedelta(days=120),
            )
            if partnership.status == Partnership.Status.ACTIVE:
                PartnershipEvent.objects.create(
                    partnership=partnership,
                    by=sergeant,
                    from_status=Partnership.Status.PROPOSED,
                    to_status=Partnership.Status.ACTIVE,
                    reason="Protocol signed by the head teacher and the force.",
                    at=timezone.now() - datetime.timedelta(days=90),
                )
        for school in schools[:4]:
            assignment = Assignment.objects.current().filter(school=school).first()
            if assignment is None:
                continue
            officer = assignment.officer
            for days_ago, kind, extra in DEMO_ACTIVITIES:
                Activity.objects.create(
                    school=school,
                    officer=officer,
                    kind=kind,
                    on=today - datetime.timedelta(days=days_ago),
                    recorded_by=officer.user,
                    **extra,
                )
            spoc = Membership.objects.get(school=school, designation="spoc").user
            for problem, action, owner, due_in in DEMO_ACTION_PLAN:
                ActionPlanItem.objects.create(
                    partnership=school.partnership,
                    problem=problem,
                    action=action,
                    owner=owner,
                    due_on=today + datetime.timedelta(days=due_in),
                    created_by=spoc,
                )
        westbrook = schools[5]
        Activity.objects.create(
            school=westbrook,
            officer=yet_user.officer,
            kind=Activity.Kind.ASSEMBLY,
            on=today - datetime.timedelta(days=10),
            theme="Staying safe online",
            year_groups=["7", "8"],
            pupils_count=240,
            recorded_by=yet_user,
        )

    def seed_concerns(self, schools):
        """A few concerns at each partnered school: some waiting, some decided, one shared."""
        if Concern.objects.exists():
            return
        now = timezone.now()
        for school in schools[:5]:
            staff = Membership.objects.get(school=school, user__email__startswith="staff1.").user
            spoc = Membership.objects.get(school=school, designation="spoc").user
            pupils = list(school.pupils.order_by("pk"))
            for n, (category, risk, narrative, decision) in enumerate(DEMO_CONCERNS):
                concern = concern_log(
                    by=staff,
                    school=school,
                    kind=Concern.Kind.CONCERN,
                    category=category,
                    narrative=narrative,
                    happened_at=now - datetime.timedelta(days=n, hours=3),
                    location=Concern.Location.IN_SCHOOL,
                    immediate_risk=risk,
                    involved=[
                        Involvement(pupils[n], "victim"),
                        Involvement(pupils[n + 5], "perpetrator"),
                    ],
                )
                if decision and (decision != "shared" or sharing_allowed(school).allowed):
                    concern_triage(
                        concern=concern,
                        by=spoc,
                        decision=decision,
                        rationale=DEMO_RATIONALE[decision],
                        seen_version=1,
                    )

    def seed_history(self, schools):
        """A year of decided concerns at the partnered schools before this month, so the
        overview's charts have a history: busier in winter, quiet in August, triage mostly
        within the school day and now and then over a weekend. The same every time for the
        same month (the random numbers are seeded), and written once."""
        if Concern.objects.filter(reference__startswith="H-").exists():
            return
        rng = random.Random(2025)
        today = timezone.localdate()
        first_of_month = today.replace(day=1)
        tz = timezone.get_current_timezone()
        categories = [c for c, *_ in DEMO_CONCERNS] + ["asb", "truancy", "welfare", "bullying"]
        seasonal = {8: 0, 7: 2, 12: 3, 1: 5, 2: 5, 3: 5, 11: 6, 10: 5}  # else 4
        for index, school in enumerate(schools[:4]):
            staff = Membership.objects.get(school=school, user__email__startswith="staff2.").user
            spoc = Membership.objects.get(school=school, designation="spoc").user
            pupils = list(school.pupils.order_by("pk"))
            month = first_of_month
            for _ in range(11):  # the eleven months before this one
                month = (month - datetime.timedelta(days=1)).replace(day=1)
                for n in range(seasonal.get(month.month, 4) + rng.randint(0, 3) - index // 2):
                    happened = datetime.datetime.combine(
                        month.replace(day=rng.randint(1, 28)),
                        datetime.time(rng.randint(8, 15), rng.choice((0, 15, 30, 45))),
                        tzinfo=tz,
                    )
                    recorded = happened + datetime.timedelta(minutes=rng.randint(10, 180))
                    hours = rng.choice((0.5, 1, 1.5, 2, 3, 4, 5, 6, 20, 26, 68))
                    triaged = min(
                        recorded + datetime.timedelta(hours=hours * rng.uniform(0.8, 1.2)),
                        timezone.now(),
                    )
                    decision = rng.choice(
                        (Concern.Status.IN_SCHOOL,) * 3 + (Concern.Status.NO_FURTHER_ACTION,)
                    )
                    category = rng.choice(categories)
                    _decided_concern(
                        reference=f"H-{month:%y%m}-{index}-{n:02d}",
                        school=school,
                        staff=staff,
                        spoc=spoc,
                        pupil=pupils[rng.randrange(len(pupils))],
                        category=category,
                        narrative=dict((c, t) for c, _, t, _ in DEMO_CONCERNS).get(
                            category, "Reported by a member of staff; see the triage note."
                        ),
                        happened=happened,
                        recorded=recorded,
                        triaged=triaged,
                        decision=decision,
                    )

    def seed_records_due(self, schools):
        """A former pupil of the first school with two concerns from 2013, past their review
        date (date of birth + 25), so the head's review list has something on it; then the
        nightly job runs once, as beat would, and tells the head. Written once."""
        if Concern.objects.filter(reference__startswith="R-").exists():
            return
        from records.services import retention_sweep

        school = schools[0]
        staff = Membership.objects.get(school=school, user__email__startswith="staff1.").user
        spoc = Membership.objects.get(school=school, designation="spoc").user
        laestab = school.laestab
        pupil = Pupil.objects.create(
            school=school,
            first_name="Jordan",
            last_name="Whitfield",
            date_of_birth=datetime.date(1997, 3, 14),
            year_group=11,
            upn=demo_upn(laestab, 2008, 99),
            left_on=datetime.date(2013, 7, 19),
        )
        tz = timezone.get_current_timezone()
        for n, (month, category) in enumerate(((1, "bullying"), (5, "welfare"))):
            recorded = datetime.datetime(2013, month, 14, 11, 30, tzinfo=tz)
            _decided_concern(
                reference=f"R-13{month:02d}-{n}",
                school=school,
                staff=staff,
                spoc=spoc,
                pupil=pupil,
                category=category,
                narrative="Recorded before the portal's time; kept from the school's old files.",
                happened=recorded - datetime.timedelta(hours=2),
                recorded=recorded,
                triaged=recorded + datetime.timedelta(hours=3),
                decision=Concern.Status.IN_SCHOOL,
            )
        retention_sweep()

    def print_sign_ins(self, people):
        bypass = getattr(settings, "MFA_TOTP_INSECURE_BYPASS_CODE", None)
        out = self.stdout
        out.write("\nSSP Portal demo: http://127.0.0.1:8000\n")
        out.write(f"Every demo account's password: {DEMO_PASSWORD}\n")
        if bypass and settings.DEBUG:
            out.write(f"Authentication code (demo only, DEBUG): {bypass}\n")
        out.write("Other staff: staff1/staff2/staff3.<school>@school.example\n\n")
        width = max(len(role) for role, _ in people)
        for role, email in people:
            out.write(f"  {role.ljust(width)}  {email}\n")
        out.write("\n")

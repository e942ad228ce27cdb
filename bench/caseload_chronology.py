"""How fast are the SSPO's caseload and a pupil's chronology, next to a floor, at 10,000 and
at 100,000 concerns?

Seeds its own PostgreSQL database (dropped and created afresh), serves the portal with
gunicorn on 127.0.0.1 and prints median, p95 and requests per second for the SSPO's caseload
(the home page) and for pupils' chronologies, beside a floor page measured in the same run
(see bench/urls.py), with the queries each page makes and their plans. Run it from the
project folder:

    .venv/bin/python bench/caseload_chronology.py          # drops the benchmark database
    .venv/bin/python bench/caseload_chronology.py --keep   # keeps it, to look at plans by hand
    BENCH_SIZES=10000,100000,1000000 .venv/bin/python bench/caseload_chronology.py   # to 1M

The other roles' home pages are timed beside them: the SPOC's, a member of staff's, the head
teacher's and the sergeant's (HOMES).

Targets (issue 11): the caseload's median and every other home page's within 3x the
floor's, each chronology's within 4x, and no more than 1.2x slower at the largest size
than at the one before. It exits 1
when a target is missed, 2 when the run itself fails.
"""

import itertools
import os
import random
import re
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import harness
from bench.harness import BATCH, FLOOR, FLOOR_PATH, NARRATIVES, SCHOOLS, Page, check

SIZES = harness.SIZES
MEASURED_SHARE = 0.05  # the busiest SSPO's first school has 1 concern in 20
NEW_SHARE = 0.10  # awaiting triage
SHARED_SHARE = 0.10  # shared with the school's SSPO
IMMEDIATE_RISK_SHARE = 0.03
# Of the shared concerns: most are long dealt with, a few wait for the SSPO.
UNACKNOWLEDGED_SHARE = 0.08
NO_OUTCOME_SHARE = 0.08
# Police records, per concern, so the whole force's history grows with the concerns.
INCIDENTS_PER_CONCERN = 0.03
REFERRALS_PER_CONCERN = 0.03
CONFERENCES_PER_CONCERN = 0.01
ENQUIRIES_PER_CONCERN = 0.02
SCHEMES = 6

CASELOAD = "caseload (SSPO, 2 schools)"
LONG_SPOC = "chronology, long history (SPOC)"
LONG_SSPO = "chronology, long history (SSPO)"
TYPICAL_SPOC = "chronology, typical pupil (SPOC)"
TYPICAL_SSPO = "chronology, typical pupil (SSPO)"
# The other roles' home pages, in the same force (issue 11: every home page within 3x).
HOMES = {
    "spoc": "home (SPOC, the measured school)",
    "staff": "home (staff, logs many concerns)",
    "head": "home (head teacher, the busiest school)",
    "sergeant": "home (sergeant, 60 schools)",
}
# A caseload item, a chronology entry.
ITEM = re.compile(rb'<li><a class="govuk-link')
ENTRY = re.compile(rb'<div class="moj-timeline__item">')

# The two pupils whose chronologies are timed get a fixed history, seeded once, and are left
# out of the random concerns: their pages show the same entries at both sizes, so what grows
# is the table around them, not the page.
LONG_HISTORY = dict(concerns=60, shared=25, incidents=6, referrals=5, conferences=3, enquiries=5)
TYPICAL = dict(concerns=8, shared=2, incidents=0, referrals=1, conferences=0, enquiries=1)

REFERENCES = itertools.count(1)  # incidents' and referrals' references, unique in the run

# How the database grows from the first size to the next. "history" (the default): the
# records added are older than the first ones (2 to 10 years back) and long dealt with, as
# a force's database grows over the years, so this month's volume and the open work stay
# what they were. "busier": the same two years, ten times as busy, open work included.
GROWTH = os.environ.get("BENCH_GROWTH", "history")
if GROWTH not in ("history", "busier"):
    raise SystemExit("BENCH_GROWTH is 'history' or 'busier'")
_AGES = [(0, 2 * 365)]  # days back: the window records are seeded in now
_RESOLVED = [False]  # whether what is seeded now is all dealt with


def tables() -> list:
    """The tables these pages read, to vacuum and analyse after each round of seeding."""
    from incidents.models import (
        Concern,
        ConcernEvent,
        ConcernPupil,
        Enquiry,
        Incident,
        IncidentPupil,
        IncidentSummary,
        Share,
    )
    from referrals.models import Conference, ConferenceAction, Referral
    from schools.models import Assignment, Pupil
    from ssp.models import AccessLog

    models = (
        Concern,
        ConcernPupil,
        ConcernEvent,
        Share,
        Incident,
        IncidentPupil,
        IncidentSummary,
        Enquiry,
        Referral,
        Conference,
        Conference.pupils.through,
        ConferenceAction,
        Pupil,
        Assignment,
        AccessLog,
    )
    return [model._meta.db_table for model in models]


def main() -> int:
    return harness.main(__doc__, run)


# The run -----------------------------------------------------------------------------------


def run(server, deadline) -> int:
    rng = random.Random(20260902)
    cast = harness.seed_cast(rng)
    police = seed_police(rng, cast)
    long_pupil, typical_pupil = (_pupil(pk) for pk in cast.pupils[cast.schools[0].pk][:2])
    sspo_cookies = harness.cookies_for(police.sspo)
    spoc_cookies = harness.cookies_for(cast.spoc)
    from bench.overview import seed_head, seed_sergeant  # it imports this module

    people = {
        "spoc": cast.spoc,
        "staff": cast.reporter,
        "head": seed_head(cast),
        "sergeant": seed_sergeant(),
    }
    homes = [Page(HOMES[who], "/", harness.cookies_for(person)) for who, person in people.items()]
    pages = [
        Page(FLOOR, FLOOR_PATH, sspo_cookies),
        Page(CASELOAD, "/", sspo_cookies, row=ITEM),
        Page(LONG_SPOC, f"/pupils/{long_pupil.code}/", spoc_cookies, row=ENTRY),
        Page(LONG_SSPO, f"/pupils/{long_pupil.code}/", sspo_cookies, row=ENTRY),
        Page(TYPICAL_SPOC, f"/pupils/{typical_pupil.code}/", spoc_cookies, row=ENTRY),
        Page(TYPICAL_SSPO, f"/pupils/{typical_pupil.code}/", sspo_cookies, row=ENTRY),
        *homes,
    ]
    harness.started(server)
    rows = []
    seeded = 0
    for size in SIZES:
        if not seeded:
            seeded = seed_history(rng, cast, police, long_pupil, LONG_HISTORY, seeded)
            seeded = seed_history(rng, cast, police, typical_pupil, TYPICAL, seeded)
        seeded = grow_to(size, rng, cast, police, seeded=seeded, deadline=deadline)
        describe(cast, police)
        harness.time_pages(server.port, pages, size, rows, deadline)
    harness.plans(pages[1:], SIZES[-1], slow, deadline)
    # Issue 11: a home page within 3x the floor, a chronology within 4x.
    home_pages = {CASELOAD, *HOMES.values()}
    targets = {page.name: 3 if page.name in home_pages else 4 for page in pages[1:]}
    return harness.verdict(pages, SIZES, targets=targets)


def slow(query) -> bool:
    # Explain what costs something; the session, user and role look-ups are the floor's too.
    # The caseload's sections are a UNION, which starts with a parenthesis.
    sql = query["sql"].lstrip()
    return float(query["time"]) >= 0.003 and sql.startswith(("SELECT", "(SELECT"))


def _pupil(pk):
    from schools.models import Pupil

    return Pupil.objects.get(pk=pk)


# Seeding: the police side ------------------------------------------------------------------


class Police:
    def __init__(self, sspos, sspo, schemes, partnerships):
        self.sspos = sspos  # school pk -> its SSPO's user pk
        self.sspo = sspo  # the busiest SSPO: schools 0 (the busiest) and 1
        self.schemes = schemes  # scheme pks
        self.partnerships = partnerships  # school pk -> partnership pk


def seed_police(rng, cast) -> Police:
    """An SSPO for every two schools, assigned a year ago, and the force's schemes."""
    from django.contrib.auth.hashers import make_password
    from django.db import transaction

    from agreements.models import Partnership
    from referrals.models import Purpose, Scheme
    from schools.models import Assignment, Officer, Team
    from ssp.models import User

    team = Team.objects.get()
    unusable = make_password(None)
    with transaction.atomic():
        users = User.objects.bulk_create(
            User(
                email=f"sspo{k}@police.bench.example.org",
                first_name="Officer",
                last_name=f"{k:02d}",
                password=unusable,
            )
            for k in range(SCHOOLS // 2)
        )
        officers = Officer.objects.bulk_create(
            Officer(user=user, team=team, collar_number=f"{4000 + k}")
            for k, user in enumerate(users)
        )
        starts_on = harness.now().date() - timedelta(days=365)
        Assignment.objects.bulk_create(
            Assignment(officer=officers[i // 2], school=school, starts_on=starts_on)
            for i, school in enumerate(cast.schools)
        )
        schemes = Scheme.objects.bulk_create(
            Scheme(
                force_id=cast.schools[0].force_id,
                name=f"Bench scheme {k}",
                provider="Benchshire Youth Service",
                purpose=list(Purpose)[k % 2],
                criteria="Ages 11-17",
                contact="youth@bench.example.org",
            )
            for k in range(SCHEMES)
        )
    partnerships = dict(Partnership.objects.values_list("school_id", "pk"))
    print(f"Seeded {len(users)} SSPOs, two schools each, and {SCHEMES} schemes")
    return Police(
        sspos={school.pk: users[i // 2].pk for i, school in enumerate(cast.schools)},
        sspo=User.objects.get(pk=users[0].pk),
        schemes=[scheme.pk for scheme in schemes],
        partnerships=partnerships,
    )


class Batch:
    """Rows for one transaction, written parent first."""

    def __init__(self):
        self.concerns, self.links, self.events, self.shares = [], [], [], []
        self.incidents, self.incident_links, self.summaries = [], [], []
        self.referrals, self.conferences, self.conference_pupils, self.actions = [], [], [], []
        self.enquiries = []

    def save(self):
        from django.db import transaction

        from incidents.models import (
            Concern,
            ConcernEvent,
            ConcernPupil,
            Enquiry,
            Incident,
            IncidentPupil,
            IncidentSummary,
            Share,
        )
        from referrals.models import Conference, ConferenceAction, Referral

        with transaction.atomic():
            Concern.objects.bulk_create(self.concerns)
            for model, rows in (
                (ConcernPupil, self.links),
                (ConcernEvent, self.events),
                (Share, self.shares),
                (Incident, self.incidents),
            ):
                model.objects.bulk_create(_resolved(rows))
            for model, rows in (
                (IncidentPupil, self.incident_links),
                (IncidentSummary, self.summaries),
                (Referral, self.referrals),
                (Conference, self.conferences),
                (Enquiry, self.enquiries),
            ):
                model.objects.bulk_create(_resolved(rows))
            Conference.pupils.through.objects.bulk_create(_resolved(self.conference_pupils))
            ConferenceAction.objects.bulk_create(_resolved(self.actions))


def _resolved(rows):
    # Children were made before their parents had keys: take the keys now.
    for row in rows:
        for name in ("concern", "incident", "conference"):
            parent = row.__dict__.pop(f"_{name}", None)
            if parent is not None:
                setattr(row, f"{name}_id", parent.pk)
        yield row


def grow_to(size, rng, cast, police, *, seeded, deadline) -> int:
    """Seed concerns and their police records from `seeded` up to `size` (every size after
    the first as GROWTH says), then vacuum and analyse the tables: the number seeded."""
    seed_everything(
        rng,
        cast,
        police,
        start=seeded,
        count=size - seeded,
        deadline=deadline,
        growing=size != SIZES[0],
    )
    harness.settle(tables())
    return size


def seed_everything(rng, cast, police, *, start, count, deadline, growing=False) -> None:
    """Seed `count` concerns and their police records; `growing` (every size after the
    first) as GROWTH says."""
    history = GROWTH == "history" and growing
    _AGES[0] = (2 * 365, 10 * 365) if history else (0, 2 * 365)
    _RESOLVED[0] = history
    try:
        _seed_everything(rng, cast, police, start=start, count=count, deadline=deadline)
    finally:
        _AGES[0], _RESOLVED[0] = (0, 2 * 365), False


def _seed_everything(rng, cast, police, *, start, count, deadline) -> None:
    from incidents.models import Concern

    started = time.monotonic()
    now = harness.now()
    made = 0
    while made < count:
        check(deadline, "seeding")
        n = min(BATCH, count - made)
        batch = Batch()
        for k in range(n):
            school = _school(rng, cast)
            pupils = cast.pupils[school]
            if school == cast.schools[0].pk:
                pupils = pupils[2:]  # not the two timed pupils
            how_many = rng.choice((1, 1, 1, 2, 2, 3))
            _concern(
                rng,
                cast,
                police,
                batch,
                start + made + k,
                now,
                school,
                rng.sample(pupils, how_many),
            )
        for kind, per_concern in (
            (_incident, INCIDENTS_PER_CONCERN),
            (_referral, REFERRALS_PER_CONCERN),
            (_conference, CONFERENCES_PER_CONCERN),
            (_enquiry, ENQUIRIES_PER_CONCERN),
        ):
            for _ in range(round(n * per_concern)):
                school = _school(rng, cast)
                pupils = cast.pupils[school]
                if school == cast.schools[0].pk:
                    pupils = pupils[2:]
                kind(rng, cast, police, batch, now, school, rng.sample(pupils, 2))
        batch.save()
        made += n
    total = Concern.objects.count()
    low, high = (days // 365 for days in _AGES[0])
    print(
        f"\nSeeded {count:,} concerns with their events, shares, incidents, referrals, "
        f"conferences and enquiries ({total:,} concerns in all) in "
        f"{time.monotonic() - started:.0f} s: {low} to {high} years old"
        + (", all dealt with" if _RESOLVED[0] else "")
    )


def seed_history(rng, cast, police, pupil, history, seeded) -> int:
    """A fixed history for one pupil: so many concerns (some shared), incidents and so on."""
    now = harness.now()
    school = pupil.school_id
    batch = Batch()
    others = cast.pupils[school][2:]
    for k in range(history["concerns"]):
        shared = k < history["shared"]
        _concern(
            rng,
            cast,
            police,
            batch,
            seeded + k,
            now,
            school,
            [pupil.pk, rng.choice(others)],
            shared=shared,
        )
    for kind, make in (
        ("incidents", _incident),
        ("referrals", _referral),
        ("conferences", _conference),
        ("enquiries", _enquiry),
    ):
        for _ in range(history[kind]):
            make(rng, cast, police, batch, now, school, [pupil.pk, rng.choice(others)])
    batch.save()
    return seeded + history["concerns"]


def _school(rng, cast):
    if rng.random() < MEASURED_SHARE:
        return cast.schools[0].pk
    return cast.schools[rng.randrange(1, SCHOOLS)].pk


def _when(rng, now):
    low, high = _AGES[0]
    return now - timedelta(seconds=rng.randrange(low * 86400, high * 86400))


def _concern(rng, cast, police, batch, index, now, school, pupils, shared=None):
    from incidents.models import (
        Category,
        Concern,
        ConcernEvent,
        ConcernPupil,
        PoliceOutcome,
        Share,
    )

    reporter = rng.choice(cast.staff[school][1:])
    spoc = cast.spocs[school]
    recorded_at = _when(rng, now)
    if shared is None:
        roll = rng.random()
        new, shared = roll < NEW_SHARE, NEW_SHARE <= roll < NEW_SHARE + SHARED_SHARE
        new = new and not _RESOLVED[0]
    else:
        new = False
    if new:
        status = Concern.Status.NEW
    elif shared:
        status = Concern.Status.SHARED
    else:
        status = rng.choice(
            (
                Concern.Status.IN_SCHOOL,
                Concern.Status.EARLY_INTERVENTION,
                Concern.Status.NO_FURTHER_ACTION,
            )
        )
    triaged_at = None if new else recorded_at + timedelta(hours=rng.randrange(1, 48))
    concern = Concern(
        reference=f"BENCH-{index:07d}",
        school_id=school,
        reported_by_id=reporter,
        category=rng.choice(list(Category)),
        narrative=rng.choice(NARRATIVES),
        happened_at=recorded_at - timedelta(minutes=rng.randrange(5, 3 * 24 * 60)),
        recorded_at=recorded_at,
        location=rng.choice(list(Concern.Location)),
        immediate_risk=rng.random() < IMMEDIATE_RISK_SHARE,
        status=status,
        triaged_at=triaged_at,
        triaged_by_id=None if new else spoc,
    )
    batch.concerns.append(concern)
    for pupil in pupils:
        link = ConcernPupil(pupil_id=pupil, role=rng.choice(list(ConcernPupil.Role)))
        link._concern = concern
        batch.links.append(link)
    events = [ConcernEvent(kind="logged", actor_id=reporter, at=recorded_at, to_status="new")]
    if not new:
        events.append(
            ConcernEvent(
                kind="triaged",
                actor_id=spoc,
                at=triaged_at,
                from_status="new",
                to_status=status,
                rationale="Decided at triage.",
            )
        )
    # Referring for early intervention shares the concern with the SSPO too (the agreements
    # here are all in force), as triage does in the portal.
    if shared or status == Concern.Status.EARLY_INTERVENTION:
        sspo = police.sspos[school]
        share = Share(
            shared_by_id=spoc,
            shared_with_id=sspo,
            at=triaged_at,
            partnership_id=police.partnerships[school],
            agreement="Data sharing agreement in force",
        )
        share._concern = concern
        batch.shares.append(share)
        concern.shared_at = triaged_at
        events.append(ConcernEvent(kind="shared", actor_id=spoc, at=triaged_at))
        roll = 1.0 if _RESOLVED[0] else rng.random()
        if roll >= UNACKNOWLEDGED_SHARE:
            concern.acknowledged_at = triaged_at + timedelta(hours=rng.randrange(1, 72))
            concern.acknowledged_by_id = sspo
            events.append(
                ConcernEvent(kind="acknowledged", actor_id=sspo, at=concern.acknowledged_at)
            )
            if roll >= UNACKNOWLEDGED_SHARE + NO_OUTCOME_SHARE:
                concern.police_outcome = rng.choice(list(PoliceOutcome))
                concern.police_outcome_at = concern.acknowledged_at + timedelta(days=2)
                events.append(
                    ConcernEvent(
                        kind="police_outcome", actor_id=sspo, at=concern.police_outcome_at
                    )
                )
    for event in events:
        event._concern = concern
        batch.events.append(event)


def _incident(rng, cast, police, batch, now, school, pupils):
    from incidents.models import POLICE_RELEVANT, Incident, IncidentPupil, IncidentSummary

    sspo = police.sspos[school]
    recorded_at = _when(rng, now)
    incident = Incident(
        reference=f"INC-{next(REFERENCES):07d}",
        school_id=school,
        recorded_by_id=sspo,
        category=rng.choice(sorted(POLICE_RELEVANT)),
        narrative=rng.choice(NARRATIVES),
        location=rng.choice(list(Incident.Location)),
        happened_at=recorded_at - timedelta(hours=rng.randrange(1, 48)),
        recorded_at=recorded_at,
        status=Incident.Status.OPEN
        if rng.random() < 0.15 and not _RESOLVED[0]
        else Incident.Status.CLOSED,
    )
    batch.incidents.append(incident)
    for pupil in pupils[: rng.choice((1, 2))]:
        link = IncidentPupil(pupil_id=pupil, role=rng.choice(list(IncidentPupil.Role)))
        link._incident = incident
        batch.incident_links.append(link)
    if rng.random() < 0.3:
        summary = IncidentSummary(
            school_id=incident.school_id,
            text="Summary for the school.",
            sent_by_id=sspo,
            sent_at=recorded_at + timedelta(days=1),
        )
        summary._incident = incident
        batch.summaries.append(summary)


def _referral(rng, cast, police, batch, now, school, pupils):
    from referrals.models import Purpose, Referral

    made_at = _when(rng, now)
    weights = (0, 0, 15, 0, 45, 15) if _RESOLVED[0] else (8, 8, 15, 9, 45, 15)
    status = rng.choices(list(Referral.Status), weights=weights)[0]
    is_open = status in Referral.OPEN
    batch.referrals.append(
        Referral(
            reference=f"REF-{next(REFERENCES):07d}",
            school_id=school,
            pupil_id=pupils[0],
            scheme_id=rng.choice(police.schemes),
            purpose=rng.choice(list(Purpose)),
            reason="Referred after a shared concern.",
            young_person_consent="given",
            parent_consent="given",
            made_by_id=police.sspos[school],
            made_at=made_at,
            status=status,
            status_changed_at=made_at + timedelta(days=7),
            outcome="" if is_open else "Ended.",
            follow_up_on=(made_at + timedelta(days=rng.randrange(30, 120))).date()
            if is_open
            else None,
        )
    )


def _conference(rng, cast, police, batch, now, school, pupils):
    from referrals.models import Conference, ConferenceAction

    recorded_at = _when(rng, now)
    conference = Conference(
        school_id=school,
        held_on=recorded_at.date(),
        agencies="Children's services; CAMHS",
        attendees="SSPO, SPOC, social worker",
        decisions="Mentoring to be offered",
        rationale="Risk of exploitation",
        recorded_by_id=police.sspos[school],
        recorded_at=recorded_at,
    )
    batch.conferences.append(conference)
    for pupil in pupils[: rng.choice((1, 1, 2))]:
        link = Conference.pupils.through(pupil_id=pupil)
        link._conference = conference
        batch.conference_pupils.append(link)
    for k in range(rng.randrange(2, 5)):
        done = _RESOLVED[0] or rng.random() < 0.8
        action = ConferenceAction(
            school_id=school,
            description=f"Action {k}: offer support",
            owner="Youth service",
            due_on=(recorded_at + timedelta(days=rng.randrange(7, 60))).date(),
            done_at=recorded_at + timedelta(days=14) if done else None,
            done_by_id=police.sspos[school] if done else None,
        )
        action._conference = conference
        batch.actions.append(action)


def _enquiry(rng, cast, police, batch, now, school, pupils):
    from incidents.models import Enquiry, Side

    opened_at = _when(rng, now)
    about_pupil = rng.random() < 0.5
    batch.enquiries.append(
        Enquiry(
            school_id=school,
            sspo_id=police.sspos[school],
            about=Enquiry.About.PUPIL if about_pupil else Enquiry.About.GENERAL,
            pupil_id=pupils[0] if about_pupil else None,
            subject="About a pupil" if about_pupil else "Assembly next term",
            opened_by_id=cast.spocs[school],
            opened_at=opened_at,
            status=Enquiry.Status.CLOSED
            if _RESOLVED[0]
            else rng.choices(list(Enquiry.Status), weights=(25, 35, 40))[0],
            awaiting=rng.choice(list(Side)),
            last_message_at=opened_at + timedelta(hours=rng.randrange(1, 200)),
        )
    )


def describe(cast, police) -> None:
    from django.db.models import Count, Q

    from incidents.models import Concern, Incident
    from referrals.models import Referral

    mine = [cast.schools[0].pk, cast.schools[1].pk]
    concerns = Concern.objects.filter(school__in=mine).aggregate(
        all=Count("pk"),
        shared=Count("pk", filter=Q(status=Concern.Status.SHARED)),
        open=Count(
            "pk",
            filter=Q(status=Concern.Status.SHARED)
            & (Q(acknowledged_at__isnull=True) | Q(police_outcome="")),
        ),
    )
    incidents = Incident.objects.filter(school__in=mine).aggregate(
        all=Count("pk"), open=Count("pk", filter=Q(status="open"))
    )
    referrals = Referral.objects.filter(school__in=mine).aggregate(
        all=Count("pk"), open=Count("pk", filter=Q(status__in=Referral.OPEN))
    )
    print(
        f"The busiest SSPO's two schools: {concerns['all']:,} concerns, {concerns['shared']:,} "
        f"shared, {concerns['open']:,} still to acknowledge or act on; {incidents['all']:,} "
        f"incidents ({incidents['open']:,} open); {referrals['all']:,} referrals "
        f"({referrals['open']:,} open)"
    )


if __name__ == "__main__":
    sys.exit(main())

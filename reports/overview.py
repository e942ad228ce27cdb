"""The sergeant's overview: each partnership of the team with its agreement, SSPO, open
caseload, overdue items and latest rating, and two charts; a head teacher's the same for
their own school.

Its scope is a set of schools: the schools the sergeant's officers hold now, or the head
teacher's own. Every figure is counted in the database, grouped by school or by month, and
the page makes the same few queries however many partnerships and records there are.
Nothing here returns a record about a person, only counts.
"""

import array
import bisect
import datetime
import functools
import hashlib
import uuid
from dataclasses import dataclass, field
from typing import NamedTuple
from zoneinfo import ZoneInfo

from django.core.cache import cache
from django.db import connection
from django.db.models import (
    Case,
    Count,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    Min,
    OuterRef,
    Q,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import JSONObject
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from agreements.models import Document, Partnership, Review, Signature
from agreements.services import (
    BOTH_SIDES,
    NotInForce,
    SignatureFact,
    dsa_signature_facts,
    why_not_in_force,
)
from incidents.models import Category, Concern, Incident, Share
from referrals.models import Conference, ConferenceAction, Referral
from schools.models import Assignment, Officer, School, person_values, stand_in_person
from ssp.roles import Role
from ssp.scope import scope_of, stand_in_scope
from ssp.statements import Prepared, StandIns, prepare

from .aggregates import Median
from .caseload import ACKNOWLEDGE_WITHIN
from .models import EarlierMonths, KeptCounts
from .people import people_of

LONDON = ZoneInfo("Europe/London")
MONTHS = 12

# What counts as open and as overdue: the same rules as the SSPO's caseload page, so the two
# pages agree (reports/caseload.py).
CASELOAD = {
    "concerns": "Shared concerns to acknowledge or act on",
    "incidents": "Open incidents",
    "referrals": "Open referrals",
    "actions": "Open case conference actions",
}
OVERDUE = {
    "concerns": "Shared concerns not acknowledged within 2 days",
    "referrals": "Referral follow-ups due",
    "actions": "Case conference actions past their due date",
}
# The same, for one item.
ONE = {
    "Shared concerns to acknowledge or act on": "shared concern to acknowledge or act on",
    "Open incidents": "open incident",
    "Open referrals": "open referral",
    "Open case conference actions": "open case conference action",
    "Shared concerns not acknowledged within 2 days": (
        "shared concern not acknowledged within 2 days"
    ),
    "Referral follow-ups due": "referral follow-up due",
    "Case conference actions past their due date": "case conference action past its due date",
}


def _counted(n: int, label: str) -> tuple[str, str]:
    return str(n), ONE[label] if n == 1 else label.lower()


def scope_school_ids(user) -> list[int]:
    """The schools whose figures a person sees: a sergeant their team's, a head their own."""
    if user.role == Role.SERGEANT:
        return School.objects.visible_ids(user)
    if user.role == Role.HEAD:
        return list(School.objects.held_as(user, Role.HEAD).values_list("pk", flat=True))
    return []


class NamedSchool(NamedTuple):
    name: str
    urn: str


@dataclass(frozen=True, slots=True)
class Listed:
    """A partnership as the table shows it, with its force's current DSA (whether it is in
    force, as Partnership.objects.in_force() decided) and its latest review.

    Plain values, not a model instance: the partnerships part is kept in the cache, and
    building and pickling 60 instances cost more than reading them (Django also unpickles
    a model only under the version that pickled it)."""

    pk: int
    code: uuid.UUID
    status: str
    school_id: int
    force_id: int
    school: NamedSchool
    dsa_in_force: bool
    dsa_id: int | None
    dsa_version: int | None
    dsa_expires_on: datetime.date | None
    latest_rating: str | None
    latest_term: str | None
    latest_year: int | None

    def get_status_display(self) -> str:
        return Partnership.Status(self.status).label


@dataclass
class Row:
    """One partnership's line of the table, worked out once (the page draws 60 of them)."""

    partnership: Listed
    in_team: bool  # False: a partnership of the force no officer holds yet (no figures)
    in_force: bool
    agreement: str
    sspos: list = field(default_factory=list)  # names
    open: dict = field(default_factory=dict)
    overdue: dict = field(default_factory=dict)

    def __post_init__(self):
        p = self.partnership
        self.school = p.school
        self.sspo_names = ", ".join(self.sspos)
        self.open_items = tuple(_counted(n, CASELOAD[kind]) for kind, n in self.open.items() if n)
        self.overdue_items = tuple(
            _counted(n, OVERDUE[kind]) for kind, n in self.overdue.items() if n
        )
        self.status_tag = STATUS_TAGS[p.status]
        self.rating = Review.Rating(p.latest_rating).label if p.latest_rating else ""
        self.rating_tag = RATING_TAGS.get(p.latest_rating, "")
        self.reviewed = (
            f"{Review.Term(p.latest_term).label} {p.latest_year}" if p.latest_rating else ""
        )

    @property
    def open_total(self) -> int:
        return sum(self.open.values())

    @property
    def overdue_total(self) -> int:
        return sum(self.overdue.values())


STATUS_TAGS = {
    Partnership.Status.PROPOSED: "govuk-tag--blue",
    Partnership.Status.ACTIVE: "govuk-tag--green",
    Partnership.Status.SUSPENDED: "govuk-tag--grey",
    Partnership.Status.ENDED: "govuk-tag--grey",
}
RATING_TAGS = {
    Review.Rating.RED: "govuk-tag--red",
    Review.Rating.AMBER: "govuk-tag--orange",
    Review.Rating.GREEN: "govuk-tag--green",
}


@dataclass
class Overview:
    rows: list
    months: list  # the first day of each month, oldest first
    categories: list  # (label, [count per month], total), busiest first
    triage: list  # (month, concerns triaged, median hours or None)
    # When the next shared concern counted as on time becomes overdue (None: none will).
    overdue_from: datetime.datetime | None = None

    @property
    def in_force(self) -> int:
        return sum(row.in_force for row in self.rows)

    @property
    def open_total(self) -> int:
        return sum(row.open_total for row in self.rows)

    @property
    def overdue_total(self) -> int:
        return sum(row.overdue_total for row in self.rows)

    @property
    def concerns_total(self) -> int:
        return sum(total for _, _, total in self.categories)


# The figures as the page draws them are kept, rendered, for everyone with the same scope
# until a record they count changes (every change writes a history row, simple-history), the
# day turns, the next kept concern becomes overdue (not acknowledged within 2 days of triage:
# a matter of the clock, which no write marks), or this many seconds pass (what is drawn is
# large; its parts, below, are kept longer).
FIGURES_KEPT_FOR = 600
# What the figures are read from, in three parts, each kept on its own as well (kept_part,
# and kept_caseload school by school): a change to one draws the figures again without
# reading the others again. Not the officers' user rows: each sign-in writes one
# (last_login), and an SSPO's changed name may wait PARTS_KEPT_FOR["partnerships"].
PARTS = {
    # The partnerships' own facts: the agreement, whether it is in force and why not, the
    # SSPOs and the latest review. They change a few times a term.
    "partnerships": (Partnership, Document, Signature, Review, Assignment, Officer, School),
    # The concerns with the police: every concern logged, triaged or shared changes these.
    "concerns": (Concern, Share),
    # The police's own open records: incidents, referrals and case conference actions.
    "police": (Incident, Referral, Conference, ConferenceAction),
}
COUNTED = tuple(model for models in PARTS.values() for model in models)
# How long (seconds) the partnerships' part is kept at most. Its figures move with the day
# (an agreement's expiry), which is in the key. The hour bounds what no history row marks (a
# renamed SSPO), and a change whose history row was numbered before the newest but seen
# after it.
PARTS_KEPT_FOR = {"partnerships": 3600}
# The concerns' and the police's parts are kept school by school (kept_caseload): after a
# change only the schools whose records changed are counted again, found from the history
# rows of these models (each carries its record's school). The portal moves no record
# between schools; should a concern be moved, the drawing's look (Looks.schools) names the
# school it was at before too, as this month's counts and triage times do.
# What no history row marks, they do not count; the day, the clock and the history rows
# seen late (MONTHS_SETTLE) bound the rest.
BY_SCHOOL = {"concerns": (Concern,), "police": (Incident, Referral, ConferenceAction)}
# How long (seconds) the cache may hold them: the key names the day.
BY_SCHOOL_KEPT_FOR = 24 * 3600
# The keys' prefix, with the form of what is kept under them: a new form gets new keys, so
# a process never reads what an older release kept in another form.
KEPT = "overview6"


def kept_figures(user, school_ids, draw) -> SafeString:
    """draw(overview(user, school_ids)), from the cache when nothing counted has changed.

    The key is the scope (the schools, and for a sergeant the force whose unheld
    partnerships the table lists too), the day and the newest change to what is counted, so
    one person's figures are never another scope's, and a write shows on the next request.
    """
    if not school_ids:
        return draw(overview(user, school_ids))
    changes = _last_changes()
    key = kept_key("figures", user, school_ids, changes)
    now = timezone.now()
    kept = cache.get(key)
    # Checked here by the portal's own clock, as well as by the cache's expiry.
    if kept is None or now >= kept[0]:
        found = overview(user, school_ids, changes)
        until = _until(now, FIGURES_KEPT_FOR, found.overdue_from)
        kept = (until, str(draw(found)))
        cache.set(key, kept, FIGURES_KEPT_FOR)
    return mark_safe(kept[1])  # drawn by the portal's own template, escaped as it was drawn


def kept_part(part, user, school_ids, changes, read):
    """read(), kept for the same scope and day until a record of this part's models changes
    (changes: _last_changes()) or PARTS_KEPT_FOR[part] passes. Without `changes`, read now."""
    if changes is None:
        return read()
    key = kept_key(part, user, school_ids, changes)
    kept_for = PARTS_KEPT_FOR[part]
    now = timezone.now()
    kept = cache.get(key)
    # Checked here by the portal's own clock, as well as by the cache's expiry.
    if kept is None or now >= kept[0]:
        value = read()
        kept = (_until(now, kept_for), value)
        cache.set(key, kept, kept_for)
    return kept[1]


def _until(now, kept_for, changes_at=None) -> datetime.datetime:
    """The moment something kept now stops being used: after kept_for seconds, or at the
    moment it may change by the clock alone, if that is sooner."""
    until = now + datetime.timedelta(seconds=kept_for)
    return min(until, changes_at) if changes_at else until


def kept_key(what, user, school_ids, changes=None) -> str:
    """The key of what is kept ("figures", or one of PARTS) for this person's scope, as of
    `changes` (the newest now, if not given): a part's key reads only its own models'. A
    part kept school by school has one key for the schools and the day (by_school_key)."""
    if what in BY_SCHOOL:
        return by_school_key(what, school_ids, timezone.localdate())
    changes = _last_changes() if changes is None else changes
    if what in PARTS:
        newest = _by_model(changes)
        changes = [newest[model] for model in PARTS[what]]
    force = user.officer.team.force_id if user.role == Role.SERGEANT else ""
    scope = ",".join(map(str, sorted(school_ids)))
    digest = hashlib.sha256(f"{scope}|{','.join(map(str, changes))}".encode()).hexdigest()
    return f"{KEPT}:{what}:{user.role}:{force}:{timezone.localdate():%Y-%m-%d}:{digest}"


def by_school_key(part, school_ids, today) -> str:
    """The key of what is kept school by school (kept_by_school: a part of the caseload, or
    this month's counts) for a set of schools and a day (or month): the figures are each
    school's own, so they name no person or role."""
    return f"{KEPT}:{part}:{today:%Y-%m-%d}:{schools_digest(school_ids)}"


def schools_digest(school_ids) -> str:
    """A set of schools, as a key's last part."""
    return hashlib.sha256(",".join(map(str, sorted(school_ids))).encode()).hexdigest()


def _by_model(changes) -> dict:
    """_last_changes(), by the model each newest history row is of."""
    return dict(zip(COUNTED, changes, strict=True))


def _last_changes() -> tuple:
    """The newest history row of each model the figures count, in one query (each a step
    down a primary key)."""
    sql, params = _last_changes_statement(connection.alias)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone() or ()


@functools.cache
def _last_changes_statement(alias) -> tuple[str, tuple]:
    """_last_changes' statement, compiled once per process: it names no person, school or
    moment, so it is the same for every request, and building and compiling its thirteen
    subqueries cost the page kept in the cache more than running them. (Read beside any one
    school: the statement needs a row to select from.)"""
    newest = {
        f"newest_{model._meta.model_name}": Subquery(
            model.history.order_by("-history_id").values("history_id")[:1]
        )
        for model in COUNTED
    }
    query = School.objects.order_by().annotate(**newest).values_list(*newest)[:1].query
    sql, params = query.get_compiler(using=alias).as_sql()
    return sql, tuple(params)


def overview(user, school_ids=None, changes=None) -> Overview:
    """The figures; with `changes` (_last_changes()), each part unchanged since it was last
    read comes from the cache (kept_part)."""
    today = timezone.localdate()
    if school_ids is None:
        school_ids = scope_school_ids(user)
    months = last_months(today)
    # The concerns' newest history row (0 if none yet): None would mean "not known".
    newest = (_by_model(changes)[Concern] or 0) if changes else None
    looks = Looks()  # each part kept school by school looks along the concerns' history
    counts, triage = month_figures(school_ids, months, newest, looks)
    rows, overdue_from = _partnership_rows(user, school_ids, today, changes, looks)
    looks.store_all()
    return Overview(
        rows=rows,
        months=months,
        categories=concerns_by_category(counts, months),
        triage=triage_times(triage, months),
        overdue_from=overdue_from,
    )


# The partnerships table --------------------------------------------------------------------


def partnership_rows(user, school_ids, today, changes=None) -> list[Row]:
    return _partnership_rows(user, school_ids, today, changes)[0]


def _partnership_rows(
    user, school_ids, today, changes=None, looks=None
) -> tuple[list[Row], datetime.datetime | None]:
    """The rows, and when the next shared concern counted as on time becomes overdue."""
    facts = kept_part(
        "partnerships",
        user,
        school_ids,
        changes,
        lambda: partnership_facts(user, school_ids, today),
    )
    open_, overdue, overdue_from = {}, {}, None
    for part in BY_SCHOOL:
        found = kept_caseload(part, school_ids, changes, today, looks, stored=True)
        open_.update(found.open)
        overdue.update(found.overdue)
        overdue_from = found.overdue_from or overdue_from
    team = set(school_ids)
    rows = [
        Row(
            partnership=p,
            in_team=p.school_id in team,
            in_force=in_force,
            agreement=agreement,
            sspos=sspos,
            open={kind: open_.get((p.school_id, kind), 0) for kind in CASELOAD},
            overdue={kind: overdue.get((p.school_id, kind), 0) for kind in OVERDUE},
        )
        for p, in_force, agreement, sspos in facts
    ]
    return rows, overdue_from


def partnership_facts(user, school_ids, today) -> list[tuple]:
    """(partnership, in force, the agreement in a few words, the SSPOs' names) for each of
    the person's partnerships, in the table's order."""
    partnerships = _partnerships(user, school_ids, today)
    signatures = dsa_signature_facts(
        [p.pk for p in partnerships if _needs_signatures_to_explain(p, today)]
    )
    sspos = _sspos([p.school_id for p in partnerships], today)
    return [
        (p, *agreement_status(p, signatures.get(p.pk, []), today), sspos.get(p.school_id, []))
        for p in partnerships
    ]


# What the table and its CSV show of a partnership and its school.
PARTNERSHIP_FIELDS = ("id", "code", "status", "school", "force", "school__name", "school__urn")


def _partnerships(user, school_ids, today) -> list[Listed]:
    """The person's partnerships (Listed), in the table's order.

    The statement is built once per process for each shape (ssp.statements), through the
    same rules with stand-ins; each request runs it with its own person, schools and day."""
    values = {
        **person_values(user),
        "visible": scope_of(user).visible_school_ids,
        "schools": list(school_ids),
        "today": today,
    }
    shape = (user.role, len(values["visible"]), len(values["schools"]))
    found = []
    rows = _partnerships_statement(Partnership.objects.db, *shape).rows(values)
    for pk, code, status, school_id, force_id, name, urn, dsa, in_force, review in rows:
        dsa, review = dsa or {}, review or {}
        expires_on = dsa.get("expires_on")
        found.append(
            Listed(
                pk=pk,
                code=code,
                status=status,
                school_id=school_id,
                force_id=force_id,
                school=NamedSchool(name, urn),
                dsa_in_force=bool(in_force),
                dsa_id=dsa.get("id"),
                dsa_version=dsa.get("version"),
                dsa_expires_on=datetime.date.fromisoformat(expires_on) if expires_on else None,
                latest_rating=review.get("rating"),
                latest_term=review.get("term"),
                latest_year=review.get("year"),
            )
        )
    return found


def _partnerships_query(user, school_ids, today):
    """_partnerships' statement as the rules build it. The DSA's and the review's fields each
    come in one subquery, as a JSON object: three subqueries of the same row cost three
    times to plan."""
    current_dsa = Document.objects.current_of(OuterRef("force"), Document.Kind.DSA)
    latest = Review.objects.filter(partnership=OuterRef("pk")).order_by("-period_start", "-pk")
    partnerships = Partnership.objects.visible_to(user)
    if user.role == Role.HEAD:
        partnerships = partnerships.filter(school_id__in=school_ids)
    return (
        partnerships.annotate(
            dsa=Subquery(
                current_dsa.values(
                    json=JSONObject(id="pk", version="version", expires_on="expires_on")
                )[:1]
            ),
            dsa_in_force=Exists(Partnership.objects.in_force(today).filter(pk=OuterRef("pk"))),
            latest=Subquery(
                latest.values(json=JSONObject(rating="rating", term="term", year="academic_year"))[
                    :1
                ]
            ),
        )
        .order_by("school__name", "pk")
        .values_list(*PARTNERSHIP_FIELDS, "dsa", "dsa_in_force", "latest")
    )


# One statement per shape (role, schools seen, schools asked about); a few hundred at most.
@functools.lru_cache(maxsize=256)
def _partnerships_statement(alias, role, visible: int, schools: int) -> Prepared:
    def build(stand_in: StandIns):
        user = stand_in_person(stand_in, role)
        today = stand_in.day("today")
        facts = {"visible_school_ids": stand_in.ids("visible", visible), "today": today}
        with stand_in_scope(user, **facts):
            return _partnerships_query(user, stand_in.ids("schools", schools), today)

    return prepare(build, alias)


def _why_not(p, today, signatures=None) -> NotInForce:
    return why_not_in_force(
        status=p.status,
        dsa_id=p.dsa_id,
        dsa_expires_on=p.dsa_expires_on,
        today=today,
        signatures=signatures,
    )


def _needs_signatures_to_explain(p, today) -> bool:
    return not p.dsa_in_force and _why_not(p, today).cause == NotInForce.SIGNATURES


WHO = {
    frozenset({Signature.Side.SCHOOL}): "the school",
    frozenset({Signature.Side.FORCE}): "the force",
    frozenset(BOTH_SIDES): "either side",
}


def agreement_status(p, signatures: list[SignatureFact], today) -> tuple[bool, str]:
    """Whether the partnership's DSA is in force, and if not why not, in a few words.

    In force is decided by Partnership.objects.in_force() (annotated on p); why not is
    agreements.services.why_not_in_force's, from the signatures of the force's DSA versions.
    """
    if p.dsa_in_force:
        return True, f"In force until {p.dsa_expires_on:%-d %B %Y}"
    why = _why_not(p, today, signatures)
    if why.cause == NotInForce.STATUS:
        return False, f"Partnership {p.get_status_display().lower()}"
    if why.cause == NotInForce.UNPUBLISHED:
        return False, "The force has not published an agreement"
    if why.cause == NotInForce.EXPIRED:
        return False, f"Expired at the end of {p.dsa_expires_on:%-d %B %Y}"
    if why.cause == NotInForce.REVOKED:
        return False, f"Revoked on {why.revoked_on:%-d %B %Y}"
    if why.cause == NotInForce.NEW_VERSION:
        return False, f"New version {p.dsa_version} awaiting signature by {WHO[why.missing]}"
    if why.cause == NotInForce.UNSIGNED:
        return False, f"Not signed by {WHO[why.missing]}"
    return False, "Not in force"


def _sspos(school_ids, today) -> dict[int, list[str]]:
    """The names of each school's SSPOs now (reports.people: names only, no people's rows)."""
    return {
        school_id: [sspo.name for sspo in people.sspos]
        for school_id, people in people_of(school_ids, today, leads=False).items()
        if people.sspos
    }


class Caseload(NamedTuple):
    open: dict  # {(school id, kind): open items}
    overdue: dict  # {(school id, kind): overdue items}
    # When the first shared concern counted as on time becomes overdue; None for the
    # police's records (overdue by the day) and when no concern waits on time.
    overdue_from: datetime.datetime | None = None


class Counted(NamedTuple):
    """One school's open and overdue items of one part, as counted (kept_caseload)."""

    until: datetime.datetime  # when it must be counted again, with no write: see _count
    open: dict  # {kind: open items}
    overdue: dict  # {kind: overdue items}
    overdue_from: datetime.datetime | None  # as Caseload's, for this school


def _caseload(part, school_ids, now, today) -> Caseload:
    """Open and overdue items per school and kind, of one part: "concerns" (those with the
    police) or "police" (incidents, referrals and conference actions)."""
    return _together(_count(part, school_ids, now, today))


def _count(part, school_ids, now, today) -> dict[int, Counted]:
    """Each school's Counted, of one part (three GROUP BYs in a UNION for "police"). One
    query, built once per process for each number of schools (ssp.statements)."""
    if not school_ids:
        return {}
    values = {"schools": list(school_ids), "late": now - ACKNOWLEDGE_WITHIN, "today": today}
    statement = _caseload_statement(Concern.objects.db, part, len(school_ids))
    found = {school_id: ({}, {}, []) for school_id in school_ids}
    for school_id, kind, count, late_count, *on_time in statement.rows(values):
        open_, overdue, first = found[school_id]
        open_[kind], overdue[kind] = count, late_count
        first += [triaged for triaged in on_time if triaged is not None]
    # Counted again at the day's end (what is overdue moves with the day), or when the
    # first concern still on time becomes overdue (the clock alone changes that).
    midnight = _start(today + datetime.timedelta(days=1))
    counted = {}
    for school_id, (open_, overdue, first) in found.items():
        overdue_from = min(first) + ACKNOWLEDGE_WITHIN if first else None
        until = min(midnight, overdue_from) if overdue_from else midnight
        counted[school_id] = Counted(until, open_, overdue, overdue_from)
    return counted


def _together(counted) -> Caseload:
    """Schools' Counted, as one Caseload."""
    open_, overdue = {}, {}
    for school_id, found in counted.items():
        open_.update({(school_id, kind): n for kind, n in found.open.items()})
        overdue.update({(school_id, kind): n for kind, n in found.overdue.items()})
    first = [found.overdue_from for found in counted.values() if found.overdue_from]
    return Caseload(open_, overdue, min(first, default=None))


def kept_caseload(part, school_ids, changes, today, looks=None, stored=False) -> Caseload:
    """_caseload(part, ...), kept school by school for the schools and the day (kept_by_school:
    counted again are only the schools whose records changed, and those whose figures the
    clock has moved, Counted.until). Without `changes` (_last_changes()), counted now.
    looks: the drawing's Looks, if other parts look along the same history. stored: read
    from and stored in the database too (the overview's; a home page's one or two schools
    are counted again at less than the cost of a write)."""
    now = timezone.now()
    if changes is None or not school_ids:
        return _caseload(part, school_ids, now, today)
    newest = _by_model(changes)
    models = BY_SCHOOL[part]
    counted = kept_by_school(
        by_school_key(part, school_ids, today),
        models,
        tuple(newest[model] or 0 for model in models),
        school_ids,
        lambda due: _count(part, due, now, today),
        now,
        looks,
        stored=stored,
    )
    return _together(counted)


def kept_by_school(
    key, models, marks, school_ids, count, now, looks=None, read=None, stored=False
) -> dict:
    """{school: count([...])[school]}, kept under `key` school by school: count(schools)
    gives each school's figures, each with the moment it must be counted again by the
    clock alone (`until`). Counted again are only the schools with a history row of the
    models not seen when they were last counted, and those whose moment has come. Kept in
    the cache, with whether it is stored; with `stored`, stored in the database too
    whenever a school is counted (KeptCounts) or it is not stored yet (a home page counted
    it), to be read from there when the cache has lost it: what was seen is stored with the
    counts, so the look goes on from there and counts again only the schools changed since.

    marks: the newest history row of each model (_last_changes()). The rows not seen are
    found by their numbers (Seen): those numbered after the highest seen, and those
    numbered before it that were missing then (a transaction that had not yet committed).
    So a look reads only the rows written since, however busy the hour; through `looks`
    (Looks), if given, once for every part of the drawing that looks from the same place.
    read: what a look reads of each row (Seen.look), the schools it changes; by default
    the row's school (_rows_after)."""
    kept = cache.get(key)
    # Lost by the cache: from the database, as last counted (KeptCounts).
    lost = kept is None
    if lost and stored:
        kept = stored_counts(key, now)
    looked = kept is None or kept[0].looks_for(marks)
    if kept is None:
        # Every row of the last hour, read before counting: the rows missing among them
        # are the ones to look for next time.
        seen, counted, in_store = Seen.first(models, marks, now), {}, False
    else:
        seen, counted, in_store = kept
        if looked:
            seen, schools = seen.look(models, now, read or (looks.schools if looks else None))
            changed = {pk for found in schools for pk in found}
            counted = {pk: found for pk, found in counted.items() if pk not in changed}
    due = {pk for pk in school_ids if pk not in counted}
    due |= {pk for pk, found in counted.items() if now >= found.until}
    if due:
        counted = {**counted, **count(sorted(due))}
        in_store = False
    # What a home page counted (it does not store) is stored by the next overview.
    to_store = stored and not in_store
    if to_store:
        store_counts(key, seen, counted, now, looks)
        in_store = True
    if due or looked or lost or to_store:
        cache.set(key, (seen, counted, in_store), BY_SCHOOL_KEPT_FOR)
    return {pk: counted[pk] for pk in school_ids}


def stored_counts(key, now) -> tuple | None:
    """(Seen, {school: its counts}, True: as stored) as kept_by_school last stored them
    under a key, or None if not stored or expired. Every moment stored is a string, and
    nothing else is."""
    row = _stored_row(key, now)
    if row is None:
        return None
    counted = {}
    for school_id, (kind, *values) in row.counted.items():
        counted[int(school_id)] = STORED[kind](*map(_moment, values))
    return _seen_of(row.seen), counted, True


def _stored_row(key, now) -> KeptCounts | None:
    """The KeptCounts row stored under a key, unless it has expired."""
    return KeptCounts.objects.filter(key=key, until__gt=now).first()


def store_counts(key, seen, counted, now, looks=None) -> None:
    """Stores what kept_by_school keeps under a key in the database too, in place of what
    was stored under it, for as long as the cache may hold it: with the drawing's other
    parts when `looks` (the drawing's Looks) is given (Looks.store_all), else now."""
    counted = {pk: [type(found).__name__, *map(_text, found)] for pk, found in counted.items()}
    _store_later(
        KeptCounts(key=key, seen=_seen_text(seen), counted=counted), BY_SCHOOL_KEPT_FOR, now, looks
    )


def _store_later(row, kept_for, now, looks) -> None:
    """Stores a row for kept_for seconds: with the drawing's other parts when `looks`
    is given (Looks.store_all), else now."""
    row.until = now + datetime.timedelta(seconds=kept_for)
    if looks is None:
        _store([row])
    else:
        looks.stored[row.key] = row


def _text(value):
    """A moment as stored (a string); anything else as it is."""
    return value.isoformat() if isinstance(value, datetime.datetime) else value


def _moment(value):
    """A moment from what is stored (every moment stored is a string, nothing else is)."""
    return datetime.datetime.fromisoformat(value) if isinstance(value, str) else value


def _seen_text(seen) -> dict:
    """A Seen, as stored: the missing numbers grouped by the moment each was first found
    missing (most are found at once)."""
    missing = []
    for gaps in seen.missing:
        found = {}
        for n, at in gaps.items():
            found.setdefault(_text(at), []).append(n)
        missing.append(found)
    return {"highest": list(seen.highest), "missing": missing}


def _seen_of(stored) -> "Seen":
    """_seen_text's Seen."""
    return Seen(
        tuple(stored["highest"]),
        tuple(
            {n: _moment(at) for at, numbers in gaps.items() for n in numbers}
            for gaps in stored["missing"]
        ),
    )


def _store(rows) -> None:
    """KeptCounts rows in place of those stored under the same keys: one statement,
    however many ask at once, in the keys' order (two drawings upserting the same rows in
    another order could wait on each other)."""
    KeptCounts.objects.bulk_create(
        sorted(rows, key=lambda row: row.key),
        update_conflicts=True,
        unique_fields=["key"],
        update_fields=["until", "seen", "counted", "packed"],
    )


# How many numbers below the first history row of the hour are looked for, at most, when a
# part is first counted (numbers taken before it, by rows not yet committed or never).
MISSING_BELOW = 1000


@dataclass(frozen=True)
class Seen:
    """What a part kept school by school has seen of its models' history rows, one entry
    per model: the highest row number seen, and the lower numbers missing when it was seen
    (with when they were first found missing). A number is taken when a row is written, so
    a row seen late, written in a transaction that committed after a look, is either
    numbered after the highest seen or among the missing. One missing for over
    MONTHS_SETTLE (an hour, longer than any transaction takes) was never committed and is
    forgotten."""

    highest: tuple  # per model
    missing: tuple  # per model: {row number: first found missing at}

    @classmethod
    def first(cls, models, marks, now) -> "Seen":
        """From the rows of the last hour: the missing are the numbers not found between
        the newest row written before the hour and the highest."""
        found = _rows_since(models, now - datetime.timedelta(seconds=MONTHS_SETTLE))
        highest, missing = [], []
        for mark, (rows, before) in zip(marks, found, strict=True):
            top = max(mark, *rows) if rows else mark
            # With no row in the hour, a row written in it and seen late is numbered after
            # the highest. Below the hour's first row, at most MISSING_BELOW numbers.
            low = max(min(before + 1, *rows), min(rows) - MISSING_BELOW) if rows else top + 1
            highest.append(top)
            missing.append({n: now for n in range(low, top + 1) if n not in rows})
        return cls(tuple(highest), tuple(missing))

    def looks_for(self, marks) -> bool:
        """Whether a look may find rows not seen: a newer row numbered, or some missing."""
        return marks != self.highest or any(self.missing)

    def look(self, models, now, read=None) -> tuple["Seen", list]:
        """(what is seen after a look for the rows not seen, what is read of those found,
        in the order they were numbered).

        read(models, highest, missing): {row number: what is read of it} of each model's
        rows numbered after its highest or among its missing; by default, the row's school
        as (school,) (_rows_after)."""
        found = (read or _rows_after)(models, self.highest, self.missing)
        forget_before = now - datetime.timedelta(seconds=MONTHS_SETTLE)
        highest, missing, read_of = [], [], []
        for top, gaps, rows in zip(self.highest, self.missing, found, strict=True):
            read_of += (rows[n] for n in sorted(rows))
            new_top = max(top, *rows) if rows else top
            still = {n: at for n, at in gaps.items() if n not in rows and at >= forget_before}
            still.update({n: now for n in range(top + 1, new_top + 1) if n not in rows})
            highest.append(new_top)
            missing.append(still)
        return Seen(tuple(highest), tuple(missing)), read_of


class Looks:
    """The rows one drawing has read along the concerns' history, so that the parts which
    look along it from the same place (the caseload, this month's counts and its triage
    times, each kept with its own Seen) read them once: one query where there were three,
    after every change to a concern. A part that looks from further on (a home page drew
    it since) is served from the rows read, when they cover its look; otherwise it reads
    its own. Each row is read as a TriageChange, which names its school. Other models'
    looks are read as they come (_rows_after).

    What the drawing's parts counted is stored with it too, in one statement at its end
    (store_all): one where a change to all three parts made two."""

    def __init__(self):
        self._read = []  # [(highest, missing numbers, {row number: TriageChange})]
        self.stored = {}  # {key: KeptCounts row}, to store (store_counts)

    def store_all(self) -> None:
        """Stores what the drawing's parts counted (store_counts), in one statement."""
        if self.stored:
            _store(self.stored.values())
            self.stored = {}

    def changes(self, models, highest, missing) -> list[dict]:
        """_triage_rows_after(...), read once for this drawing."""
        (top,), (gaps,) = highest, missing
        for read_top, read_gaps, found in self._read:
            if top >= read_top and all(n > read_top or n in read_gaps for n in gaps):
                return [{n: c for n, c in found.items() if n > top or n in gaps}]
        [found] = _triage_rows_after(models, highest, missing)
        self._read.append((top, set(gaps), found))
        return [found]

    def months_schools(self, start):
        """A read for Seen.look: {row number: the schools whose count of concerns logged
        since `start` the row moves (_moves_month)}."""

        def read(models, highest, missing):
            return [
                {n: _moves_month(c, start) for n, c in found.items()}
                for found in self.changes(models, highest, missing)
            ]

        return read

    def schools(self, models, highest, missing) -> list[dict]:
        """_rows_after(...): {row number: the schools it changes} of each model; a
        concern's, from what the drawing read, the school it was at before too."""
        if tuple(models) != (Concern,):
            return _rows_after(models, highest, missing)
        return [
            {n: _schools_of(c) for n, c in found.items()}
            for found in self.changes(models, highest, missing)
        ]


def _schools_of(change) -> tuple:
    """The schools a concern's change (TriageChange) is at: its school, and the one it
    was at before if it moved."""
    return tuple({values[0] for values in (change.now, change.before) if values})


def _rows_since(models, moment) -> list[tuple[dict, int]]:
    """[({row number: school}, the number of the newest row written before)] of each
    model's history rows written since a moment, in one query: a step along each history's
    dates (and one back from the moment, once for each model)."""
    rows = _history_query(
        models,
        [Q(history_date__gte=moment)] * len(models),
        before=lambda model: Subquery(
            model.history.filter(history_date__lt=moment)
            .order_by("-history_date", "-history_id")
            .values("history_id")[:1]
        ),
    )
    found, befores = [{} for _ in models], [0] * len(models)
    for i, number, school_id, before in rows:
        found[i][number] = school_id
        befores[i] = before or 0
    return list(zip(found, befores, strict=True))


def _rows_after(models, highest, missing) -> list[dict]:
    """[{row number: (its school,)}] of each model's history rows numbered after its highest
    seen or among its missing, in one query (a step along each history's numbers), built once
    per process for each number missing (ssp.statements): most looks find a row or two,
    and building the query cost more than running it."""
    missing = [sorted(gaps) for gaps in missing]
    statement = _look_statement(
        Concern.objects.db, tuple(models), tuple(len(gaps) for gaps in missing)
    )
    values = {f"highest_{i}": top for i, top in enumerate(highest)}
    values.update({f"missing_{i}": gaps for i, gaps in enumerate(missing) if gaps})
    found = [{} for _ in models]
    for i, number, school_id, _ in statement.rows(values):
        found[i][number] = (school_id,)
    return found


@functools.lru_cache(maxsize=256)
def _look_statement(alias, models, missing: tuple) -> Prepared:
    def build(stand_in: StandIns):
        conditions = [
            _not_seen(stand_in, f"highest_{i}", f"missing_{i}", count)
            for i, count in enumerate(missing)
        ]
        return _history_query(models, conditions)

    return prepare(build, alias)


def _not_seen(stand_in: StandIns, highest: str, missing: str, count: int) -> Q:
    """History rows numbered after the highest seen, or among the `count` missing."""
    condition = Q(history_id__gt=stand_in.id(highest))
    if count:
        condition |= Q(history_id__in=stand_in.ids(missing, count))
    return condition


def _history_query(models, conditions, before=None):
    """(model's index, row number, school, before(model) or None) of each model's history
    rows meeting its condition, as one query."""
    nothing = Value(None, output_field=IntegerField())
    first, *more = (
        model.history.filter(condition)
        .order_by()
        .values_list(Value(i), "history_id", "school_id", before(model) if before else nothing)
        for i, (model, condition) in enumerate(zip(models, conditions, strict=True))
    )
    # Unordered: a history's own ordering names a column the union does not select.
    return first.union(*more, all=True).order_by() if more else first


class WithThePolice(NamedTuple):
    open: int  # shared concerns to acknowledge or act on
    overdue: int  # of them, not acknowledged within 2 days


def with_the_police(user, school_ids) -> WithThePolice:
    """The shared concerns of these schools still with the police, and how many of them
    have waited over 2 days for an acknowledgement, for a home page: the overview's own
    count, and kept as the overview keeps it (kept_caseload), so the page counts again only
    the schools whose concerns have changed."""
    changes = _last_changes() if school_ids else None
    caseload = kept_caseload("concerns", school_ids, changes, timezone.localdate())
    return WithThePolice(sum(caseload.open.values()), sum(caseload.overdue.values()))


@functools.lru_cache(maxsize=256)
def _caseload_statement(alias, part, schools: int) -> Prepared:
    return prepare(
        lambda stand_in: _caseload_query(
            part,
            stand_in.ids("schools", schools),
            stand_in.moment("late"),
            stand_in.day("today"),
        ),
        alias,
    )


def _caseload_query(part, school_ids, late, today):
    if part == "concerns":
        # Waiting for the police: shared (or referred for early intervention and passed
        # on), no outcome recorded yet. The SSPO's caseload counts the same; here the
        # concern's own shared_at says it was shared, rather than a look for its Share
        # (concern_overview_open holds just these).
        return (
            Concern.objects.filter(
                school_id__in=school_ids,
                status__in=(Concern.Status.SHARED, Concern.Status.EARLY_INTERVENTION),
                police_outcome="",
                shared_at__isnull=False,
            )
            .values("school_id")
            .annotate(
                kind=Value("concerns"),
                open=Count("pk"),
                overdue=Count("pk", filter=Q(acknowledged_at__isnull=True, triaged_at__lt=late)),
                # The first triaged of those still on time: it is overdue next.
                on_time=Min(
                    "triaged_at", filter=Q(acknowledged_at__isnull=True, triaged_at__gte=late)
                ),
            )
            .values_list("school_id", "kind", "open", "overdue", "on_time")
            .order_by()
        )
    incidents = (
        Incident.objects.filter(school_id__in=school_ids, status=Incident.Status.OPEN)
        .values("school_id")
        .annotate(kind=Value("incidents"), open=Count("pk"), overdue=Value(0))
        .values_list("school_id", "kind", "open", "overdue")
        .order_by()  # no ordering inside a UNION (SQLite refuses it)
    )
    referrals = (
        Referral.objects.filter(school_id__in=school_ids)
        .open()
        .values("school_id")
        .annotate(
            kind=Value("referrals"),
            open=Count("pk"),
            overdue=Count("pk", filter=Q(follow_up_on__lte=today)),
        )
        .values_list("school_id", "kind", "open", "overdue")
        .order_by()  # no ordering inside a UNION (SQLite refuses it)
    )
    actions = (
        ConferenceAction.objects.filter(school_id__in=school_ids, done_at__isnull=True)
        .values("school_id")
        .annotate(
            kind=Value("actions"),
            open=Count("pk"),
            overdue=Count("pk", filter=Q(due_on__lt=today)),
        )
        .values_list("school_id", "kind", "open", "overdue")
        .order_by()
    )
    return incidents.union(referrals, actions, all=True)


# The charts' figures -----------------------------------------------------------------------

# Earlier months' figures are kept for the month, and counted again when a concern logged
# before it changes (a late triage, a disposal); this month's counts are kept school by
# school (_this_month), and its triage times for the schools together, counted again when a
# change moves them (_this_months_triage). A month's concerns and their categories never
# change once it is over; its triage times change only when a concern logged then is
# triaged late. Every such change writes a history row that carries the concern's logging
# moment, so it is found among the history rows written since the figures were last
# checked. But a history row is numbered and dated when it is written and seen only when
# its transaction ends: so the look goes back this long (seconds) before the last check,
# longer than any transaction takes, past the rows already seen then; and it is made at
# least this often even when no newer row has been numbered.
MONTHS_SETTLE = 3600
# How long (seconds) the cache may hold them: the key names the month, so a month's figures
# are not read once it is over.
MONTHS_KEPT_FOR = 32 * 24 * 3600


def last_months(today) -> list[datetime.date]:
    """The first day of each of the last 12 months, this one included, oldest first."""
    year, month = today.year, today.month
    months = []
    for _ in range(MONTHS):
        months.append(datetime.date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return months[::-1]


def _start(month: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(month, datetime.time.min, tzinfo=LONDON)


def _counts(school_ids, months, since) -> dict:
    """{(month, category): concerns logged} since the start of one of the months."""
    statement = _month_statement(Concern.objects.db, "counts", len(school_ids))
    return {
        (months[month], category): count
        for month, category, count in statement.rows(_month_values(school_ids, months, since))
    }


class MonthCounted(NamedTuple):
    """One school's concerns logged this month, by category (_this_month)."""

    until: datetime.datetime  # the month's end (its key names the month)
    counts: dict  # {category: concerns logged}


# What kept_by_school keeps, as stored in the database (KeptCounts), by the name of its type.
STORED = {"Counted": Counted, "MonthCounted": MonthCounted}


def _this_month(school_ids, months, newest_change, now, looks=None) -> dict:
    """{(this month, category): concerns logged} at the schools, kept school by school for
    the month (kept_by_school): after a change only the schools whose counts it moves are
    counted again (_moves_month: a concern logged this month created, deleted, or given
    another category, school or logging moment). (The triage times' medians cannot be put
    together from each school's: they are kept for the schools together,
    _this_months_triage.)"""
    this = months[-1]
    start = _start(this)
    end = _start((this + datetime.timedelta(days=31)).replace(day=1))

    def count(due):
        found = {pk: {} for pk in due}
        if due:
            statement = _month_statement(Concern.objects.db, "by_school", len(due))
            for school_id, category, n in statement.rows({"schools": due, "since": start}):
                found[school_id][category] = n
        return {pk: MonthCounted(end, counts) for pk, counts in found.items()}

    counted = kept_by_school(
        by_school_key("month", school_ids, this),
        (Concern,),
        (newest_change,),
        school_ids,
        count,
        now,
        looks,
        read=(looks or Looks()).months_schools(start),
        stored=True,
    )
    total = {}
    for found in counted.values():
        for category, n in found.counts.items():
            total[(this, category)] = total.get((this, category), 0) + n
    return total


def _this_months_triage(school_ids, months, newest_change, now, looks=None) -> dict:
    """{this month: (concerns triaged, median hours)} at the schools (_triage), kept for the
    month as each concern's time to triage (Triaged): after a change, the concerns whose
    history rows not seen before move it (_moves_triage) are put in it as those rows say,
    without counting again. Most changes (a share, an acknowledgement, an outcome, a new
    concern not yet triaged) move none. A median cannot be put together from each school's,
    so it is kept for the set of schools, not school by school."""
    this = months[-1]
    start = _start(this)
    key = by_school_key("triage", school_ids, this)
    kept = cache.get(key)
    marks = (newest_change,)
    # Lost by the cache: from the database, as last stored (KeptCounts).
    lost = kept is None
    if lost:
        kept = stored_triage(key, now)
    if kept is None:
        # Read before counting: a change seen again later is put in as it already is.
        seen, stored_at = Seen.first((Concern,), marks, now), None
        found = Triaged.counted(school_ids, start)
    else:
        seen, found, stored_at = kept
        if not seen.looks_for(marks):
            if lost:
                cache.set(key, kept, MONTHS_KEPT_FOR)
            return found.figures(this)
        read = looks.changes if looks else _triage_rows_after
        seen, changes = seen.look((Concern,), now, read)
        schools = set(school_ids)
        for change in changes:  # in the order they were written
            if _moves_triage(change, schools, start):
                found.put(change.concern, _time_to_triage(change, schools, start))
    # Stored when counted, and at most hourly after (each concern of the month, so large):
    # read back, the look goes on from what was seen when stored.
    if _store_due(stored_at, now):
        store_triage(key, seen, found, now, looks)
        stored_at = now
    cache.set(key, (seen, found, stored_at), MONTHS_KEPT_FOR)
    return found.figures(this)


# How often (seconds), at most, what is stored only to outlive the cache (the earlier
# months, this month's triage times) is stored again when nothing was counted afresh.
STORED_AGAIN_AFTER = 3600


def _store_due(stored_at, now) -> bool:
    """Whether what is kept is stored again: never stored, or stored STORED_AGAIN_AFTER
    seconds ago or more."""
    return stored_at is None or (now - stored_at).total_seconds() >= STORED_AGAIN_AFTER


def stored_triage(key, now) -> tuple | None:
    """(Seen, Triaged, when stored) as _this_months_triage last stored them, or None."""
    row = _stored_row(key, now)
    if row is None or row.packed is None:
        return None
    packed = bytes(row.packed)
    half = len(packed) // 2
    found = Triaged()
    found.concerns.frombytes(packed[:half])
    found.times.frombytes(packed[half:])
    return _seen_of(row.seen), found, _moment(row.counted["stored_at"])


def store_triage(key, seen, found, now, looks=None) -> None:
    """Stores this month's triage times as _this_months_triage keeps them, in place of
    what was stored under the key, for as long as the cache may hold them: the concerns'
    numbers and their times to triage as two arrays of 8-byte numbers, one after the
    other (no names: numbers only), read back whole in one step (stored_triage)."""
    row = KeptCounts(
        key=key,
        seen=_seen_text(seen),
        counted={"stored_at": _text(now), "triaged": len(found.times)},
        packed=found.concerns.tobytes() + found.times.tobytes(),
    )
    _store_later(row, MONTHS_KEPT_FOR, now, looks)


@dataclass
class Triaged:
    """The concerns triaged of those logged this month at a set of schools, each with its
    time from logging to triage in microseconds, shortest first: the month's median is the
    middle one (or the mean of the middle two), as PERCENTILE_CONT(0.5) gives. Kept as
    two arrays, small and quick to read from the cache and to put a concern in."""

    concerns: array.array = field(default_factory=lambda: array.array("q"))
    times: array.array = field(default_factory=lambda: array.array("q"))

    @classmethod
    def counted(cls, school_ids, start) -> "Triaged":
        statement = _month_statement(Concern.objects.db, "times", len(school_ids))
        found = cls()
        for pk, taken in statement.rows({"schools": school_ids, "since": start}):
            found.concerns.append(pk)
            found.times.append(taken // MICROSECOND)
        return found

    def put(self, concern: int, taken: int | None) -> None:
        """Puts a concern in with its time to triage, in place of any it had; with none
        (no longer triaged, logged this month or at these schools, or deleted), leaves it
        out. Putting in what is already there changes nothing."""
        try:
            i = self.concerns.index(concern)
        except ValueError:
            pass  # not in it
        else:
            del self.concerns[i], self.times[i]
        if taken is not None:
            i = bisect.bisect_right(self.times, taken)
            self.concerns.insert(i, concern)
            self.times.insert(i, taken)

    def figures(self, month) -> dict:
        """{month: (concerns triaged, median hours)}, or nothing with none triaged."""
        n = len(self.times)
        if not n:
            return {}
        middle = self.times[n // 2] if n % 2 else (self.times[n // 2 - 1] + self.times[n // 2]) / 2
        return {month: (n, middle / HOUR)}


MICROSECOND = datetime.timedelta(microseconds=1)
HOUR = 3600 * 1000 * 1000  # microseconds


def _counted_for_triage(values, school_ids, start) -> bool:
    """Whether a concern's values (TriageChange) count in the triage times of these
    schools since a moment: triaged, and logged since then at one of them."""
    return (
        values is not None
        and values[0] in school_ids
        and values[2] is not None
        and values[1] >= start
    )


def _time_to_triage(change, school_ids, start) -> int | None:
    """The microseconds from logging to triage of a change's concern after it, if it
    counts in these schools' triage times since a moment (_counted_for_triage)."""
    if not _counted_for_triage(change.after, school_ids, start):
        return None
    _, logged, triaged, *_ = change.after
    return (triaged - logged) // MICROSECOND


class TriageChange(NamedTuple):
    """A concern's history row, as the triage times see it (_triage_rows_after)."""

    kind: str  # the history row's type: "+" created, "~" changed, "-" deleted
    now: tuple  # (school, logged at, triaged at, category)
    before: tuple | None  # the same, from the concern's history row before; None if none
    concern: int | None = None  # the concern's id

    @property
    def after(self) -> tuple | None:
        """What the concern is after the change: its values, or None once deleted."""
        return None if self.kind == "-" else self.now


def _moves_triage(change: TriageChange, school_ids: set, start) -> bool:
    """Whether a concern's change moves the triage times of these schools since a moment:
    it was counted in them before or after (_counted_for_triage) and its school, logging
    or triage moment changed, or it was deleted."""
    moved = _fields(change.after, TRIAGE_MOVED_BY) != _fields(change.before, TRIAGE_MOVED_BY)
    return moved and any(
        _counted_for_triage(values, school_ids, start) for values in (change.before, change.after)
    )


def _moves_month(change: TriageChange, start) -> tuple:
    """The schools whose count of concerns logged since a moment a concern's change moves
    (kept_by_school): those it was counted at before or after (logged since then) when its
    school, logging moment or category changed, or it was created or deleted. Most changes
    (a share, a triage, an acknowledgement, an outcome) move none."""
    if _fields(change.after, MONTH_MOVED_BY) == _fields(change.before, MONTH_MOVED_BY):
        return ()
    moved = (change.before, change.after)
    return tuple({values[0] for values in moved if values and values[1] >= start})


TRIAGE_FIELDS = ("school_id", "recorded_at", "triaged_at", "category")


def _positions(*names) -> tuple:
    return tuple(TRIAGE_FIELDS.index(name) for name in names)


# What moves each kept figure, as positions in a TriageChange's values: the triage times
# by the school and the logging and triage moments, the month's counts by the school, the
# logging moment and the category.
TRIAGE_MOVED_BY = _positions("school_id", "recorded_at", "triaged_at")
MONTH_MOVED_BY = _positions("school_id", "recorded_at", "category")


def _fields(values, positions):
    return None if values is None else tuple(values[i] for i in positions)


def _triage_rows_after(models, highest, missing) -> list[dict]:
    """_rows_after's rows of the concerns' history, each as a TriageChange: what its
    concern's school, logging and triage moments and category were at that row and at the
    row before.
    One query, built once per process for each number missing (ssp.statements)."""
    (top,), (gaps,) = highest, missing
    gaps = sorted(gaps)
    statement = _triage_look_statement(Concern.objects.db, len(gaps))
    found = {}
    width = len(TRIAGE_FIELDS)
    for number, kind, concern, *values in statement.rows({"highest": top, "missing": gaps}):
        now, before = tuple(values[:width]), tuple(values[width:])
        before = None if before == (None,) * width else before
        found[number] = TriageChange(kind, now, before, concern)
    return [found]


@functools.lru_cache(maxsize=256)
def _triage_look_statement(alias, missing: int) -> Prepared:
    def build(stand_in: StandIns):
        condition = _not_seen(stand_in, "highest", "missing", missing)
        before = Concern.history.filter(
            id=OuterRef("id"), history_id__lt=OuterRef("history_id")
        ).order_by("-history_id")
        return (
            Concern.history.filter(condition)
            .order_by()
            .annotate(
                **{f"before_{name}": Subquery(before.values(name)[:1]) for name in TRIAGE_FIELDS}
            )
            .values_list(
                "history_id",
                "history_type",
                "id",
                *TRIAGE_FIELDS,
                *(f"before_{name}" for name in TRIAGE_FIELDS),
            )
        )

    return prepare(build, alias)


def _triage(school_ids, months, since) -> dict:
    """{month logged: (concerns triaged, median hours from logging to triage)}."""
    statement = _month_statement(Concern.objects.db, "triage", len(school_ids))
    return {
        months[month]: (triaged, median.total_seconds() / 3600)
        for month, triaged, median in statement.rows(_month_values(school_ids, months, since))
    }


def _month_values(school_ids, months, since) -> dict:
    return {"schools": school_ids, "months": [_start(month) for month in months], "since": since}


def _logged_by_month(school_ids, starts, since, **more):
    """The concerns logged at the schools since a moment, each with the month it was logged
    in (`month`: its index in `starts`, the months' first moments in London time, oldest
    first). Found by comparing the moment with the months' starts, newest first: converting
    each row's moment to London time and truncating it took half the counts' time."""
    in_month = [When(recorded_at__gte=start, then=Value(i)) for i, start in enumerate(starts)]
    return (
        Concern.objects.filter(school_id__in=school_ids, recorded_at__gte=since, **more)
        .annotate(month=Case(*reversed(in_month), output_field=IntegerField()))
        .order_by()
    )


# The month statements (what is counted or read, and for how many schools), built once each.
# COUNT(*), not of the id: every column the counts read is in the concern_overview index, so
# PostgreSQL can answer from the index alone. This month's times to triage, each with its
# concern (Triaged), are read once a month for a set of schools, then kept.
@functools.lru_cache(maxsize=256)
def _month_statement(alias, what, schools: int) -> Prepared:
    def build(stand_in: StandIns):
        school_ids, since = stand_in.ids("schools", schools), stand_in.moment("since")
        if what == "by_school":
            return (
                Concern.objects.filter(school_id__in=school_ids, recorded_at__gte=since)
                .order_by()
                .values("school_id", "category")
                .annotate(count=Count("*"))
                .values_list("school_id", "category", "count")
            )
        if what == "times":
            taken = ExpressionWrapper(
                F("triaged_at") - F("recorded_at"), output_field=DurationField()
            )
            return (
                Concern.objects.filter(
                    school_id__in=school_ids, recorded_at__gte=since, triaged_at__isnull=False
                )
                .annotate(taken=taken)
                .order_by("taken")
                .values_list("id", "taken")
            )
        starts = stand_in.moments("months", MONTHS)
        if what == "counts":
            return (
                _logged_by_month(school_ids, starts, since)
                .values("month", "category")
                .annotate(count=Count("*"))
                .values_list("month", "category", "count")
            )
        return (
            _logged_by_month(school_ids, starts, since, triaged_at__isnull=False)
            .values("month")
            .annotate(triaged=Count("*"), median=Median(F("triaged_at") - F("recorded_at")))
            .values_list("month", "triaged", "median")
        )

    return prepare(build, alias)


def months_key(school_ids, this_month) -> str:
    return f"{KEPT}:months:{this_month:%Y-%m}:{schools_digest(school_ids)}"


def month_figures(school_ids, months, newest_change=None, looks=None) -> tuple[dict, dict]:
    """The charts' figures for the 12 months: the earlier months from the cache when it has
    them for these schools (from the database, EarlierMonths, when the cache has lost them:
    they are stored there whenever they are counted), those from the month of the earliest
    concern changed since it was last looked at counted again, and this month's kept school
    by school (_this_month) and its triage times for the schools together
    (_this_months_triage). After a change, looks along the concerns' newest history rows
    (and one every MONTHS_SETTLE seconds), and a count only of what the change moved.

    newest_change: the concerns' newest history row (_last_changes()); if not given, the
    look is made every time, and this month counted now. looks: the drawing's Looks.
    """
    if not school_ids:
        return {}, {}
    this_month = MONTHS - 1
    before = _start(months[this_month])
    key = months_key(school_ids, months[this_month])
    now = timezone.now()
    kept = cache.get(key)
    # Lost by the cache: from the database, where they were last counted (the night's count).
    lost = kept is None
    if lost:
        kept = stored_months(school_ids, months[this_month])
    if kept is None:
        # Read before counting, as below, so every change seen is in the counts.
        seen = frozenset(_earlier_changes(since=now, before=before))
        counts, triage, first, stored_at = {}, {}, 0, None
    else:
        checked_at, checked_change, seen, counts, triage, stored_at = kept
        first = this_month  # this month's counted; the earlier ones as kept
        age = (now - checked_at).total_seconds()
        if newest_change is None or newest_change != checked_change or age >= MONTHS_SETTLE:
            changes = _earlier_changes(since=checked_at, before=before)
            logged = [at for history_id, at in changes.items() if history_id not in seen]
            first = min((_month_of(months, at) for at in logged), default=this_month)
            seen, kept = frozenset(changes), None
    counts, triage = _before(months[first], counts, triage)
    since = _start(months[first])
    if first == this_month and newest_change is not None:
        drawing = looks or Looks()
        counts.update(_this_month(school_ids, months, newest_change, now, drawing))
        triage.update(_this_months_triage(school_ids, months, newest_change, now, drawing))
        if looks is None:
            drawing.store_all()
    else:
        counts.update(_counts(school_ids, months, since))
        triage.update(_triage(school_ids, months, since))
    if kept is None:
        # Stored when the earlier months are counted, and at most hourly after a look that
        # counted none: read back, the look goes on from the moment they were stored.
        store = first < this_month or _store_due(stored_at, now)
        stored_at = now if store else stored_at
        kept = (now, newest_change, seen, *_before(months[this_month], counts, triage), stored_at)
        if store:
            store_months(school_ids, months[this_month], kept)
        cache.set(key, kept, MONTHS_KEPT_FOR)
    elif lost:
        cache.set(key, kept, MONTHS_KEPT_FOR)
    return counts, triage


def stored_months(school_ids, this_month) -> tuple | None:
    """What month_figures keeps in the cache, as last stored in the database
    (EarlierMonths), or None if never counted this month."""
    row = EarlierMonths.objects.filter(
        schools=schools_digest(school_ids), month=this_month
    ).first()
    if row is None:
        return None
    counts = {
        (datetime.date.fromisoformat(month), category): n for month, category, n in row.counts
    }
    triage = {datetime.date.fromisoformat(month): (n, median) for month, n, median in row.triage}
    seen = frozenset(row.seen)
    return row.checked_at, row.checked_change, seen, counts, triage, row.checked_at


def store_months(school_ids, this_month, kept) -> None:
    """Stores what month_figures keeps in the cache in the database too, in place of what
    was stored for the same schools and month (one statement, however many ask at once)."""
    checked_at, checked_change, seen, counts, triage, _stored_at = kept
    row = EarlierMonths(
        schools=schools_digest(school_ids),
        month=this_month,
        checked_at=checked_at,
        checked_change=checked_change,
        seen=sorted(seen),
        counts=[[month.isoformat(), category, n] for (month, category), n in counts.items()],
        triage=[[month.isoformat(), n, median] for month, (n, median) in triage.items()],
    )
    EarlierMonths.objects.bulk_create(
        [row],
        update_conflicts=True,
        unique_fields=["schools", "month"],
        update_fields=["checked_at", "checked_change", "seen", "counts", "triage"],
    )


def _before(month, counts, triage) -> tuple[dict, dict]:
    """The counts and the triage times of the months before one."""
    return (
        {key: n for key, n in counts.items() if key[0] < month},
        {logged: value for logged, value in triage.items() if logged < month},
    )


def _month_of(months, moment) -> int:
    """The index of the month a moment falls in; this month's for one before them all (a
    concern logged before the charts' first month changes none of their figures)."""
    for i in reversed(range(len(months))):
        if moment >= _start(months[i]):
            return i
    return len(months) - 1


def _earlier_changes(*, since, before) -> dict:
    """{history row: logging moment} of the concerns logged before a moment whose history
    rows were written since another (less MONTHS_SETTLE), at any school (a concern moved
    between schools must not be missed): a step along the history's dates, to the few rows
    of the last hour or so."""
    settled = since - datetime.timedelta(seconds=MONTHS_SETTLE)
    statement = _earlier_changes_statement(Concern.objects.db)
    return dict(statement.rows({"settled": settled, "before": before}))


@functools.cache
def _earlier_changes_statement(alias) -> Prepared:
    """_earlier_changes' statement, built once per process: it is read after every change
    to a concern, and building it cost more than running it."""

    def build(stand_in: StandIns):
        rows = Concern.history.filter(
            history_date__gte=stand_in.moment("settled"),
            recorded_at__lt=stand_in.moment("before"),
        )
        return rows.order_by().values_list("history_id", "recorded_at")

    return prepare(build, alias)


def concerns_by_category(counts, months) -> list[tuple[str, list[int], int]]:
    """Concerns logged per category per month, busiest category first.

    All concerns at the schools count, shared or not: the figures say how much the schools
    log, and name no one.
    """
    index = {month: i for i, month in enumerate(months)}
    series = {}
    for (month, category), count in counts.items():
        if month in index:
            series.setdefault(category, [0] * len(months))[index[month]] += count
    by_category = [
        (Category(category).label, per_month, sum(per_month))
        for category, per_month in series.items()
    ]
    return sorted(by_category, key=lambda item: (-item[2], item[0]))


def triage_times(triage, months) -> list[tuple[datetime.date, int, float | None]]:
    """Per month a concern was logged: how many have been triaged, and the median hours
    from logging to the SPOC's triage decision (the latest one, if it was changed)."""
    return [(month, *triage.get(month, (0, None))) for month in months]

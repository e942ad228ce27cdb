import logging

from celery import shared_task
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from incidents.models import Concern
from schools.models import Membership, Officer
from ssp.celery import hand_to_worker
from ssp.models import User
from ssp.roles import Role

from . import overview
from .access import can_see_overview
from .models import EarlierMonths, KeptCounts

logger = logging.getLogger(__name__)


@shared_task
def count_overview_months() -> int:
    """Count the earlier months of every overview's charts, and the day's caseload, before
    anyone asks: each sergeant's team's schools and each head teacher's school.

    The months are kept for the month (reports.overview.month_figures), in the cache and in
    the database, so without this the first page of a month for each scope counts all
    twelve months, the dearest page of all.
    The caseload is kept school by school for the day (reports.overview.kept_caseload), so
    the first page of each day would count every school's again. Run each night, it also
    counts again whatever the cache lost. Returns the scopes counted."""
    months = overview.last_months(timezone.localdate())
    # The earlier months of months that are over, and counts kept for a day that is over,
    # are read no more.
    EarlierMonths.objects.filter(month__lt=months[-1]).delete()
    KeptCounts.objects.filter(until__lte=timezone.now()).delete()
    return _count(_scopes())


@shared_task
def count_new_overview_scopes() -> int:
    """Count the figures of every scope not counted for the day: a set of schools new since
    the night's count, as when a sergeant assigns an officer of the team to a school, an
    assignment starts or ends at midnight, or a school has a new head teacher.

    Counted here, a person's first page for the new set of schools reads them as counted,
    as for any other scope, rather than counting twelve months of concerns and every
    school's caseload while they wait. Run every ten minutes, and as soon as a sergeant
    assigns an officer (count_new_scopes_when_committed). Returns the scopes counted."""
    today = timezone.localdate()
    this_month = overview.last_months(today)[-1]
    scopes = _scopes()
    digests = {scope: overview.schools_digest(scope) for scope in scopes}
    keys = {
        scope: [
            *(overview.by_school_key(part, scope, today) for part in overview.BY_SCHOOL),
            overview.by_school_key("month", scope, this_month),
        ]
        for scope in scopes
    }
    months = set(
        EarlierMonths.objects.filter(month=this_month, schools__in=digests.values()).values_list(
            "schools", flat=True
        )
    )
    stored = set(
        KeptCounts.objects.filter(
            key__in=[key for found in keys.values() for key in found], until__gt=timezone.now()
        ).values_list("key", flat=True)
    )
    return _count(
        scope
        for scope in scopes
        if digests[scope] not in months or not stored.issuperset(keys[scope])
    )


def count_new_scopes_when_committed() -> None:
    """Once the transaction changing a team's schools commits, hand the counting of the new
    set of schools to a worker (count_new_overview_scopes). Should the broker not take it,
    the next run a few minutes later counts them."""

    def hand_over():
        if not hand_to_worker(count_new_overview_scopes, []):
            logger.warning("Broker unavailable; new sets of schools wait for the next count")

    transaction.on_commit(hand_over, robust=True)


def _scopes() -> set[frozenset]:
    """Every set of schools an overview is drawn for: each sergeant's team's schools, each
    head teacher's school (reports.overview.scope_school_ids)."""
    heads = Membership.objects.current().in_role(Role.HEAD)
    readers = User.objects.filter(is_active=True).filter(
        Q(officer__rank=Officer.Rank.SERGEANT) | Q(memberships__in=heads)
    )
    scopes = {
        frozenset(overview.scope_school_ids(user))
        for user in readers.distinct()
        if can_see_overview(user)
    }
    scopes.discard(frozenset())
    return scopes


def _count(scopes) -> int:
    """Counts each scope's figures as its overview's page does (reports.overview.overview),
    keeping and storing them: the earlier months, this month's school by school, and each
    school's caseload. Returns the number of scopes counted."""
    today = timezone.localdate()
    months = overview.last_months(today)
    changes = overview._last_changes()
    newest = overview._by_model(changes)[Concern] or 0
    counted = 0
    for scope in scopes:
        school_ids = sorted(scope)
        looks = overview.Looks()
        # Counted afresh, this month is counted with the rest; from the months as kept,
        # school by school, as the page keeps it.
        for _ in range(2):
            overview.month_figures(school_ids, months, newest, looks)
        for part in overview.BY_SCHOOL:
            overview.kept_caseload(part, school_ids, changes, today, looks, stored=True)
        looks.store_all()
        counted += 1
    return counted

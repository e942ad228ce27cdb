from celery import shared_task
from django.db.models import Q
from django.utils import timezone

from schools.models import Membership, Officer
from ssp.models import User
from ssp.roles import Role

from . import overview
from .access import can_see_overview
from .models import EarlierMonths, KeptCounts


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
    today = timezone.localdate()
    months = overview.last_months(today)
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
    # The earlier months of months that are over, and counts kept for a day that is over,
    # are read no more.
    EarlierMonths.objects.filter(month__lt=months[-1]).delete()
    KeptCounts.objects.filter(until__lte=timezone.now()).delete()
    changes = overview._last_changes()
    for school_ids in scopes:
        overview.month_figures(sorted(school_ids), months)
        for part in overview.BY_SCHOOL:
            overview.kept_caseload(part, sorted(school_ids), changes, today, stored=True)
    return len(scopes)

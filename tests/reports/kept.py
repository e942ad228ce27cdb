"""What the overview keeps, emptied for a test that counts the page drawing it afresh."""

from django.core.cache import cache

from reports.models import EarlierMonths, KeptCounts


def nothing_kept():
    """Empties everything the overview keeps: the cache, and the counts it stores in the
    database as well (the earlier months, and each school's counts)."""
    cache.clear()
    EarlierMonths.objects.all().delete()
    KeptCounts.objects.all().delete()

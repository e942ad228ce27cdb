from django.db import models


class EarlierMonths(models.Model):
    """The overview's charts for the months before one, at a set of schools, as last
    counted (reports.overview.month_figures): held here as well as in the cache, so that a
    cache which loses them (restarted, or full) does not make the next page count a year
    of concerns again. Written when they are counted (each night for every scope, and
    when a change to a concern of an earlier month counts them again); read when the cache
    has lost them. Counts and median hours only: they name no one. A month's row is
    deleted once the month is over (reports.tasks.count_overview_months)."""

    # The set of schools, as the cache's keys name it (reports.overview.schools_digest).
    schools = models.CharField(max_length=64)
    # The charts' last month: the figures are of the eleven before it.
    month = models.DateField()
    # When the history of concerns logged before the month was last looked along, the
    # newest history row of concerns then, and the rows seen in the hour before
    # (reports.overview.MONTHS_SETTLE): a look resumes from here.
    checked_at = models.DateTimeField()
    checked_change = models.BigIntegerField(null=True)
    seen = models.JSONField(default=list)
    # [[month, category, concerns logged]] and [[month, concerns triaged, median hours]].
    counts = models.JSONField(default=list)
    triage = models.JSONField(default=list)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["schools", "month"], name="earlier_months_once")
        ]

    def __str__(self):
        return f"{self.month:%Y-%m} {self.schools[:12]}"


class KeptCounts(models.Model):
    """What the overview counts school by school for a set of schools (each part of the open
    caseload for the day, this month's counts by category), and this month's triage times
    for the set of schools, as last counted, with what had been seen of the history then
    (reports.overview.kept_by_school, _this_months_triage): held here as well as in the
    cache, so that a cache which loses them does not make the next page count every
    school's open records (or the month's concerns) again, only those changed since.
    Counts, and concerns' numbers with their times to triage: they name no one. Deleted
    by the night's count once expired."""

    # The cache's key (reports.overview.by_school_key): the part, the day or month, and
    # the set of schools.
    key = models.CharField(max_length=120, unique=True)
    # Read no more after this: as long as the cache holds it.
    until = models.DateTimeField()
    # reports.overview.Seen, and {school: its counts}, as JSON (reports.overview.store_counts).
    seen = models.JSONField()
    counted = models.JSONField()
    # This month's triage times for the set of schools (reports.overview.store_triage):
    # each concern's number and its time to triage, as packed arrays of numbers.
    packed = models.BinaryField(null=True)

    def __str__(self):
        return self.key

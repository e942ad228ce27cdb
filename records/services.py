"""Retention review, legal hold and the rules: one service per verb (STYLE.md)."""

import logging
from collections import defaultdict
from dataclasses import replace
from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from schools.models import Membership, Officer, Pupil, School
from ssp.access import lock_visible_or_404
from ssp.celery import hand_to_worker
from ssp.held import Controller, held_about_pupils
from ssp.notifications import notify
from ssp.scope import fresh_scope
from ssp.submissions import once_per_form

from . import disposal, rules
from .access import can_decide, can_manage_police_records, can_manage_school_records
from .models import DisposalRun, LegalHold, RetentionRule, Review, ReviewDecision

logger = logging.getLogger(__name__)

NOTICE_SUBJECT = "Records are due for retention review"
# The advisory lock that keeps two daily sweeps from running at once.
SWEEP_LOCK = 130_013


def holdings_by_kind() -> dict:
    """Every app's holdings, over every pupil and the rows about no pupil of the portal (an
    unmatched Encompass notification): everything retention must reach. Lazy querysets."""
    return {
        h.kind: h if h.about_no_pupil is None else replace(h, rows=h.rows | h.about_no_pupil)
        for h in held_about_pupils(Pupil.objects.all())
    }


# The daily job.


def retention_sweep(*, today: date | None = None) -> dict:
    """Put every record whose review date has passed on its owners' review list, once, and
    tell each owner once a day. Run twice, it adds nothing. Its queries do not grow with the
    number of records: one per kind and rule, then a few for the lot."""
    today = today or timezone.localdate()
    with transaction.atomic():
        # One sweep at a time: a second waits, then finds the first's rows and adds none.
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [SWEEP_LOCK])
        made = _new_reviews(today)
        reopened = _reopen_kept(today)
        told = _tell_owners(made + reopened, today)
    _queue_stalled_disposals()
    removed = _remove_old_logs(timezone.now())
    return {"due": len(made), "reopened": len(reopened), "told": told, "removed": removed}


def _remove_old_logs(now) -> dict:
    """The access log and notifications go once older than the force's rule for them, with a
    certificate each day there were any (by the daily job). A run a crash left unfinished
    is carried on first."""
    removed = {}
    for rule in RetentionRule.objects.filter(school=None, kind__in=disposal.LOG_KINDS):
        before = rules.add_years(now, -rule.years)
        unfinished = DisposalRun.objects.filter(kind=rule.kind, state=DisposalRun.State.RUNNING)
        if not unfinished.exists() and not (
            disposal.log_rows_written_before(rule.kind, before).exists()
        ):
            continue
        certificate = disposal.dispose_log(
            kind=rule.kind, before=before, rule=rules.in_words(rule)
        )
        removed[rule.kind] = certificate.disposed
    return removed


def _new_reviews(today: date) -> list[Review]:
    loaded = rules.load()
    own_rule_schools = defaultdict(set)
    for school_id, kind, group in loaded:
        if school_id is not None:
            own_rule_schools[(kind, group)].add(school_id)
    new = []
    for holding in holdings_by_kind().values():
        if not rules.owner_field(holding):
            logger.warning("Holding %s names no owner: not reviewed", holding.kind)
            continue
        groups = [0] if holding.controller == Controller.SCHOOL else [1, 2, 3]
        for group in groups:
            force_rule = loaded.get((None, holding.kind, group))
            if force_rule is None:
                continue
            own = own_rule_schools.get((holding.kind, group), set())
            batches = [(force_rule, None, own)] + [
                (loaded[(school_id, holding.kind, group)], {school_id}, None) for school_id in own
            ]
            for rule, only, but in batches:
                rows = rules.due_rows(holding, rule, today=today, school_ids=only)
                if but:
                    rows = rows.exclude(owner_id__in=but)
                rows = rows.filter(
                    ~Exists(Review.objects.filter(kind=holding.kind, record_code=OuterRef("code")))
                )
                words = rules.in_words(rule, holding.label)
                for row in rows:
                    owner = (
                        {"school_id": row.owner_id}
                        if holding.controller == Controller.SCHOOL
                        else {"team_id": row.owner_id}
                    )
                    new.append(
                        Review(
                            kind=holding.kind,
                            record_code=row.code,
                            controller=holding.controller,
                            group=group or None,
                            due_on=rules.review_on(row, rule),
                            rule=words[:300],
                            **owner,
                        )
                    )
    if new:
        bulk_create_with_history(new, Review, batch_size=1000)
    return new


def _reopen_kept(today: date) -> list[Review]:
    """A kept record whose next review date has come is due again."""
    kept = list(
        Review.objects.select_for_update().filter(state=Review.State.KEPT, due_on__lte=today)
    )
    for review in kept:
        review.state = Review.State.DUE
        review.save(update_fields=["state"])
    return kept


def owners_of(reviews) -> dict:
    """The people to tell about these reviews: each school's head and data-protection lead,
    each team's sergeant. {user: (what they own, for the reference)}."""
    school_ids = {r.school_id for r in reviews if r.school_id}
    team_ids = {r.team_id for r in reviews if r.team_id}
    owners = {}
    for membership in (
        Membership.objects.of(school_ids).records_owners().select_related("user", "school")
    ):
        owners.setdefault(membership.user, f"Records review: {membership.school.name}")
    for officer in (
        Officer.objects.filter(team__in=team_ids, rank=Officer.Rank.SERGEANT, user__is_active=True)
        .filter(left_on__isnull=True)
        .select_related("user", "team")
    ):
        owners.setdefault(officer.user, f"Records review: {officer.team.name}")
    return owners


def _tell_owners(reviews, today: date) -> int:
    if not reviews:
        return 0
    from ssp.models import Notification

    link = reverse("records:review_list")
    owners = owners_of(reviews)
    told_today = set(
        Notification.objects.filter(
            recipient__in=owners, link=link, created_at__date=today
        ).values_list("recipient_id", flat=True)
    )
    count = 0
    for user, reference in owners.items():
        if user.pk in told_today:
            continue
        notify(recipients=[user], subject=NOTICE_SUBJECT, link=link, reference=reference)
        count += 1
    return count


# Decisions on the review list.


def _lock_review(review: Review, by) -> Review:
    review = lock_visible_or_404(by, review)
    if not can_decide(by, review):
        raise PermissionDenied
    return review


def _move(review: Review, to: str) -> None:
    if to not in Review.MOVES[review.state]:
        raise ValidationError(
            f"This record is no longer due for review: it is {review.get_state_display().lower()}."
        )
    review.state = to


@once_per_form(ReviewDecision)
@transaction.atomic
def review_keep(*, review: Review, by, reason: str, next_review_on: date) -> ReviewDecision:
    """Keep the record, with a reason and the date it is reviewed again."""
    review = _lock_review(review, by)
    if next_review_on <= timezone.localdate():
        raise ValidationError({"next_review_on": "The next review date must be in the future."})
    if not reason.strip():
        raise ValidationError({"reason": "Enter why the record is kept."})
    _move(review, Review.State.KEPT)
    review.due_on = next_review_on
    review._history_user = by
    review.save(update_fields=["state", "due_on"])
    return ReviewDecision.objects.create(
        review=review,
        decision=ReviewDecision.Decision.KEEP,
        reason=reason.strip(),
        next_review_on=next_review_on,
        rule=review.rule,
        by=by,
    )


def held_codes(reviews) -> set:
    """Of these reviews, the record codes a legal hold in force covers (the record itself, or
    any pupil it is about): a query per kind, whatever the number of reviews."""
    by_kind = defaultdict(set)
    for review in reviews:
        by_kind[review.kind].add(review.record_code)
    holdings = holdings_by_kind()
    held = set()
    for kind, codes in by_kind.items():
        holding = holdings.get(kind)
        if holding is None:
            continue
        held |= set(
            holding.model._default_manager.filter(
                disposal.held_filter(holding), code__in=codes
            ).values_list("code", flat=True)
        )
    return held


def _too_young_to_dispose(review: Review) -> bool:
    """MoPI group 1: kept until the subject would be 100, whatever the review says."""
    rule = RetentionRule.objects.filter(
        school=None, kind=review.kind, group=review.group or 0
    ).first()
    if rule is None or not rule.keep_until_age:
        return False
    holding = holdings_by_kind().get(review.kind)
    if holding is None:
        return False
    youngest = holding.model._default_manager.filter(code=review.record_code).aggregate(
        born=rules.youngest_born(holding)
    )["born"]
    return youngest is not None and rules.add_years(youngest, rule.keep_until_age) > (
        timezone.localdate()
    )


@once_per_form(ReviewDecision)
def review_dispose(*, review: Review, by) -> ReviewDecision:
    """Decide to dispose of the record: recorded with who and when, then the engine runs in
    a worker (records.tasks.dispose_decided). A record on legal hold is refused."""
    with transaction.atomic():
        review = _lock_review(review, by)
        if review.record_code in held_codes([review]):
            raise ValidationError("This record is on legal hold: it cannot be disposed of.")
        if _too_young_to_dispose(review):
            raise ValidationError(
                "MoPI group 1: this record is kept until its subject would be 100."
            )
        _move(review, Review.State.DISPOSING)
        review._history_user = by
        review.save(update_fields=["state"])
        decision = ReviewDecision.objects.create(
            review=review, decision=ReviewDecision.Decision.DISPOSE, rule=review.rule, by=by
        )
        transaction.on_commit(lambda: queue_disposal([decision.pk]), robust=True)
    return decision


def review_dispose_many(*, reviews, by) -> tuple[list[ReviewDecision], list[Review]]:
    """Decide to dispose of several records at once (the review list's "Dispose of the
    selected"), each as review_dispose decides one, in one transaction and one job for the
    lot. A record that is on legal hold, kept for MoPI group 1 or no longer due is left as
    it is and returned with the reason, so the page says which; a repeated post finds its
    records already being disposed of and decides nothing twice."""
    decided, left = [], []
    with transaction.atomic():
        # In one order, so two people deciding overlapping selections cannot deadlock.
        locked = [_lock_review(review, by) for review in sorted(reviews, key=lambda r: r.pk)]
        held = held_codes(locked)
        for review in locked:
            if review.state != Review.State.DUE:
                review.left_because = "it is no longer due for review"
            elif review.record_code in held:
                review.left_because = "it is on legal hold"
            elif _too_young_to_dispose(review):
                review.left_because = "MoPI group 1 keeps it until its subject would be 100"
            else:
                _move(review, Review.State.DISPOSING)
                review._history_user = by
                review.save(update_fields=["state"])
                decided.append(
                    ReviewDecision.objects.create(
                        review=review,
                        decision=ReviewDecision.Decision.DISPOSE,
                        rule=review.rule,
                        by=by,
                    )
                )
                continue
            left.append(review)
        pks = [decision.pk for decision in decided]
        if pks:
            transaction.on_commit(lambda: queue_disposal(pks), robust=True)
    return decided, left


def queue_disposal(pks: list[int]) -> bool:
    """Hand the disposal to a worker; never hold the request on a frozen broker. What the
    broker did not take, the daily job queues again."""
    from .tasks import dispose_decided

    if not hand_to_worker(dispose_decided, [pks]):
        logger.warning("Broker unavailable; disposals %s wait for the daily job", pks)
        return False
    return True


def _queue_stalled_disposals() -> None:
    stalled = list(
        ReviewDecision.objects.filter(
            decision=ReviewDecision.Decision.DISPOSE,
            certificate_code__isnull=True,
            review__state=Review.State.DISPOSING,
        ).values_list("pk", flat=True)
    )
    if stalled:
        queue_disposal(stalled)


def disposal_run(*, decision_pks: list[int]) -> int:
    """Dispose of what these decisions decided, one engine call per kind and rule; a record
    the engine refused (a hold placed since) goes back on the list. Idempotent: a decision
    that has its certificate is done."""
    decisions = list(
        ReviewDecision.objects.filter(
            pk__in=decision_pks,
            decision=ReviewDecision.Decision.DISPOSE,
            certificate_code__isnull=True,
            review__state=Review.State.DISPOSING,
        )
        .select_related("review", "by")
        .order_by("-pk")
    )
    # A record sent back to the list (a hold came first) and decided again has two decisions:
    # the newest is the one to carry out.
    latest = {}
    for decision in decisions:
        latest.setdefault(decision.review_id, decision)
    groups = defaultdict(list)
    for decision in latest.values():
        # The engine disposes of one school's (or team's) records of one kind at a time.
        owner = (decision.review.school_id, decision.review.team_id)
        groups[(decision.review.kind, decision.rule, decision.by, owner)].append(decision)
    done = 0
    for (kind, rule, by, _), batch in groups.items():
        with transaction.atomic():
            reviews = {d.review.record_code: d.review for d in batch}
            held = held_codes(reviews.values())
            codes = [code for code in reviews if code not in held]
            # Former pupils with their own record on the list, who may go with these records.
            listed = _pupils_listed_for_review()
            certificate = (
                disposal.dispose(kind=kind, codes=codes, by=by, rule=rule[:200]) if codes else None
            )
            for decision in batch:
                review = Review.objects.select_for_update().get(pk=decision.review_id)
                if decision.review.record_code in held:
                    review.state = Review.State.DUE
                else:
                    review.state = Review.State.DISPOSED
                    decision.certificate_code = certificate.code
                    decision.save(update_fields=["certificate_code"])
                    done += 1
                review._history_user = by
                review.save(update_fields=["state"])
            if certificate is not None:
                _close_reviews_of_pupils_gone(listed, certificate, by)
    return done


def _pupils_listed_for_review() -> dict:
    """The open reviews of pupils' own records whose pupil is still there, by pupil code."""
    return {
        review.record_code: review
        for review in Review.objects.filter(
            kind="pupil", state__in=(Review.State.DUE, Review.State.KEPT)
        ).filter(record_code__in=Pupil.objects.values("code"))
    }


def _close_reviews_of_pupils_gone(listed: dict, certificate, by) -> None:
    """A pupil who had left the roll goes with the last record about them (the engine):
    their own record's review, due or kept, is closed as disposed under the certificate of
    the run they went with, rather than left on the list naming a record nobody can open."""
    still_here = set(Pupil.objects.filter(code__in=listed).values_list("code", flat=True))
    for code, review in listed.items():
        if code in still_here:
            continue
        review = Review.objects.select_for_update().get(pk=review.pk)
        review.state = Review.State.DISPOSED
        review._history_user = by
        review.save(update_fields=["state"])
        ReviewDecision.objects.create(
            review=review,
            decision=ReviewDecision.Decision.DISPOSE,
            rule=review.rule,
            by=by,
            certificate_code=certificate.code,
        )


# Legal holds.


@once_per_form(LegalHold)
@transaction.atomic
def hold_place(
    *,
    by,
    reason: str,
    reference: str = "",
    school: School | None = None,
    team=None,
    pupil: Pupil | None = None,
    kind: str = "",
    record_code=None,
) -> LegalHold:
    """Hold a pupil's records, or one record, for an inquiry or proceedings."""
    fresh_scope(by)
    if school is not None and not can_manage_school_records(by, school):
        raise PermissionDenied
    if team is not None and not can_manage_police_records(by, team):
        raise PermissionDenied
    if not reason.strip():
        raise ValidationError({"reason": "Enter why the records are held."})
    hold = LegalHold(
        school=school,
        team=team,
        pupil=pupil,
        kind=kind,
        record_code=record_code,
        reason=reason.strip(),
        reference=reference.strip(),
        placed_by=by,
    )
    hold._history_user = by
    hold.save()
    return hold


@transaction.atomic
def hold_lift(*, hold: LegalHold, by, reason: str) -> LegalHold:
    hold = lock_visible_or_404(by, hold)
    if not can_decide(by, hold):
        raise PermissionDenied
    if hold.lifted_at is not None:
        raise ValidationError("This hold was lifted already.")
    if not reason.strip():
        raise ValidationError({"reason": "Enter why the hold is lifted."})
    hold.lifted_by = by
    hold.lifted_at = timezone.now()
    hold.lift_reason = reason.strip()
    hold._history_user = by
    hold.save(update_fields=["lifted_by", "lifted_at", "lift_reason"])
    return hold


# A school's own rules.


@transaction.atomic
def rule_lengthen(*, school: School, kind: str, years: int, by) -> RetentionRule:
    """A school's head or data-protection lead keeps one of its kinds longer than the force's
    rule says (never shorter: the force's rule is at least the law's)."""
    school = School.objects.select_for_update().get(pk=school.pk)
    fresh_scope(by)
    if not can_manage_school_records(by, school):
        raise PermissionDenied
    force_rule = RetentionRule.objects.get(school=None, kind=kind, group=0)
    if years < force_rule.years:
        raise ValidationError(
            {
                "years": f"Enter {force_rule.years} years or more: the force's rule is "
                f"{force_rule.years} years and a school may only lengthen it."
            }
        )
    rule, _ = RetentionRule.objects.select_for_update().get_or_create(
        school=school,
        kind=kind,
        group=0,
        defaults={"basis": force_rule.basis, "years": years},
    )
    rule.years = years
    rule._history_user = by
    rule.save(update_fields=["years"])
    return rule

"""Disposal that really removes the personal data, in short batches that survive a crash.

`dispose(kind=..., codes=[...], by=..., rule=...)` removes the records of one kind (as the
apps' `holdings.py` name kinds: see ssp/held.py) and everything that goes with them:

- the rows that point at a record and are of no kind of their own (its events, notes,
  attachments, shares, summaries, messages, links to pupils), found from the models, and
  theirs in turn; the stored files of any of them;
- every history row of each of those (simple-history's tables, the m2m history too), and
  history rows of parts removed earlier that still point at the record;
- the rows elsewhere that mention a removed row by its code (`mentions` in holdings.py): the
  sharing log's entries, notifications not yet e-mailed, roll imports waiting to be checked;
- the pupils the records were about, once nothing about them is left and they have left the
  school's roll (a pupil still on the roll stays: the school's MIS holds them anyway).

A record of another kind that points at a disposed one (an incident made from a concern)
keeps itself and loses the pointer, saying its source was disposed of. Anything a legal hold
in force covers (the record, or a pupil it is about) is left alone and counted as held.

The work is a `DisposalRun`: its items (row ids) are taken `batch_size` at a time, each batch
in its own short transaction that locks only the rows it removes (and its own run row), so
the pages people use are never waited on for long; a crash loses at most the batch in hand,
which rolls back whole, and `resume(run=run)` carries on. Deletes go past the ORM's collector on
purpose: simple-history would otherwise write a "deleted" history row copying every field.
What stays is a `DisposalCertificate`: counts only.
"""

import logging
from collections import Counter
from collections.abc import Iterable

from django.core.exceptions import PermissionDenied
from django.core.files.storage import default_storage
from django.db import connection, transaction
from django.db.models import FileField, Q
from django.utils import timezone
from simple_history.models import HistoricalChanges

from schools.models import Pupil, School
from ssp.held import Controller, Holding, held_about_pupils, mentions_of
from ssp.models import AccessLog, Notification
from ssp.roles import Role

from . import rules
from .access import can_manage_police_records, can_manage_school_records
from .models import DisposalCertificate, DisposalFile, DisposalItem, DisposalRun, LegalHold

logger = logging.getLogger(__name__)

BATCH_SIZE = 500
HISTORY = "History rows"
FILES = "Stored files"
PUPILS = "Pupil records"
SOURCE = "Records of other kinds that lose their source"


def holdings() -> dict[str, Holding]:
    """Every kind any app holds, by its key."""
    return {h.kind: h for h in held_about_pupils(Pupil.objects.none())}


def kinds_in_order() -> list[str]:
    """Every kind, each before the kinds its `after` names (the pupil last)."""
    known = holdings()
    done: list[str] = []

    def visit(kind, path=()):
        if kind in done or kind not in known:
            return
        if kind in path:
            raise ValueError(f"The kinds' `after` go round in a circle at {kind!r}.")
        for before in (k for k, h in known.items() if kind in h.after):
            visit(before, (*path, kind))
        done.append(kind)

    for kind in known:
        visit(kind)
    return done


def dispose(
    *, kind: str, codes: Iterable, by, rule: str, batch_size: int = BATCH_SIZE
) -> DisposalCertificate:
    """Dispose of the records of `kind` with these codes, under `rule` (its name, as the
    certificate shows it), by `by`: a records owner of the records' school (school records,
    one school at a time) or the sergeant of a team of the records' force (police records)."""
    run = start(kind=kind, codes=codes, by=by, rule=rule, batch_size=batch_size)
    return resume(run=run)


@transaction.atomic
def start(*, kind: str, codes: Iterable, by, rule: str, batch_size: int = BATCH_SIZE):
    """Make the run and its items (one query however many codes), checked against its owner."""
    holding = holdings().get(kind)
    if holding is None:
        raise ValueError(f"No app holds records of the kind {kind!r}.")
    run = DisposalRun.objects.create(
        kind=kind,
        label=holding.label,
        controller=holding.controller,
        rule=rule,
        by=by,
        batch_size=batch_size,
    )
    table = holding.model._meta.db_table
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO records_disposalitem (run_id, record_id, state) "  # noqa: S608
                f"SELECT %s, id, 'pending' FROM {table} WHERE code = ANY(%s::uuid[])",
                [run.pk, [str(code) for code in codes]],
            )
    else:  # the demo's SQLite: a few records, no triggers to satisfy
        found = holding.model._base_manager.filter(code__in=list(codes)).values_list("pk")
        DisposalItem.objects.bulk_create(
            DisposalItem(run=run, record_id=pk, state=DisposalItem.State.PENDING)
            for (pk,) in found
        )
    records = holding.model._base_manager.filter(
        pk__in=DisposalItem.objects.filter(run=run).values("record_id")
    )
    schools = list(School.objects.filter(pk__in=records.values("school_id")))
    _check_owner(run, holding, schools, by)
    run.save(update_fields=["school", "team"])
    return run


def _check_owner(run: DisposalRun, holding: Holding, schools: list[School], by) -> None:
    if holding.controller == Controller.SCHOOL:
        if len(schools) != 1:
            raise ValueError("Dispose of one school's records at a time.")
        if not can_manage_school_records(by, schools[0]):
            raise PermissionDenied
        run.school = schools[0]
        return
    team = by.officer.team if getattr(by, "role", None) == Role.SERGEANT else None
    if team is None or not can_manage_police_records(by, team):
        raise PermissionDenied
    if any(school.force_id != team.force_id for school in schools):
        raise PermissionDenied
    run.team = team


ACCESS_LOG = "access_log"
NOTIFICATION = "notification"
LOG_KINDS = (ACCESS_LOG, NOTIFICATION)


def log_rows_written_before(kind: str, before):
    """A log's rows written before `before` (each log has an index on when it was written)."""
    if kind == ACCESS_LOG:
        return AccessLog.objects.filter(at__lt=before).order_by("at", "pk")
    return Notification.objects.filter(created_at__lt=before).order_by("created_at", "pk")


def dispose_log(*, kind: str, before, by=None, rule: str, batch_size: int = BATCH_SIZE):
    """A log's own retention: its rows written before `before`, whatever they are about. The
    access log names records by code only and stays when a record goes; a notification
    names a reference, never a child, and its history rows go with it. The daily job runs
    it under the force's rule (`by` is None: the certificate says so); by hand, only the
    administrator, who configures the rule, may. An unfinished run of the kind is carried on
    rather than a second started beside it."""
    if kind not in LOG_KINDS:
        raise ValueError(f"{kind!r} is not a log with a retention of its own.")
    if by is not None and not by.is_superuser:
        raise PermissionDenied
    run = DisposalRun.objects.filter(kind=kind, state=DisposalRun.State.RUNNING).first()
    if run is None:
        run = DisposalRun.objects.create(
            kind=kind,
            label=rules.LOGS[kind],
            controller="portal",
            rule=rule,
            by=by,
            before=before,
            batch_size=batch_size,
        )
    return resume(run=run)


def _log_batch(run: DisposalRun) -> bool:
    tally = Counter()
    with transaction.atomic():
        if not _claim(run):
            return False
        old = log_rows_written_before(run.kind, run.before)
        model = old.model
        ids = list(old.values_list("pk", flat=True)[: run.batch_size])
        if model is Notification:
            history = Notification.history.model._base_manager.filter(id__in=ids)
            tally[HISTORY] = history._raw_delete(history.db)
        rows = model.objects.filter(pk__in=ids)
        gone = rows._raw_delete(rows.db)
        _release(run, tally, {"disposed": gone, "held": 0, "kept": 0} if gone else {})
    return bool(gone)


def resume(*, run: DisposalRun) -> DisposalCertificate:
    """Carry a run on to its end, batch by batch; safe to call again after any crash."""
    _remove_files(run)
    if run.kind in LOG_KINDS:
        while _log_batch(run):
            pass
        return _finish(run)
    holding = holdings()[run.kind]
    kinds = {h.model for h in holdings().values()}
    while _batch(run, holding, kinds):
        pass
    return _finish(run)


def _batch(run: DisposalRun, holding: Holding, kinds: set) -> bool:
    """Dispose of the next batch; False when there is none left."""
    with transaction.atomic():
        if not _claim(run):
            return False
        items = list(
            DisposalItem.objects.select_for_update(skip_locked=True)
            .filter(run=run, state=DisposalItem.State.PENDING)
            .order_by("record_id")
            .values_list("record_id", flat=True)[: run.batch_size]
        )
        if not items:
            _release(run, Counter(), {})
            return False
        model = holding.model
        present = list(
            model._base_manager.select_for_update(of=("self",))
            .filter(pk__in=items)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        held = _held(holding, present)
        kept = _still_about_something(present) if holding.kind == "pupil" else set()
        doomed = [pk for pk in present if pk not in held and pk not in kept]
        pupils = _pupils_of(holding, doomed) if holding.kind != "pupil" else set()
        tally, files, codes = Counter(), [], []
        _remove_rows(model, doomed, kinds, tally, files, codes)
        tally[_label(model)] -= len(doomed)  # counted apart
        _remove_left_pupils(pupils, kinds, tally, files, codes)
        _forget_mentions(codes, kinds, tally)
        states = {
            DisposalItem.State.HELD: held,
            DisposalItem.State.KEPT: kept,
            DisposalItem.State.DONE: set(items) - held - kept,
        }
        for state, ids in states.items():
            if ids:
                DisposalItem.objects.filter(run=run, record_id__in=ids).update(state=state)
        DisposalFile.objects.bulk_create([DisposalFile(run=run, name=name) for name in files])
        tally[FILES] += len(files)
        _release(run, tally, {"disposed": len(doomed), "held": len(held), "kept": len(kept)})
        transaction.on_commit(lambda: _remove_files(run))
    return True


def _claim(run: DisposalRun) -> bool:
    """Name this transaction as the run's batch: the triggers let only it delete. (The
    demo's SQLite has no triggers: there the run need only still be running.)"""
    if connection.vendor != "postgresql":
        return DisposalRun.objects.filter(pk=run.pk, state=DisposalRun.State.RUNNING).exists()
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE records_disposalrun SET batch_txid = txid_current() "
            "WHERE id = %s AND state = 'running'",
            [run.pk],
        )
        if cursor.rowcount != 1:
            return False
        cursor.execute("SELECT set_config('records.disposal_run', %s, true)", [str(run.pk)])
    return True


def _release(run: DisposalRun, tally: Counter, counts: dict) -> None:
    fresh = DisposalRun.objects.get(pk=run.pk)
    parts = Counter(fresh.parts)
    parts.update({label: n for label, n in tally.items() if n})
    fresh.parts = {label: n for label, n in sorted(parts.items()) if n}
    fresh.batch_txid = None
    fields = ["parts", "batch_txid"]
    if counts:
        fresh.batches += 1
        fresh.disposed += counts["disposed"]
        fresh.held += counts["held"]
        fresh.kept += counts["kept"]
        fields += ["batches", "disposed", "held", "kept"]
    fresh.save(update_fields=fields)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('records.disposal_run', '', true)")


def held_filter(holding: Holding) -> Q:
    """Which of a kind's rows a legal hold in force covers: the record itself, or any pupil
    it is about. The one statement of it: the review list and the disposal both ask it."""
    holds = LegalHold.objects.in_force()
    covered = Q(code__in=holds.filter(kind=holding.kind).values("record_code"))
    pupils = holds.filter(pupil__isnull=False).values("pupil")
    for path in holding.pupil_paths:
        covered |= Q(**{f"{path}__in" if path else "pk__in": pupils})
    return covered


def _held(holding: Holding, ids: list[int]) -> set[int]:
    if not ids:
        return set()
    rows = holding.model._base_manager.filter(pk__in=ids)
    return set(rows.filter(held_filter(holding)).values_list("pk", flat=True))


def _pupils_of(holding: Holding, ids: list[int]) -> set[int]:
    found = set()
    rows = holding.model._base_manager.filter(pk__in=ids)
    for path in holding.pupil_paths:
        found |= set(rows.exclude(**{f"{path}__isnull": True}).values_list(path, flat=True))
    return found


def _still_about_something(pupil_ids: Iterable[int]) -> set[int]:
    """Of these pupils, those some record of any other kind is still about."""
    pupils = Pupil.objects.filter(pk__in=list(pupil_ids))
    about = set()
    for holding in held_about_pupils(pupils):
        if holding.kind == "pupil":
            continue
        for path in holding.pupil_paths:
            about |= set(
                holding.model._base_manager.filter(**{f"{path}__in": pupils}).values_list(
                    path, flat=True
                )
            )
    return about


def _remove_left_pupils(pupil_ids, kinds, tally, files, codes) -> None:
    """The pupils of the disposed records who have left the roll and whom nothing is about
    any more go with their last records (unless held)."""
    if not pupil_ids:
        return
    gone = set(
        Pupil.objects.filter(pk__in=list(pupil_ids), left_on__isnull=False).values_list(
            "pk", flat=True
        )
    )
    gone -= _still_about_something(gone)
    gone -= set(
        LegalHold.objects.in_force().filter(pupil__in=gone).values_list("pupil", flat=True)
    )
    ids = sorted(gone)
    Pupil.objects.select_for_update().filter(pk__in=ids).only("pk").count()
    _remove_rows(Pupil, ids, kinds, tally, files, codes)


def _remove_rows(model, ids: list[int], kinds: set, tally, files: list, codes: list) -> None:
    """Remove these rows of `model`, what goes with them, and their history rows."""
    if not ids:
        return
    for relation in model._meta.get_fields(include_hidden=True):
        if relation.concrete or not relation.auto_created or relation.many_to_many:
            continue
        related = relation.related_model
        if issubclass(related, HistoricalChanges):
            continue
        column = f"{relation.field.attname}__in"
        if related in kinds:
            _lose_pointer(related, relation.field, ids, tally)
            continue
        parts = list(related._base_manager.filter(**{column: ids}).values_list("pk", flat=True))
        _remove_rows(related, parts, kinds, tally, files, codes)
        history = _history_of(related)
        if history is not None:  # parts removed long ago whose history still points here
            tally[HISTORY] += _remove_history(
                history, history._base_manager.filter(**{column: ids})
            )
    rows = model._base_manager.filter(pk__in=ids)
    names = [f.attname for f in model._meta.fields if isinstance(f, FileField)]
    has_code = any(f.name == "code" for f in model._meta.fields)
    if names or has_code:
        for values in rows.values(*names, *(["code"] if has_code else [])):
            files.extend(values[n] for n in names if values[n])
            if has_code:
                codes.append(values["code"])
    history = _history_of(model)
    if history is not None:
        tally[HISTORY] += _remove_history(history, history._base_manager.filter(id__in=ids))
    tally[_label(model)] += rows._raw_delete(rows.db)


def _label(model) -> str:
    """What the certificate calls a model's rows (Django pluralises "summary" "summarys")."""
    plural = str(model._meta.verbose_name_plural)
    if plural.endswith("ys") and plural[-3] not in "aeiou":
        plural = plural[:-2] + "ies"
    return plural[:1].upper() + plural[1:]


def _history_of(model):
    manager = getattr(model, "history", None)
    return getattr(manager, "model", None) if manager is not None else None


def _remove_history(history, rows) -> int:
    """History rows, and the m2m history rows that point at them (a conference's pupils)."""
    for relation in history._meta.get_fields(include_hidden=True):
        if relation.concrete or not relation.auto_created or relation.many_to_many:
            continue
        linked = relation.related_model._base_manager.filter(
            **{f"{relation.field.attname}__in": rows.values("pk")}
        )
        linked._raw_delete(linked.db)
    return rows._raw_delete(rows.db)


def _lose_pointer(model, field, ids, tally) -> None:
    """A record of another kind pointing at a disposed one keeps itself, without it."""
    marker = f"{field.name}_disposed"
    has_marker = any(f.name == marker for f in model._meta.fields)
    for record in model._base_manager.select_for_update().filter(**{f"{field.attname}__in": ids}):
        setattr(record, field.name, None)
        fields = [field.name]
        if has_marker:
            setattr(record, marker, True)
            fields.append(marker)
        record._change_reason = "The record it was made from was disposed of"
        record.save(update_fields=fields)
        tally[SOURCE] += 1


def _forget_mentions(codes: list, kinds: set, tally) -> None:
    if not codes:
        return
    # A lifted hold on a disposed record would keep its code and reason: it goes too (a hold
    # in force kept the record, so none is found here).
    lifted = list(
        LegalHold.objects.filter(record_code__in=codes, lifted_at__isnull=False).values_list(
            "pk", flat=True
        )
    )
    _remove_rows(LegalHold, lifted, kinds, tally, [], [])
    for mention in mentions_of(codes):
        if mention.forget is not None:
            tally[mention.label] += mention.forget(mention.rows)
            continue
        ids = list(mention.rows.values_list("pk", flat=True))
        before = tally[_label(mention.rows.model)]
        _remove_rows(mention.rows.model, ids, kinds, tally, [], [])
        label = _label(mention.rows.model)
        tally[mention.label] += tally[label] - before
        tally[label] = before


def _remove_files(run: DisposalRun) -> None:
    """Remove from storage the files of committed batches; a name stays until it is gone."""
    for stored in DisposalFile.objects.filter(run=run):
        try:
            default_storage.delete(stored.name)
        except OSError:
            logger.warning("Could not remove a disposed file of run %s; resume retries", run.code)
            continue
        stored.delete()


@transaction.atomic
def _finish(run: DisposalRun) -> DisposalCertificate:
    run = DisposalRun.objects.select_for_update().get(pk=run.pk)
    existing = DisposalCertificate.objects.filter(run=run).first()
    if existing is not None:
        return existing
    run.state = DisposalRun.State.DONE
    run.finished_at = timezone.now()
    run.save(update_fields=["state", "finished_at"])
    run.items.all().delete()
    return DisposalCertificate.objects.create(
        run=run,
        kind=run.kind,
        label=run.label,
        controller=run.controller,
        rule=run.rule,
        by=run.by,
        school=run.school,
        team=run.team,
        disposed=run.disposed,
        held=run.held,
        kept=run.kept,
        parts=run.parts,
        batches=run.batches,
        started_at=run.started_at,
        finished_at=run.finished_at,
    )

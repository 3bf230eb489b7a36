"""An import of a payer's file: recorded, run line by line, exactly once.

`flux_import_create` reads the file once for its SHA-256 digest and its line count, and records
the import — or, when a finished import of the same digest exists, records this one as « déjà
importé » and writes nothing else. An unfinished import of the same digest (a crash, a worker
killed) is returned as is: running it again resumes it.

`flux_import_run` streams the file through the reader (`settings.FLUX_READER`, the readers of
`workflows.flux.readers`) and applies it in batches (`workflows.flux.batch`), a transaction each.
Each line's `FluxLine` row carries a unique key (digest and line number) and is written in the
same transaction as the line's effects: a line is applied once or not at all, whatever crashes,
and a re-run skips the lines already there. Progress (`position`) is written with each batch, so
what the page shows has happened. A batch that meets a database error is applied again line by
line (`line_run`, each line in its savepoint), the reference the batches are tested against.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import DataError, IntegrityError, transaction
from django.db.models import Count, F
from django.utils.module_loading import import_string

from casework.enums import FluxImportStatus, FluxOutcome
from casework.models import FluxImport, FluxLine, Territory
from casework.services.deadlines import delay_rules_cached
from casework.vendor_sql import set_local
from workflows.flux.apply import LineResult, Run, line_apply
from workflows.flux.batch import batch_apply, batches, claim, line_row
from workflows.flux.records import FluxLineError, FluxRecord
from workflows.services.errors import TransitionError
from workflows.tasks import followups_gathered

logger = logging.getLogger(__name__)

CHUNK = 1 << 20
READER_MISSING = "Le lecteur des fichiers de flux n'est pas disponible : import impossible pour le moment."
UNREADABLE = "Le fichier n'a pas pu être lu jusqu'au bout : import interrompu (les lignes déjà appliquées le restent)."


@dataclass(frozen=True)
class FileFacts:
    digest: str
    size: int
    lines: int


def file_facts(path: Path) -> FileFacts:
    """The file's SHA-256 digest, size and line count, read in 1 MiB chunks (never whole)."""
    digest, size, lines = hashlib.sha256(), 0, 0
    with open(path, "rb") as stream:
        while chunk := stream.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
            lines += chunk.count(b"\n")
    return FileFacts(digest.hexdigest(), size, lines + (1 if size and not lines else 0))


def default_territory() -> Territory | None:
    """Where the command and the drop folder register new people: `FLUX_DEFAULT_TERRITORY`
    (a territory's code), else the only territory there is."""
    code = getattr(settings, "FLUX_DEFAULT_TERRITORY", "")
    if code:
        return Territory.objects.filter(code=code).first()
    territories = list(Territory.objects.order_by("pk")[:2])
    return territories[0] if len(territories) == 1 else None


def flux_import_create(
    path: Path,
    *,
    filename: str,
    source: str,
    by,
    received_on: dt.date,
    territory: Territory,
    now: dt.datetime,
    payer: str = "",
) -> FluxImport:
    """Record an import of the file at `path` (kept there until the import is finished)."""
    facts = file_facts(path)
    fields = {
        "by": by if getattr(by, "pk", None) else None,
        "source": source,
        "filename": filename[:255],
        "digest": facts.digest,
        "size": facts.size,
        "received_on": received_on,
        "payer": payer,
        "territory": territory,
        "created_at": now,
        "lines_total": facts.lines,
    }
    existing = FluxImport.objects.filter(digest=facts.digest).exclude(status=FluxImportStatus.DUPLICATE).first()
    if existing is None:
        try:
            with transaction.atomic():
                return FluxImport.objects.create(stored_path=str(path), **fields)
        except IntegrityError:  # the same file, at the same moment, from another door
            existing = FluxImport.objects.exclude(status=FluxImportStatus.DUPLICATE).get(digest=facts.digest)
    if existing.status != FluxImportStatus.DONE:
        return existing  # unfinished: running it resumes it
    return FluxImport.objects.create(
        status=FluxImportStatus.DUPLICATE, duplicate_of=existing, finished_at=now, **fields
    )


class _AlreadyApplied(Exception):
    """The line's key exists: another run applied it (the savepoint's effects are undone)."""


def _reader() -> Callable[..., Iterable[FluxRecord | FluxLineError]]:
    return import_string(settings.FLUX_READER)


def _line_save(row: FluxLine) -> None:
    try:
        with transaction.atomic():
            row.save(force_insert=True)
    except IntegrityError as exc:
        raise _AlreadyApplied from exc


def line_run(imp: FluxImport, item: FluxRecord | FluxLineError, run: Run) -> str | None:
    """Apply one line with its `FluxLine` row, in a savepoint; its outcome, or None if already applied."""
    if isinstance(item, FluxLineError):
        result = LineResult(FluxOutcome.REJECTED, reason=item.message)
        try:
            _line_save(line_row(imp, item.line_no, result, item.allocation_number))
        except _AlreadyApplied:
            return None
        return result.outcome
    try:
        with transaction.atomic():
            result = line_apply(item, run)
            _line_save(line_row(imp, item.line_no, result, item.allocation_number))
    except _AlreadyApplied:
        return None
    except (ValidationError, TransitionError) as exc:
        messages = exc.messages if isinstance(exc, ValidationError) else [str(exc)]
        result = LineResult(FluxOutcome.REJECTED, reason=" ".join(messages))
        try:
            _line_save(line_row(imp, item.line_no, result, item.allocation_number))
        except _AlreadyApplied:
            return None
    return result.outcome


def _batch_run(imp: FluxImport, batch: list, run: Run, clock: Callable[[], dt.datetime]) -> None:
    """One transaction per batch, the delay rules read once in it: set-based (`batch.batch_apply`),
    or line by line when the batch meets a database error (a line's conflict with a person's
    action at the same moment), each line then applied or refused on its own."""
    try:
        with transaction.atomic(), delay_rules_cached(), followups_gathered():
            # A batch's lookups carry hundreds of values: PostgreSQL's generic plan for such a
            # prepared statement filtered 75,000 rows against the list (0.56 s instead of 1 ms).
            set_local("plan_cache_mode", "force_custom_plan")
            applied = batch_apply(imp, claim(imp, batch), run)
            _progress(imp, batch, applied, clock)
        return
    except (IntegrityError, DataError):
        logger.warning("flux import %s: batch ending at line %s applied line by line", imp.pk, batch[-1].line_no)
    with transaction.atomic(), delay_rules_cached(), followups_gathered():
        applied = sum(line_run(imp, item, run) is not None for item in claim(imp, batch))
        _progress(imp, batch, applied, clock)


def _progress(imp: FluxImport, batch: list, applied: int, clock: Callable[[], dt.datetime]) -> None:
    FluxImport.objects.filter(pk=imp.pk).update(
        position=batch[-1].line_no, records_done=F("records_done") + applied, heartbeat_at=clock()
    )


def flux_counts(imp: FluxImport) -> dict[str, int]:
    """Lines per outcome, from the lines themselves (what was applied, not what was hoped)."""
    rows = FluxLine.objects.filter(flux_import=imp).values("outcome").annotate(n=Count("pk")).order_by()
    return {row["outcome"]: row["n"] for row in rows}


def _start(import_id: int, now: dt.datetime) -> FluxImport | None:
    with transaction.atomic():
        imp = FluxImport.objects.select_for_update(of=("self",)).select_related("territory", "by").get(pk=import_id)
        if imp.is_finished and imp.status != FluxImportStatus.FAILED:
            return None
        imp.status, imp.error = FluxImportStatus.RUNNING, ""
        imp.started_at, imp.heartbeat_at = imp.started_at or now, now
        imp.save(update_fields=["status", "error", "started_at", "heartbeat_at"])
    return imp


def _finish(imp: FluxImport, status: str, *, at: dt.datetime, error: str = "") -> FluxImport:
    imp.refresh_from_db()
    imp.status, imp.error, imp.finished_at, imp.counts = status, error, at, flux_counts(imp)
    imp.save(update_fields=["status", "error", "finished_at", "counts"])
    return imp


def flux_import_run(
    import_id: int, *, now: dt.datetime, clock: Callable[[], dt.datetime], reader: Callable | None = None
) -> FluxImport:
    """Apply every line not applied yet, then record the counts. Idempotent: run it again after a
    crash (or twice at once) and every line is applied exactly once. `now` is the instant the
    effects carry (as a person's action at that moment); `clock` dates the end of the run."""
    imp = _start(import_id, now)
    if imp is None:
        return FluxImport.objects.get(pk=import_id)
    try:
        read = reader or _reader()
    except ImportError:
        return _finish(imp, FluxImportStatus.FAILED, at=clock(), error=READER_MISSING)
    run = Run(import_id=imp.pk, received_on=imp.received_on, territory=imp.territory, by=imp.by, now=now)
    batch_size = settings.FLUX_BATCH_LINES
    try:
        with open(imp.stored_path, "rb") as stream:
            # A re-run reads the file again: each batch keeps only its lines not applied yet (`claim`).
            items = read(stream, received_on=imp.received_on, filename=imp.filename)
            for batch in batches(items, batch_size):
                _batch_run(imp, batch, run, clock)
    except OSError:
        logger.exception("flux import %s: the file could not be read", imp.pk)
        return _finish(imp, FluxImportStatus.FAILED, at=clock(), error=UNREADABLE)
    return _finish(imp, FluxImportStatus.DONE, at=clock())

"""The payers' drop folder (`FLUX_DROP_DIR`): the file transfer writes there, beat imports.

Each file is imported once (its digest: a file dropped twice is recorded as « déjà importé »),
then moved to `traités/` (imported) or `rejetés/` (already imported, or unreadable). A file
modified less than `FLUX_DROP_SETTLE_SECONDS` ago may still be being written: it waits for the
next scan. An interrupted import of a file still in the folder resumes at the next scan.
"""

from __future__ import annotations

import datetime as dt
import logging
import shutil
from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from casework.enums import FluxImportStatus, FluxSource
from casework.models import FluxImport
from workflows.flux.importer import default_territory, flux_import_create, flux_import_run

logger = logging.getLogger(__name__)

DONE_DIR, REJECTED_DIR = "traités", "rejetés"


def _move(path: Path, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / path.name
    n = 1
    while target.exists():
        target = folder / f"{path.stem}-{n}{path.suffix}"
        n += 1
    shutil.move(str(path), target)
    return target


def _settled(path: Path, now: dt.datetime) -> bool:
    modified = dt.datetime.fromtimestamp(path.stat().st_mtime, tz=dt.UTC)
    return (now - modified).total_seconds() >= settings.FLUX_DROP_SETTLE_SECONDS


def drop_folder_scan(*, now: dt.datetime, clock: Callable[[], dt.datetime]) -> list[int]:
    """Import every settled file of the drop folder; the ids of the imports recorded."""
    root = Path(settings.FLUX_DROP_DIR)
    if not root.is_dir():
        return []
    files = sorted(p for p in root.iterdir() if p.is_file() and not p.name.startswith("."))
    if not files:
        return []
    territory = default_territory()
    if territory is None:
        logger.warning("flux drop folder: FLUX_DEFAULT_TERRITORY names no territory; files waiting: %d", len(files))
        return []
    ids = []
    for path in files:
        if not _settled(path, now):
            continue
        received_on = timezone.localdate(now)
        imp = flux_import_create(
            path,
            filename=path.name,
            source=FluxSource.FOLDER,
            by=None,
            received_on=received_on,
            territory=territory,
            now=now,
        )
        if imp.status != FluxImportStatus.DUPLICATE:
            if imp.stored_path != str(path):  # resumed from another door: read this copy
                FluxImport.objects.filter(pk=imp.pk).update(stored_path=str(path))
            imp = flux_import_run(imp.pk, now=now, clock=clock)
        folder = DONE_DIR if imp.status == FluxImportStatus.DONE else REJECTED_DIR
        moved = _move(path, root / folder)
        FluxImport.objects.filter(pk=imp.pk).update(stored_path=str(moved))
        logger.info("flux drop folder: import %s %s, file moved to %s/", imp.pk, imp.status, folder)
        ids.append(imp.pk)
    return ids

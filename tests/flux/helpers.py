"""Records built in memory, written as JSON lines, imported through the real importer."""

from __future__ import annotations

import datetime as dt
import itertools
from pathlib import Path

from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType

from casework.enums import FluxSource
from casework.models import FluxImport
from casework.permissions import FLUX_IMPORTERS_GROUP
from tests.helpers import at
from workflows.flux.importer import flux_import_create, flux_import_run
from workflows.flux.records import FluxPerson, FluxRecord

from . import jsonl

D = dt.date
RECEIVED = D(2026, 11, 2)  # a Monday
BORN = D(1985, 6, 15)
_files = itertools.count(1)


def person(last: str, first: str, birth: dt.date = BORN, *, nir: str = "", subject: bool = True) -> FluxPerson:
    return FluxPerson(
        role="DEM", last_name=last, first_name=first, birth_date=birth, nir=nir, subject_to_rights_and_duties=subject
    )


def dossier(allocation: str, *persons: FluxPerson, state: str = "open", on: dt.date | None = None, **kw) -> FluxRecord:
    return FluxRecord(
        line_no=0,
        payer=kw.pop("payer", "cnaf"),
        allocation_number=allocation,
        request_number=f"R{allocation}",
        right_state=state,
        right_state_code={"open": "2", "suspended": "3", "closed": "6", "pending": "0"}[state],
        right_state_on=on,
        persons=persons,
        **kw,
    )


def flux_file(folder: Path, records: list[FluxRecord], name: str = "") -> Path:
    """A file of these records; each file its own (a last comment line), as two days' files are."""
    n = next(_files)
    path = folder / (name or f"flux-{n}.jsonl")
    path.write_text("".join(jsonl.record_json(r) + "\n" for r in records) + f"# {n}\n", encoding="utf-8")
    return path


def import_file(path: Path, world, *, received_on: dt.date = RECEIVED, by=None, reader=jsonl.read_flux) -> FluxImport:
    """Import through the real importer; `reader=None`: the configured one (the payers' XML)."""
    imp = flux_import_create(
        path,
        filename=path.name,
        source=FluxSource.COMMAND,
        by=by,
        received_on=received_on,
        territory=world.territory,
        now=at(received_on),
    )
    return flux_import_run(imp.pk, now=at(received_on), clock=lambda: at(received_on, 10), reader=reader)


def import_records(tmp_path: Path, world, records: list[FluxRecord], **kw) -> FluxImport:
    return import_file(flux_file(tmp_path, records), world, **kw)


def grant_importer(user) -> None:
    """The importers' group (a transactional test's flush empties the migration's row)."""
    content_type = ContentType.objects.get_for_model(FluxImport)
    permission, _ = Permission.objects.get_or_create(
        content_type=content_type, codename="run_flux_import", defaults={"name": "Peut importer les flux"}
    )
    group, _ = Group.objects.get_or_create(name=FLUX_IMPORTERS_GROUP)
    group.permissions.add(permission)
    group.user_set.add(user)

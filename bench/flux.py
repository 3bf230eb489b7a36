"""Measure: the payers' flux import beside a raw COPY of the same rows (the floor).

(a) A file of N dossiers of mixed kinds is imported by `manage.py import_flux` in its own process,
    with every effect (beneficiaries, pathways, journal, deadlines, tasks to sync, follow-up
    messages, lines): its time, its rate and its peak memory (the child's max RSS). Before it,
    untimed, a first file enters a fifth of the people, and a second closes a tenth of those, so
    the timed file holds entries, transfers, closures, exits, payer suspensions, reopenings
    within 12 months and unchanged lines.
(b) The same rows COPYed into a staging table: the floor no import can beat.
(c) The same file imported again: « déjà importé », its time against (a), and the rows written.
(d) Peak memory of the importing process for a 100 MiB and a 1 GiB file (`--flux-sizes`): the
    process reads the file whole for its digest and lines count, then streams it through the reader
    and the skip set of lines already applied; applying is per line, so it adds no memory with the
    file's size. Full imports of those files (0.5 and 5 million dossiers) are not run here.
Until the payers' readers land, the files are JSON lines read by `tests.flux.jsonl`.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import random
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from django.db import connection

from .util import ratio

ROOT = Path(__file__).resolve().parents[1]
READER = "tests.flux.jsonl.read_flux"
MIB = 1024**2


def _person(i: int, rng: random.Random, *, subject: bool = True):
    from workflows.flux.records import FluxPerson

    born = dt.date(1960, 1, 1) + dt.timedelta(days=rng.randrange(40 * 365))
    return FluxPerson(
        "DEM", f"FLUXNOM{i}", f"Prénom{i % 97}", born, nir=f"1{i:012d}", subject_to_rights_and_duties=subject
    )


def _record(i: int, person, state: str = "open", *, on: dt.date | None = None, transfer: str = ""):
    from workflows.flux.records import FluxRecord

    return FluxRecord(0, "cnaf", f"B{i:09d}", f"R{i}", state, state, None, on, transfer, (person,))


def _write(path: Path, records) -> Path:
    sys.path.insert(0, str(ROOT))
    from tests.flux.jsonl import record_json

    with open(path, "w", encoding="utf-8") as out:
        for record in records:
            out.write(record_json(record) + "\n")
    return path


def files(folder: Path, n: int, *, received_on: dt.date, seed: int = 7) -> dict[str, Path]:
    """The setup files (entries, then closures) and the timed file of N mixed dossiers."""
    rng = random.Random(seed)
    known = n // 5
    people = {i: _person(i, rng) for i in range(known)}
    closed = set(range(0, known, 10))
    first = received_on - dt.timedelta(days=60)
    setup = _write(folder / "flux-setup-1.jsonl", (_record(i, people[i]) for i in range(known)))
    closing = _write(
        folder / "flux-setup-2.jsonl",
        (_record(i, people[i], "closed", on=first + dt.timedelta(days=10)) for i in sorted(closed)),
    )

    def mixed():
        for i in range(known):
            if i in closed:
                yield _record(i, people[i])  # reopened within 12 months
                continue
            kind = i % 20
            if kind < 6:
                yield _record(i, people[i], "closed", on=received_on - dt.timedelta(days=1))
            elif kind < 11:
                yield _record(i, people[i], "suspended", on=received_on - dt.timedelta(days=1))
            elif kind < 14:
                yield _record(i, replace(people[i], subject_to_rights_and_duties=False))  # exit
            else:
                yield _record(i, people[i])  # unchanged
        for i in range(known, n):
            yield _record(i, _person(i, rng), transfer="86" if i % 20 == 0 else "")

    timed = _write(folder / "flux-timed.jsonl", mixed())
    return {"setup": setup, "closing": closing, "timed": timed, "setup_received_on": first}


# The child's own peak RSS: VmHWM of its memory image (ru_maxrss is carried across fork and exec on
# Linux, so a child would report at least the bench process's own size).
HWM = "print('VmHWM', [l.split()[1] for l in open('/proc/self/status') if l.startswith('VmHWM')][0])"


def _hwm_mib(stdout: str) -> float | None:
    for line in stdout.splitlines():
        if line.startswith("VmHWM"):
            return round(int(line.split()[1]) / 1024, 1)
    return None


def _import(path: Path, received_on: dt.date, territory: str) -> dict:
    """`manage.py import_flux` in a child process: its wall time and peak RSS."""
    env = {**os.environ, "FLUX_READER": READER, "PYTHONPATH": str(ROOT)}
    code = (
        "import django; django.setup(); from django.core.management import call_command;"
        f"call_command('import_flux', {str(path)!r}, '--received-on', {received_on.isoformat()!r},"
        f" '--territory', {territory!r}); {HWM}"
    )
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    seconds = time.monotonic() - started
    return {
        "seconds": round(seconds, 2),
        "peak_rss_mib": _hwm_mib(done.stdout),
        "output": done.stdout.strip().splitlines()[-12:],
        "returncode": done.returncode,
    }


def _rows() -> dict[str, int]:
    tables = ("casework_pathway", "casework_beneficiary", "casework_transitionlog", "casework_deadline",
              "casework_fluxline", "casework_payeraccount")  # fmt: skip
    with connection.cursor() as cur:
        out = {}
        for table in tables:
            cur.execute(f"SELECT count(*) FROM {table}")  # noqa: S608 - constant names
            out[table] = cur.fetchone()[0]
    return out


def _copy_floor(path: Path) -> dict:
    """The same dossiers' rows COPYed into a staging table (one row per person), the floor."""
    sys.path.insert(0, str(ROOT))
    from tests.flux.jsonl import read_flux

    buffer = io.StringIO()
    with open(path, "rb") as stream:
        for r in read_flux(stream, received_on=dt.date.today()):
            for p in r.persons:
                subject = "t" if p.subject_to_rights_and_duties else "f"
                cells = (r.payer, r.allocation_number, r.right_state, p.last_name, p.first_name)
                cells += (p.birth_date.isoformat(), p.nir, subject)
                buffer.write("\t".join(cells) + "\n")
    data = buffer.getvalue()
    with connection.cursor() as cur:
        cur.execute(
            "CREATE TEMP TABLE IF NOT EXISTS flux_staging (payer text, allocation_number text, right_state text, "
            "last_name text, first_name text, birth_date date, nir text, subject boolean)"
        )
        cur.execute("TRUNCATE flux_staging")
        started = time.monotonic()
        with cur.cursor.copy("COPY flux_staging FROM STDIN") as copy:
            copy.write(data)
        seconds = time.monotonic() - started
        cur.execute("DROP TABLE flux_staging")
    return {"seconds": round(seconds, 3), "rows": data.count("\n")}


def _big_file(folder: Path, size: int, received_on: dt.date) -> Path:
    """A file of entries of about `size` bytes (one person per line)."""
    rng = random.Random(size)
    path = folder / f"flux-{size // MIB}mib.jsonl"
    sys.path.insert(0, str(ROOT))
    from tests.flux.jsonl import record_json

    with open(path, "w", encoding="utf-8") as out:
        written, i = 0, 10_000_000
        while written < size:
            line = record_json(_record(i, _person(i, rng))) + "\n"
            out.write(line)
            written += len(line.encode())
            i += 1
    return path


def _read_pass_peak(path: Path) -> dict:
    """Peak RSS of a child that does what the importer does with a file before applying lines:
    its digest and line count, then the stream through the reader."""
    code = (
        "import django, os, sys; django.setup();"
        "from pathlib import Path; from django.utils.module_loading import import_string;"
        "from workflows.flux.importer import file_facts;"
        f"p = Path({str(path)!r}); facts = file_facts(p);"
        "read = import_string(os.environ['FLUX_READER']); import datetime as dt;"
        "n = sum(1 for _ in read(open(p, 'rb'), received_on=dt.date.today()));"
        f"print('dossiers', n); {HWM}"
    )
    env = {**os.environ, "FLUX_READER": READER, "PYTHONPATH": str(ROOT)}
    started = time.monotonic()
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    dossiers = next(int(line.split()[1]) for line in out.stdout.splitlines() if line.startswith("dossiers"))
    return {
        "dossiers": dossiers,
        "peak_rss_mib": _hwm_mib(out.stdout),
        "seconds": round(time.monotonic() - started, 1),
    }


def measure(*, n: int, today: dt.date, sizes_mib: tuple[int, ...] = (100, 1024)) -> dict:
    """Every flux figure at N dossiers (see the module's docstring)."""
    from casework.models import Territory

    territory = Territory.objects.order_by("pk").first()
    if territory is None:
        return {"status": "no territory"}
    with tempfile.TemporaryDirectory(prefix="flux-bench-") as tmp:
        folder = Path(tmp)
        made = files(folder, n, received_on=today)
        _import(made["setup"], made["setup_received_on"], territory.code)
        _import(made["closing"], made["setup_received_on"] + dt.timedelta(days=10), territory.code)
        before = _rows()
        first = _import(made["timed"], today, territory.code)
        after = _rows()
        again = _import(made["timed"], today, territory.code)
        written_again = {k: v - after[k] for k, v in _rows().items() if v != after[k]}
        floor = _copy_floor(made["timed"])
        memory = {}
        for size in sizes_mib:
            big = _big_file(folder, size * MIB, today)
            memory[f"{size}_mib"] = _read_pass_peak(big)
            big.unlink()
    return {
        "dossiers": n,
        "import": {**first, "per_s": round(n / first["seconds"], 1)},
        "rows_written": {k: after[k] - before[k] for k in after},
        "copy_floor": floor,
        "vs_copy": ratio(first["seconds"], floor["seconds"]),
        "reimport": {
            **again,
            "rows_written": written_again,
            "share_of_first": ratio(again["seconds"], first["seconds"]),
        },
        "memory": memory,
    }


def table_rows(f: dict, fmt) -> list[tuple]:
    """The flux lines of `make bench`'s table: the import against a raw COPY, its re-import, memory."""
    if "import" not in f:
        return [("flux import", f.get("status", "—"), "", "", "")] if f else []
    i, r = f["import"], f["reimport"]
    rows = [
        (
            f"flux import, {f['dossiers']:,} dossiers (every effect)",
            f"{fmt(i['seconds'], ' s')} ({fmt(i['per_s'])}/s)",
            fmt(f["copy_floor"]["seconds"], " s COPY"),
            fmt(f["vs_copy"], "x"),
            "<= 120 s",
        ),
        (
            "  re-import of the same file",
            fmt(r["seconds"], " s"),
            f"rows written {sum(r['rows_written'].values())}",
            fmt(r["share_of_first"], "x"),
            "<= 0.2x, 0 rows",
        ),
        ("  importing process peak RSS", fmt(i["peak_rss_mib"], " MiB"), "", "", "<= 300 MiB"),
    ]
    for size, m in f.get("memory", {}).items():
        rows.append(
            (f"  {size.replace('_', ' ')} file, read pass", fmt(m["peak_rss_mib"], " MiB"), "", "", "<= 300 MiB")
        )
    return rows

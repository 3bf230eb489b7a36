"""Measure: the payers' flux import beside a raw COPY of the same rows (the floor).

(a) The generator's CNAF XML of N dossiers for month 3 of a population (`manage.py generate_flux`:
    entries, transfers, closures, exits, payer suspensions and their lifting, reopenings within
    12 months, unchanged) is imported by `import_flux` in its own process, with every effect
    (people, pathways, journal, deadlines, tasks to sync, follow-up messages, lines): its time, its
    rate and its peak memory (VmHWM). Months 1 and 2 are imported before it, untimed, so that the
    people it speaks of exist.
(b) The same dossiers' rows (one per person, as read) COPYed into a staging table: the floor.
(c) The same file imported again: « déjà importé », its time against (a), and the rows written.
(d) Peak memory for a 100 MiB and a 1 GiB file (`--flux-sizes`): a child that does what the
    importer does before applying (the digest and line count, then every dossier through the
    readers). Applying is per line and adds nothing that grows with the file; full imports of
    those files (50,000 and 500,000 dossiers) are not run here.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from django.db import connection

from .util import ratio

ROOT = Path(__file__).resolve().parents[1]
MIB = 1024**2
SEED = 11


def _generate(path: Path, *, dossiers: int, month: int, received_on: dt.date) -> Path:
    from workflows.flux.generator import FluxSpec, generate

    spec = FluxSpec(dossiers=dossiers, seed=SEED, month=month, received_on=received_on)
    with open(path, "w", encoding="utf-8", newline="", buffering=MIB) as out:
        generate(spec, out)
    return path


def files(folder: Path, n: int, *, received_on: dt.date) -> dict:
    """Months 1 and 2 (setup) and month 3 (timed) of one population of N dossiers."""
    from workflows.flux.population import add_months

    # The generator's months are calendar months: its population is the same only so.
    months = {m: add_months(received_on, m - 3) for m in (1, 2, 3)}
    made = {m: _generate(folder / f"caf-{m}.xml", dossiers=n, month=m, received_on=day) for m, day in months.items()}
    return {"files": made, "received_on": months}


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
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
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


def _copy_floor(path: Path, received_on: dt.date) -> dict:
    """The same dossiers' rows COPYed into a staging table (one row per person), the floor."""
    from workflows.flux.readers import read_flux

    buffer = io.StringIO()
    with open(path, "rb") as stream:
        for r in read_flux(stream, received_on=received_on, filename=path.name):
            for p in getattr(r, "persons", ()):
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
    """A generated CNAF file of about `size` bytes (about 2,100 bytes a dossier)."""
    return _generate(
        folder / f"caf-{size // MIB}mib.xml", dossiers=max(1, size // 2100), month=1, received_on=received_on
    )


def _read_pass_peak(path: Path) -> dict:
    """Peak RSS of a child that does what the importer does with a file before applying lines:
    its digest and line count, then the stream through the reader."""
    code = (
        "import django, os, sys; django.setup();"
        "from pathlib import Path; from django.utils.module_loading import import_string;"
        "from workflows.flux.importer import file_facts;"
        f"p = Path({str(path)!r}); facts = file_facts(p);"
        "read = import_string('workflows.flux.readers.read_flux'); import datetime as dt;"
        "n = sum(1 for _ in read(open(p, 'rb'), received_on=dt.date.today(), filename=p.name));"
        f"print('dossiers', n); {HWM}"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
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
        paths, days = made["files"], made["received_on"]
        setup = [_import(paths[m], days[m], territory.code) for m in (1, 2)]
        before = _rows()
        first = _import(paths[3], days[3], territory.code)
        after = _rows()
        again = _import(paths[3], days[3], territory.code)
        written_again = {k: v - after[k] for k, v in _rows().items() if v != after[k]}
        floor = _copy_floor(paths[3], days[3])
        memory = {}
        for size in sizes_mib:
            big = _big_file(folder, size * MIB, today)
            memory[f"{size}_mib"] = {**_read_pass_peak(big), "file_mib": round(big.stat().st_size / MIB, 1)}
            big.unlink()
    return {
        "dossiers": n,
        "setup_seconds": [s["seconds"] for s in setup],
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

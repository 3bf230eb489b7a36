"""Measure: the payers' flux import beside a raw COPY of the same rows (the floor).

Everything runs in a scratch database of its own (`<bench database>_flux`, made afresh and
dropped at the end: the imports add people, and the other measures' database stays as loaded),
each import in a child process with DEBUG off, as in production.
(a) The generator's CNAF XML of N dossiers for month 3 of a population (`manage.py generate_flux`:
    entries, transfers, closures, exits, payer suspensions and their lifting, reopenings within
    12 months, unchanged) is imported by `import_flux`, with every effect (people, pathways,
    journal, audit, deadlines, tasks to sync, follow-up messages, lines): its time, its rate and
    its peak memory (VmHWM). Months 1 and 2 are imported before it (their times are reported too),
    so that the people it speaks of exist.
(b) The same dossiers' rows (one per person, as read) COPYed into a staging table: the floor.
(c) The same file imported again: « déjà importé », its time against (a), and the rows written.
(d) Peak memory of full imports of a 100 MiB and a 1 GiB file (`--flux-sizes`; month 1 of another
    population: every line an entry), against the file's size.
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
from urllib.parse import urlsplit

import psycopg
from django.db import connection

from .util import ratio

ROOT = Path(__file__).resolve().parents[1]
MIB = 1024**2
SEED = 11
TERRITORY = "banc-flux"


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


def _child_env(db_url: str) -> dict:
    return {**os.environ, "PYTHONPATH": str(ROOT), "DATABASE_URL": db_url, "DJANGO_DEBUG": "0"}


def _import(path: Path, received_on: dt.date, territory: str, db_url: str) -> dict:
    """`manage.py import_flux` in a child process: its wall time and peak RSS."""
    env = _child_env(db_url)
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


def _rows(db_url: str) -> dict[str, int]:
    tables = ("casework_pathway", "casework_beneficiary", "casework_transitionlog", "casework_deadline",
              "casework_fluxline", "casework_payeraccount", "casework_historicalpathway")  # fmt: skip
    with psycopg.connect(db_url) as conn:
        return {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in tables}  # noqa: S608 - constants


def scratch_database(db_url: str) -> str:
    """A fresh database beside the bench's, migrated, with one territory; its URL."""
    from .run import bench_database_url, ensure_database

    name = urlsplit(db_url).path.lstrip("/") + "_flux"
    ensure_database(db_url, name, fresh=True)
    url = bench_database_url(db_url, name)
    code = (
        "import django; django.setup(); from django.core.management import call_command;"
        "call_command('migrate', verbosity=0); from casework.models import Territory;"
        f"Territory.objects.get_or_create(code={TERRITORY!r}, defaults={{'name': 'Territoire du banc'}})"
    )
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=_child_env(url), check=True)
    return url


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
    """Month 1 of another population, a generated CNAF file of about `size` bytes (about 2,100
    bytes a dossier)."""
    from workflows.flux.generator import FluxSpec, generate

    spec = FluxSpec(dossiers=max(1, size // 2100), seed=SEED + 1, month=1, received_on=received_on)
    path = folder / f"caf-{size // MIB}mib.xml"
    with open(path, "w", encoding="utf-8", newline="", buffering=MIB) as out:
        generate(spec, out)
    return path


def _memory(folder: Path, sizes_mib: tuple[int, ...], today: dt.date, db_url: str) -> dict:
    """Full imports of files of these sizes: the importing process's peak RSS against the size."""
    memory = {}
    for size in sizes_mib:
        big = _big_file(folder, size * MIB, today)
        done = _import(big, today, TERRITORY, db_url)
        memory[f"{size}_mib"] = {
            "file_mib": round(big.stat().st_size / MIB, 1),
            "dossiers": max(1, size * MIB // 2100),
            "peak_rss_mib": done["peak_rss_mib"],
            "seconds": done["seconds"],
            "returncode": done["returncode"],
        }
        big.unlink()
    return memory


def measure(*, n: int, today: dt.date, sizes_mib: tuple[int, ...] = (100, 1024)) -> dict:
    """Every flux figure at N dossiers (see the module's docstring)."""
    from .run import drop_database

    # `bench.run` points DATABASE_URL at the bench's database (its credentials included).
    db_url = scratch_database(os.environ["DATABASE_URL"])
    try:
        with tempfile.TemporaryDirectory(prefix="flux-bench-") as tmp:
            folder = Path(tmp)
            made = files(folder, n, received_on=today)
            paths, days = made["files"], made["received_on"]
            setup = [_import(paths[m], days[m], TERRITORY, db_url) for m in (1, 2)]
            before = _rows(db_url)
            first = _import(paths[3], days[3], TERRITORY, db_url)
            after = _rows(db_url)
            again = _import(paths[3], days[3], TERRITORY, db_url)
            written_again = {k: v - after[k] for k, v in _rows(db_url).items() if v != after[k]}
            floor = _copy_floor(paths[3], days[3])
            memory = _memory(folder, sizes_mib, today, db_url)
    finally:
        drop_database(db_url, urlsplit(db_url).path.lstrip("/"))
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
            (
                f"  {size.replace('_', ' ')} file imported ({m['dossiers']:,} entries), peak RSS",
                fmt(m["peak_rss_mib"], " MiB"),
                fmt(m["seconds"], " s"),
                "",
                "<= 300 MiB",
            )
        )
    return rows

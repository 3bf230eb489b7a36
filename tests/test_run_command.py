"""Issue 13, point 18: `make run` — Ctrl-C stops web, worker and beat cleanly; e-mail links use
the port served on; no kombu "No hostname was supplied" warning; a 403 is one log line.

The supervisor test runs the real three processes on SQLite and the filesystem broker in a
temporary directory, as `make run` does on a fresh clone.
"""

from __future__ import annotations

import io
import logging
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.helpers import free_port

ROOT = Path(__file__).resolve().parents[1]


def fresh_env(var_dir: Path, **extra: str) -> dict[str, str]:
    """The environment of a fresh clone: SQLite and the filesystem broker under `var_dir`."""
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL")}
    for name in ("SITE_URL", "HOST", "PORT", "CELERY_TASK_ALWAYS_EAGER", "EMAIL_BACKEND"):
        env.pop(name, None)
    env.update(FILROUGE_VAR_DIR=str(var_dir), DJANGO_SETTINGS_MODULE="config.settings.dev", **extra)
    return env


def python(code: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, check=True
    )


SITE_URL = "import django; django.setup(); from django.conf import settings; print(settings.SITE_URL)"


def test_site_url_follows_the_port_served_on_unless_set(tmp_path):
    assert python(SITE_URL, fresh_env(tmp_path, PORT="8765")).stdout.strip() == "http://127.0.0.1:8765"
    assert python(SITE_URL, fresh_env(tmp_path)).stdout.strip() == "http://127.0.0.1:8000"
    assert python(SITE_URL, fresh_env(tmp_path, HOST="0.0.0.0", PORT="9000")).stdout.strip() == (
        "http://127.0.0.1:9000"
    )
    env = fresh_env(tmp_path, PORT="8765", SITE_URL="https://filrouge.example.org/")
    assert python(SITE_URL, env).stdout.strip() == "https://filrouge.example.org"


def test_the_filesystem_broker_connects_without_the_no_hostname_warning(tmp_path):
    code = (
        "import logging; logging.basicConfig(level=logging.INFO)\n"
        "from config.celery import app\n"
        "app.config_from_object('django.conf:settings', namespace='CELERY')\n"
        "with app.connection_for_write() as conn:\n"
        "    conn.ensure_connection(max_retries=1); print(conn.as_uri()); conn.info()\n"
    )
    done = python(code, fresh_env(tmp_path))
    assert done.stdout.strip().startswith("filesystem://")
    assert "No hostname was supplied" not in done.stderr, done.stderr


def test_settings_write_nothing_and_the_broker_makes_its_folders_when_configured(tmp_path):
    var_dir = tmp_path / "var"
    python(SITE_URL, fresh_env(var_dir))
    assert not var_dir.exists()  # importing the settings made no directory
    connect = (
        "import django; django.setup()\n"
        "from config.celery import app\n"
        "with app.connection_for_write() as conn:\n"
        "    conn.ensure_connection(max_retries=1)\n"
    )
    python(connect, fresh_env(var_dir))
    assert {p.name for p in (var_dir / "broker").iterdir()} == {"queue", "processed", "control"}


@pytest.mark.django_db
def test_a_403_is_one_log_line_not_a_traceback(client):
    """A referent opening the team-lead dashboard: PermissionDenied → 403, logged in one line."""
    from tests.factories import ProfessionalFactory

    referent = ProfessionalFactory(referent=True)
    client.force_login(referent.user)
    handler = next(h for h in logging.getLogger().handlers if h.get_name() == "console")
    stream = io.StringIO()
    old_stream = handler.setStream(stream)
    try:
        response = client.get("/tableau-de-bord/")
    finally:
        handler.setStream(old_stream)
    assert response.status_code == 403
    lines = [line for line in stream.getvalue().splitlines() if "django.request" in line or "Traceback" in line]
    assert len(lines) == 1, stream.getvalue()
    assert "WARNING django.request Forbidden (Permission denied): /tableau-de-bord/" in lines[0]
    assert "Traceback" not in stream.getvalue()


def test_a_500_keeps_its_traceback():
    """Only refused requests lose the traceback: a server error needs it."""
    from config.logging_filters import ClientErrorWithoutTraceback

    try:
        raise RuntimeError("boom")
    except RuntimeError:
        record = logging.LogRecord("django.request", logging.ERROR, __file__, 1, "Internal", None, sys.exc_info())
    record.status_code = 500
    assert ClientErrorWithoutTraceback().filter(record) and record.exc_info is not None


def test_when_one_process_dies_the_others_are_stopped_and_its_status_returned(tmp_path):
    """Port taken, broken settings: `make run` must not leave a worker running without its web."""
    from config.supervisor import Child, Supervisor

    sleeper = [sys.executable, "-c", "import time; time.sleep(60)"]
    procs = [
        Child("web", [sys.executable, "-c", "import sys; sys.exit(3)"], signal.SIGINT),
        Child("worker", sleeper, signal.SIGTERM, tmp_path / "worker.log"),
        Child("beat", sleeper, signal.SIGTERM, tmp_path / "beat.log"),
    ]
    out = io.StringIO()
    started = time.monotonic()
    assert Supervisor(procs, out=out).run(dict(os.environ)) == 3
    assert time.monotonic() - started < 15
    assert all(child.process.returncode == -signal.SIGTERM for child in procs[1:])
    assert "web s'est arrêté (code 3)" in out.getvalue()


def _children(pid: int) -> list[int]:
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True).stdout
    return [int(p) for p in out.split()]


def _alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def _wait_for(predicate, timeout: float, what: str, logs: Path) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            text = "\n".join(
                f"== {p.name}\n{p.read_text()[-3000:]}"
                for p in sorted(logs.rglob("*"))
                if p.suffix in (".log", ".txt")
            )
            raise AssertionError(f"timed out waiting for {what}:\n{text}")
        time.sleep(0.2)


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return False


@pytest.mark.worker
def test_ctrl_c_stops_web_worker_and_beat_cleanly(tmp_path):
    """Ctrl-C reaches the supervisor's process group (as from a terminal): the three children
    stop within the bound, the status is 0, no crash, one warm shutdown, no process left."""
    env = fresh_env(tmp_path)
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput"], cwd=ROOT, env=env, check=True, capture_output=True
    )
    port, log_dir = free_port(), tmp_path / "log"
    output = tmp_path / "console.txt"
    with output.open("w") as console:
        supervisor = subprocess.Popen(
            [sys.executable, "-m", "config.supervisor", "--port", str(port), "--log-dir", str(log_dir)],
            cwd=ROOT,
            env=env,
            stdout=console,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, like a shell's foreground job
        )
        try:
            _wait_for(lambda: _answers(f"http://127.0.0.1:{port}/connexion/"), 90, "the web server", tmp_path)
            worker_log, beat_log = log_dir / "worker.log", log_dir / "beat.log"
            _wait_for(lambda: worker_log.exists() and "ready." in worker_log.read_text(), 90, "the worker", tmp_path)
            # Beat has read its schedule into the database once it sends its first due task (a
            # Ctrl-C while it still writes the entries is another test: interrupting a start).
            _wait_for(lambda: beat_log.exists() and "Sending due task" in beat_log.read_text(), 90, "beat", tmp_path)
            children = _children(supervisor.pid)
            assert len(children) == 3
            os.killpg(supervisor.pid, signal.SIGINT)  # what Ctrl-C does
            status = supervisor.wait(timeout=30)
        finally:
            if supervisor.poll() is None:
                os.killpg(supervisor.pid, signal.SIGKILL)
                for pid in _children(supervisor.pid):
                    os.kill(pid, signal.SIGKILL)
    text = output.read_text() + worker_log.read_text() + beat_log.read_text()
    assert status == 0, text
    assert not [pid for pid in children if _alive(pid)], "a child outlived the supervisor"
    assert "Segmentation fault" not in text and "Traceback" not in text, text
    assert text.count("Warm shutdown") == 1, text
    assert "No hostname was supplied" not in text
    assert "Fil rouge arrêté." in output.read_text()

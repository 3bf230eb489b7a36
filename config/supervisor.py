"""`make run`'s three processes: the web server, the Celery worker and beat, stopped together.

    python -m config.supervisor [--host 127.0.0.1] [--port 8000] [--log-dir var/log]

Why a supervisor and not a shell `trap 'kill 0' INT TERM EXIT`: that trap signalled its own
process group, itself included, so it re-entered on its own TERM until bash crashed
("Segmentation fault"), while the worker got a stream of signals (thousands of "Warm shutdown"
lines) and could outlive the web server. Here:
- each child runs in its own session, so Ctrl-C in the terminal reaches this process only,
  and each child is told once, with the signal it stops cleanly on (runserver: SIGINT; the
  Celery worker and beat: SIGTERM, a warm shutdown);
- a second Ctrl-C, or children still alive after STOP_TIMEOUT seconds, kill what is left;
- if one child dies on its own (port taken, broken settings), the others are stopped too and
  its exit status is returned; after a requested stop the status is 0.
The children get PORT and HOST in their environment, so SITE_URL (links in e-mails) follows the
port served on unless SITE_URL is set (config/settings/base.py). The worker's and beat's full
logs go to `<log-dir>/worker.log` and `beat.log`; the lines worth seeing are echoed here.
"""

from __future__ import annotations

import argparse
import os
import re
import selectors
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

STOP_TIMEOUT = 20.0
# Worker and beat lines echoed on the console (their full output is in the log files).
ECHO = re.compile(r"sweep_deadlines|succeeded|Sending due task|ERROR|CRITICAL|Traceback")


@dataclass
class Child:
    name: str
    argv: list[str]
    stop_signal: signal.Signals
    log_path: Path | None = None  # None: output goes straight to the console
    process: subprocess.Popen | None = None
    log: IO[str] | None = field(default=None, repr=False)

    def start(self, env: dict[str, str]) -> None:
        piped = self.log_path is not None
        if piped:
            self.log = open(self.log_path, "a", encoding="utf-8", buffering=1)  # noqa: SIM115 (closed in close())
        self.process = subprocess.Popen(
            self.argv,
            env=env,
            start_new_session=True,  # the terminal's Ctrl-C is not theirs: we forward it, once
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE if piped else None,
            stderr=subprocess.STDOUT if piped else None,
            text=True,
            bufsize=1,
        )

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def signal(self, sig: signal.Signals) -> None:
        if self.alive():
            try:
                self.process.send_signal(sig)
            except ProcessLookupError:
                pass

    def close(self) -> None:
        if self.log is not None:
            self.log.close()


def children(python: str, host: str, port: int, log_dir: Path) -> list[Child]:
    celery = [python, "-m", "celery", "-A", "config"]
    return [
        Child("web", [python, "manage.py", "runserver", f"{host}:{port}", "--noreload"], signal.SIGINT),
        Child(
            "worker",
            [*celery, "worker", "--loglevel=INFO", "--concurrency=1", "--pool=solo"],
            signal.SIGTERM,
            log_dir / "worker.log",
        ),
        Child("beat", [*celery, "beat", "--loglevel=INFO", "--pidfile="], signal.SIGTERM, log_dir / "beat.log"),
    ]


class Supervisor:
    def __init__(self, procs: list[Child], *, stop_timeout: float = STOP_TIMEOUT, out: IO[str] = sys.stdout):
        self.procs = procs
        self.stop_timeout = stop_timeout
        self.out = out
        self.stop_requested_at: float | None = None
        self.killed = False
        self.selector = selectors.DefaultSelector()

    def request_stop(self, signum=None, frame=None) -> None:
        """First signal: tell each child once. A second one: kill what is left."""
        if self.stop_requested_at is None:
            self.stop_requested_at = time.monotonic()
            for child in self.procs:
                child.signal(child.stop_signal)
        else:
            self.kill_all()

    def kill_all(self) -> None:
        self.killed = True
        for child in self.procs:
            child.signal(signal.SIGKILL)

    def relay(self, child: Child) -> None:
        line = child.process.stdout.readline()
        if not line:
            self.selector.unregister(child.process.stdout)
            return
        child.log.write(line)
        if ECHO.search(line):
            self.out.write(f"[{child.name}] {line}")
            self.out.flush()

    def run(self, env: dict[str, str]) -> int:
        previous = {
            sig: signal.signal(sig, self.request_stop) for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
        }
        for child in self.procs:
            child.start(env)
            if child.log is not None:
                self.selector.register(child.process.stdout, selectors.EVENT_READ, child)
        status = 0
        try:
            while any(c.alive() for c in self.procs) or self.selector.get_map():
                for key, _ in self.selector.select(timeout=0.2):
                    self.relay(key.data)
                if self.stop_requested_at is None:
                    dead = next((c for c in self.procs if not c.alive()), None)
                    if dead is not None:
                        status = dead.process.returncode or 1
                        self.out.write(
                            f"{dead.name} s'est arrêté (code {dead.process.returncode}) : arrêt des autres.\n"
                        )
                        self.request_stop()
                elif time.monotonic() - self.stop_requested_at > self.stop_timeout and not self.killed:
                    self.kill_all()
        finally:
            for child in self.procs:
                if child.process is not None:
                    child.process.wait()
                child.close()
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        if self.killed and status == 0:
            status = 1
        return status


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
    parser.add_argument("--log-dir", type=Path, default=Path("var/log"))
    args = parser.parse_args(argv)
    args.log_dir.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "HOST": args.host, "PORT": str(args.port), "PYTHONUNBUFFERED": "1"}
    supervisor = Supervisor(children(sys.executable, args.host, args.port, args.log_dir))
    status = supervisor.run(env)
    print("Fil rouge arrêté." if status == 0 else f"Fil rouge arrêté (code {status}).", flush=True)
    return status


if __name__ == "__main__":
    sys.exit(main())

"""Real components: PostgreSQL, a Redis broker and a Celery worker process started by the test.

A private `redis-server` on a free port is started for these tests so that stopping it
(the "Redis is down at commit time" case) never disturbs anything else on the machine.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from casework.enums import PathwayState
from casework.models import Deadline
from notifications.models import Alert, EmailStatus, Notification
from notifications.services.outbox import redispatch_pending
from notifications.tasks import sweep_deadlines_task
from tests.conftest import _missing
from tests.helpers import advance, at, broker_used, free_port, make_world

ROOT = Path(__file__).resolve().parents[2]
D = dt.date
pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def wait_for(predicate, timeout: float = 30.0, interval: float = 0.1, log: Path | None = None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    tail = "\n" + log.read_bytes()[-4000:].decode(errors="replace") if log is not None and log.exists() else ""
    raise AssertionError(f"condition not met within {timeout}s{tail}")


class PrivateRedis:
    def __init__(self, tmp: Path):
        self.port = free_port()
        self.tmp = tmp
        self.proc = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.tmp),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        import redis

        client = redis.Redis(host="127.0.0.1", port=self.port, socket_connect_timeout=0.5)
        wait_for(lambda: self._ping(client), timeout=10)

    @staticmethod
    def _ping(client) -> bool:
        try:
            return bool(client.ping())
        except Exception:
            return False

    def idle(self) -> bool:
        """No message waiting, none taken and not yet acknowledged (kombu's `unacked` hash)."""
        import redis

        client = redis.Redis(host="127.0.0.1", port=self.port, socket_connect_timeout=0.5)
        return client.llen("celery") == 0 and client.hlen("unacked") == 0

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(10)


class Worker:
    def __init__(self, broker_url: str, mail_dir: Path, log: Path):
        self.broker_url, self.mail_dir, self.log = broker_url, mail_dir, log
        self.proc = None

    def start(self, concurrency: int = 2) -> None:
        db = connection.settings_dict
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings.test",
            "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
            "CELERY_BROKER_URL": self.broker_url,
            "CELERY_TASK_ALWAYS_EAGER": "0",
            "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "EMAIL_FILE_PATH": str(self.mail_dir),
            "SITE_URL": "https://filrouge.test",
        }
        self.handle = open(self.log, "ab")  # noqa: SIM115
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                "--loglevel=INFO",
                f"--concurrency={concurrency}",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "--pool=prefork",
            ],
            cwd=ROOT,
            env=env,
            stdout=self.handle,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        wait_for(lambda: b"ready." in self.log.read_bytes(), timeout=40, interval=0.2)

    def kill(self) -> None:
        """SIGKILL the whole worker (main process and pool children): nothing gets to clean up."""
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)

    def idle(self) -> bool:
        """No message waiting, none taken and not yet acknowledged (kombu's `unacked` hash)."""
        import redis

        client = redis.Redis(host="127.0.0.1", port=self.port, socket_connect_timeout=0.5)
        return client.llen("celery") == 0 and client.hlen("unacked") == 0

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.kill()
        self.handle.close()


@pytest.fixture
def broker(tmp_path, needs_postgres, redis_url):
    if shutil.which("redis-server") is None:
        _missing("needs the redis-server binary to run a private broker")
    server = PrivateRedis(tmp_path)
    server.start()
    with broker_used(server.url):
        yield server
    server.stop()


@pytest.fixture
def worker(broker, tmp_path):
    mail_dir = tmp_path / "mail"
    mail_dir.mkdir()
    w = Worker(broker.url, mail_dir, tmp_path / "worker.log")
    w.start()
    yield w
    w.stop()


def sent_mails(mail_dir: Path) -> str:
    return "".join(p.read_text() for p in mail_dir.glob("*.log"))


def test_a_due_deadline_produces_its_alert_and_email_through_the_broker(worker):
    world = make_world("courrier")
    pathway = world.enter(D(2026, 1, 5))
    sweep_deadlines_task.delay(at(D(2026, 2, 16)).isoformat())
    alert = wait_for(lambda: Alert.objects.filter(pathway=pathway, level="due").first())
    assert alert.recipient == world.lead
    note = wait_for(lambda: Notification.objects.filter(alert=alert, email_status=EmailStatus.SENT).first())
    assert note.email_sent_at is not None
    text = wait_for(lambda: sent_mails(worker.mail_dir))
    assert f"Parcours n° {pathway.pk}" in text and world.lead.user.email in text
    assert pathway.beneficiary.last_name not in text


def test_two_sweeps_at_once_through_the_worker_never_duplicate(worker):
    world = make_world("double")
    for i in range(40):
        world.enter(D(2026, 1, 5), last_name=f"P{i}")
    now = at(D(2026, 2, 16)).isoformat()
    sweep_deadlines_task.delay(now, 5)
    sweep_deadlines_task.delay(now, 5)
    # Each orientation clock is on its due day: its due-soon (J-7) and due alerts, 80 in all.
    wait_for(lambda: Alert.objects.count() == 80, timeout=120)
    wait_for(lambda: not Notification.objects.filter(email_status=EmailStatus.PENDING).exists(), timeout=120)
    time.sleep(1)
    assert Alert.objects.count() == 80
    assert Alert.objects.values("deadline", "level").distinct().count() == 80
    assert Notification.objects.filter(alert__isnull=False).count() == 80


def test_a_worker_killed_mid_sweep_loses_nothing_after_the_next_run(worker):
    world = make_world("panne")
    # Several hundred due deadlines, swept in small batches so the kill lands in the middle.
    for i in range(400):
        world.enter(D(2026, 1, 5), last_name=f"P{i}")
    total = 2 * Deadline.objects.filter(status="open").count()  # due soon and due, for each
    sweep_deadlines_task.delay(at(D(2026, 2, 16)).isoformat(), 5)
    wait_for(lambda: Alert.objects.count() >= 10, timeout=60, interval=0.02)
    worker.kill()
    partial = Alert.objects.count()
    assert 0 < partial < total, "the kill must land mid-sweep for this test to mean something"
    # The next beat tick (here: a new worker, the same task) completes the work.
    worker.start()
    sweep_deadlines_task.delay(at(D(2026, 2, 16), 9).isoformat(), 50)
    wait_for(lambda: Alert.objects.count() == total, timeout=90)
    assert Alert.objects.values("deadline", "level").distinct().count() == total
    wait_for(lambda: Notification.objects.filter(alert__isnull=False).count() == total, timeout=60)


def test_redis_down_at_commit_time_loses_no_notification(worker, broker):
    world = make_world("coupure")
    pathway = advance(world, world.enter(D(2026, 10, 1)), PathwayState.SOCIAL_TRACK, D(2026, 10, 2))
    # The steps' own follow-ups done first: a broker stopped while the worker acknowledges one
    # kills the worker in kombu's restore of unacknowledged messages (AttributeError on the
    # connection's hostname, seen in CI) — a worker death, another fault than this test's.
    wait_for(broker.idle, timeout=60, log=worker.log)
    broker.stop()
    started = time.monotonic()
    world.t(pathway, "propose_handover", D(2026, 11, 2), incoming=world.referent2, note="Relais")
    assert time.monotonic() - started < 20, "a transition must not hang on a dead broker"
    note = Notification.objects.get(event="handover_proposed", recipient=world.referent2)
    assert note.email_status == EmailStatus.PENDING  # committed, waiting for the broker
    broker.start()  # same port: the worker and this process reconnect by themselves
    assert redispatch_pending(now=at(D(2026, 11, 2), 23)) >= 1
    # The worker reconnects on its own back-off (2 s, then 4, 6… up to 30 s between attempts), so
    # on a loaded machine its next attempt may come well after the broker is back.
    sent = lambda: Notification.objects.get(pk=note.pk).email_status == EmailStatus.SENT  # noqa: E731
    wait_for(sent, timeout=120, log=worker.log)
    assert f"vous propose de devenir le référent du parcours n° {pathway.pk}" in sent_mails(worker.mail_dir)


def test_task_inboxes_follow_a_transition_through_the_worker(worker):
    from viewflow.workflow.models import Task

    from workflows.models import TasksSyncPending
    from workflows.services.transitions import pathway_transition

    world = make_world("relais")
    pathway = advance(world, world.enter(D(2026, 10, 1)), PathwayState.SOCIAL_TRACK, D(2026, 10, 2))

    def transition(name, on, by, **params):  # the service alone: its follow-up message does the sync
        pathway_transition(pathway.pk, name, by=by.user, occurred_on=on, now=at(on), params=params)

    transition("propose_handover", D(2026, 11, 2), world.referent, incoming=world.referent2, note="Relais")
    handover_tasks = Task.objects.filter(
        process__pathwayprocess__pathway=pathway, process__flow_class="workflows/flows.HandoverFlow"
    )
    task = wait_for(lambda: handover_tasks.filter(status="ASSIGNED").first(), timeout=90)
    assert task.owner == world.referent2.user
    transition("refuse_handover", D(2026, 11, 3), world.referent2, reason="Secteur complet")
    wait_for(lambda: handover_tasks.filter(pk=task.pk, status="DONE").exists())
    assert not TasksSyncPending.objects.filter(pathway=pathway).exists()
    assert b"workflows.tasks.transition_followup_task" in worker.log.read_bytes()  # the worker did it


def test_settings_are_the_test_ones():
    assert settings.CELERY_TASK_ACKS_LATE and settings.CELERY_WORKER_PREFETCH_MULTIPLIER == 1

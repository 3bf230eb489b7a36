"""A real Celery worker (its own process, a private Redis, PostgreSQL) killed with SIGKILL in the
middle of an import: the re-run applies every line exactly once."""

from __future__ import annotations

import datetime as dt

import pytest

from casework.enums import FluxImportStatus, FluxSource, RuleCode
from casework.models import Beneficiary, Deadline, FluxImport, FluxLine, Pathway, PayerAccount, TransitionLog
from tests.helpers import at, make_world
from tests.notifications.test_worker import Worker, broker, wait_for  # noqa: F401 - the broker fixture
from workflows.flux.importer import flux_import_create
from workflows.flux.tasks import flux_import_task

from .helpers import RECEIVED, dossier, flux_file, person

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]
LINES = 400


@pytest.fixture
def flux_worker(broker, tmp_path, monkeypatch):  # noqa: F811 - the fixture imported above
    monkeypatch.setenv("FLUX_READER", "tests.flux.jsonl.read_flux")
    monkeypatch.setenv("FLUX_BATCH_LINES", "5")  # small transactions: the kill lands between and inside them
    mail_dir = tmp_path / "mail"
    mail_dir.mkdir()
    worker = Worker(broker.url, mail_dir, tmp_path / "worker.log")
    worker.start()
    yield worker
    worker.stop()


def test_a_worker_killed_mid_import_and_a_rerun_apply_every_line_exactly_once(flux_worker, tmp_path):
    world = make_world("flux-panne")
    born = [RECEIVED - dt.timedelta(days=365 * 30 + i) for i in range(LINES)]
    records = [dossier(f"{i:05}", person(f"NOM{i}", "Prénom", born[i], nir=f"1850679{i:06}")) for i in range(LINES)]
    path = flux_file(tmp_path, records)
    imp = flux_import_create(
        path, filename=path.name, source=FluxSource.PAGE, by=None, received_on=RECEIVED,
        territory=world.territory, now=at(RECEIVED),
    )  # fmt: skip
    flux_import_task.delay(imp.pk)
    lines = FluxLine.objects.filter(flux_import=imp)
    wait_for(lambda: lines.count() >= 20, timeout=90, interval=0.02, log=flux_worker.log)
    flux_worker.kill()
    partial = lines.count()
    assert 0 < partial < LINES, "the kill must land mid-import for this test to mean something"
    assert FluxImport.objects.get(pk=imp.pk).status == FluxImportStatus.RUNNING  # interrupted
    assert Pathway.objects.count() == partial  # every committed line has its effects, no more

    flux_worker.start()
    flux_import_task.delay(imp.pk)  # the re-run (beat's safety net publishes it for a stalled import)
    done = lambda: FluxImport.objects.get(pk=imp.pk).status == FluxImportStatus.DONE  # noqa: E731
    wait_for(done, timeout=240, interval=0.2, log=flux_worker.log)

    imp.refresh_from_db()
    assert imp.counts == {"entry": LINES} and imp.records_done == LINES and imp.position == LINES
    assert lines.count() == LINES and lines.values("line_no").distinct().count() == LINES
    assert Beneficiary.objects.count() == Pathway.objects.count() == LINES
    assert PayerAccount.objects.count() == LINES
    assert TransitionLog.objects.filter(transition="enter").count() == LINES
    assert Deadline.objects.filter(rule_code=RuleCode.ORIENTATION).count() == LINES

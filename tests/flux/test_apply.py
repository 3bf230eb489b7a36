"""What each kind of line does, through the doors a person's action goes through (PostgreSQL)."""

from __future__ import annotations

import datetime as dt

import pytest

from casework.enums import CloseReason, DeadlineStatus, FluxImportStatus, PathwayState, RuleCode
from casework.identity_keys import nir_hash
from casework.models import Beneficiary, Deadline, FluxLine, Pathway, PayerAccount, TransitionLog
from tests.helpers import advance, at
from workflows.models import TasksSyncPending

from .helpers import RECEIVED, D, dossier, import_records, person

pytestmark = pytest.mark.django_db
NIR = "1 85 06 79 191 123 45"


def only_pathway(last_name: str) -> Pathway:
    return Pathway.objects.get(beneficiary__last_name=last_name, state__in=[s for s in PathwayState if s != "closed"])


def test_an_entry_is_what_a_person_registering_it_gives_and_its_clock_starts_on_receipt(world, tmp_path):
    imp = import_records(tmp_path, world, [dossier("1001", person("MARTIN", "Léa", nir=NIR))])
    assert imp.status == FluxImportStatus.DONE and imp.counts == {"entry": 1}
    pathway = only_pathway("MARTIN")
    by_hand = world.enter(RECEIVED, last_name="Témoin")  # the same entry typed by an officer that day
    assert pathway.state == PathwayState.ORIENTATION and pathway.entered_on == RECEIVED
    ours = Deadline.objects.get(pathway=pathway)
    theirs = Deadline.objects.get(pathway=by_hand)
    assert (ours.rule_code, ours.starts_on, ours.due_on) == (theirs.rule_code, theirs.starts_on, theirs.due_on)
    assert ours.due_on == D(2026, 12, 14)  # 42 days after the day the file was received
    log = TransitionLog.objects.get(pathway=pathway)
    assert (log.transition, log.to_state, log.occurred_on) == ("enter", "orientation", RECEIVED)
    assert log.params == {"flux_import": imp.pk, "line": 1}
    assert TasksSyncPending.objects.filter(pathway=pathway).exists()  # its orientation task follows
    b = pathway.beneficiary
    assert b.nir_hash == nir_hash(NIR) and NIR.replace(" ", "")[:13] not in str(
        Beneficiary.objects.filter(pk=b.pk).values()
    )
    assert PayerAccount.objects.filter(beneficiary=b, payer="cnaf", allocation_number="1001").exists()
    assert b.territory == world.territory and b.publics == ["rsa"]


def test_a_transfer_in_is_an_entry_marked_transfert(world, tmp_path):
    imp = import_records(tmp_path, world, [dossier("1002", person("DURAND", "Paul"), transfer_from="86")])
    assert imp.counts == {"transfer": 1}
    pathway = only_pathway("DURAND")
    assert pathway.transfer_from == "86" and pathway.entered_on == RECEIVED
    assert Deadline.objects.get(pathway=pathway).starts_on == RECEIVED


def test_a_closed_right_closes_the_pathway_as_droit_clos_through_the_door(world, tmp_path):
    import_records(tmp_path, world, [dossier("1003", person("PETIT", "Jean"))], received_on=D(2026, 10, 1))
    pathway = only_pathway("PETIT")
    closed = [dossier("1003", person("PETIT", "Jean"), state="closed", on=D(2026, 10, 31))]
    imp = import_records(tmp_path, world, closed)
    assert imp.counts == {"closure": 1}
    pathway.refresh_from_db()
    assert pathway.state == PathwayState.CLOSED and pathway.close_reason == CloseReason.RIGHTS_CLOSED
    assert pathway.closed_on == D(2026, 10, 31)
    assert not Deadline.objects.filter(pathway=pathway, status=DeadlineStatus.OPEN).exists()
    log = TransitionLog.objects.get(pathway=pathway, transition="close")
    assert log.by is None and log.params["close_reason"] == "rights_closed" and log.params["flux_import"] == imp.pk


def test_no_longer_subject_to_rights_and_duties_is_an_exit_sortie_du_perimetre(world, tmp_path):
    import_records(tmp_path, world, [dossier("1004", person("ROUX", "Ana"))], received_on=D(2026, 10, 1))
    imp = import_records(tmp_path, world, [dossier("1004", person("ROUX", "Ana", subject=False))])
    assert imp.counts == {"exit": 1}
    pathway = Pathway.objects.get(beneficiary__last_name="ROUX")
    assert pathway.state == PathwayState.CLOSED and pathway.close_reason == CloseReason.OUT_OF_SCOPE


def test_a_payer_suspension_is_recorded_on_the_pathway_and_changes_no_clock(world, tmp_path):
    import_records(tmp_path, world, [dossier("1005", person("BLANC", "Eva"))], received_on=D(2026, 10, 1))
    pathway = only_pathway("BLANC")
    before = list(Deadline.objects.filter(pathway=pathway).values("rule_code", "status", "due_on"))
    suspended = [dossier("1005", person("BLANC", "Eva"), state="suspended", on=D(2026, 10, 20))]
    assert import_records(tmp_path, world, suspended).counts == {"suspension": 1}
    pathway.refresh_from_db()
    assert pathway.payer_suspended_on == D(2026, 10, 20) and pathway.state == PathwayState.ORIENTATION
    assert list(Deadline.objects.filter(pathway=pathway).values("rule_code", "status", "due_on")) == before
    # The same suspension again changes nothing; the right open again lifts it.
    again = import_records(tmp_path, world, suspended, received_on=D(2026, 11, 3))
    assert again.counts == {"unchanged": 1}
    resumed = import_records(tmp_path, world, [dossier("1005", person("BLANC", "Eva"))], received_on=D(2026, 11, 4))
    assert resumed.counts == {"resumption": 1}
    pathway.refresh_from_db()
    assert pathway.payer_suspended_on is None


def test_a_right_reopened_within_12_months_links_the_previous_pathway_and_suggests_its_referent(world, tmp_path):
    import_records(tmp_path, world, [dossier("1006", person("FAURE", "Luc"))], received_on=D(2026, 1, 5))
    first = advance(world, only_pathway("FAURE"), PathwayState.SOCIAL_TRACK, D(2026, 1, 6))
    closed = [dossier("1006", person("FAURE", "Luc"), state="closed", on=D(2026, 3, 31))]
    import_records(tmp_path, world, closed, received_on=D(2026, 4, 1))
    imp = import_records(tmp_path, world, [dossier("1006", person("FAURE", "Luc"))])
    assert imp.counts == {"reopening": 1}
    second = only_pathway("FAURE")
    assert second.pk != first.pk and second.previous_id == first.pk
    assert second.suggested_referent == world.referent and second.referent_id is None
    assert second.beneficiary_id == first.beneficiary_id and second.entered_on == RECEIVED
    assert Deadline.objects.get(pathway=second, rule_code=RuleCode.ORIENTATION).starts_on == RECEIVED


def test_a_right_reopened_after_12_months_is_a_plain_entry_of_the_known_person(world, tmp_path):
    import_records(tmp_path, world, [dossier("1007", person("GIRARD", "Zoé"))], received_on=D(2025, 1, 6))
    closed = [dossier("1007", person("GIRARD", "Zoé"), state="closed", on=D(2025, 2, 3))]
    import_records(tmp_path, world, closed, received_on=D(2025, 2, 3))
    imp = import_records(tmp_path, world, [dossier("1007", person("GIRARD", "Zoé"))])
    assert imp.counts == {"entry": 1}
    assert only_pathway("GIRARD").previous_id is None
    assert Beneficiary.objects.filter(last_name="GIRARD").count() == 1


def test_an_open_right_already_followed_is_unchanged(world, tmp_path):
    import_records(tmp_path, world, [dossier("1008", person("MOREL", "Tom"))], received_on=D(2026, 10, 1))
    imp = import_records(tmp_path, world, [dossier("1008", person("MOREL", "Tom"))])
    assert imp.counts == {"unchanged": 1}
    assert Pathway.objects.filter(beneficiary__last_name="MOREL").count() == 1


def test_a_closure_for_someone_we_never_had_is_rejected_with_its_reason_and_the_rest_applied(world, tmp_path):
    records = [
        dossier("1009", person("INCONNU", "Max"), state="closed", on=D(2026, 10, 1)),
        dossier("1010", person("LAMBERT", "Iris")),
    ]
    imp = import_records(tmp_path, world, records)
    assert imp.counts == {"rejected": 1, "entry": 1}
    line = FluxLine.objects.get(flux_import=imp, outcome="rejected")
    assert (line.line_no, line.allocation_number) == (1, "1009")
    assert "dossier inconnu" in line.reason
    assert not Beneficiary.objects.filter(last_name="INCONNU").exists()


def test_a_line_a_door_refuses_is_rejected_with_the_doors_french_message(world, tmp_path):
    too_young = person("JEUNE", "Noa", birth=D(2015, 1, 1))
    imp = import_records(tmp_path, world, [dossier("1011", too_young), dossier("1012", person("VIDAL", "Rose"))])
    assert imp.counts == {"rejected": 1, "entry": 1}
    line = FluxLine.objects.get(flux_import=imp, outcome="rejected")
    assert line.line_no == 1 and "16 ans" in line.reason
    assert not Beneficiary.objects.filter(last_name="JEUNE").exists()


def test_a_couple_both_subject_enters_as_two_pathways_of_one_line(world, tmp_path):
    couple = dossier("1013", person("BRUN", "Marc", D(1980, 1, 1)), person("BRUN", "Julie", D(1982, 2, 2)))
    imp = import_records(tmp_path, world, [couple])
    assert imp.counts == {"entry": 1}
    assert Pathway.objects.filter(beneficiary__last_name="BRUN").count() == 2
    assert set(Beneficiary.objects.filter(last_name="BRUN").values_list("household_size", flat=True)) == {2}


def test_a_child_not_subject_creates_nobody(world, tmp_path):
    family = dossier("1014", person("LEROY", "Ines"), person("LEROY", "Sam", D(2019, 3, 3), subject=False))
    import_records(tmp_path, world, [family])
    assert list(Beneficiary.objects.filter(last_name="LEROY").values_list("first_name", flat=True)) == ["Ines"]


def test_the_same_file_twice_changes_nothing_and_is_recorded_as_deja_importe(world, tmp_path):
    from .helpers import flux_file, import_file

    path = flux_file(tmp_path, [dossier("1015", person("COLIN", "Adam")), dossier("1016", person("NOEL", "Lou"))])
    first = import_file(path, world)
    rows = (Pathway.objects.count(), TransitionLog.objects.count(), Deadline.objects.count(), FluxLine.objects.count())
    second = import_file(path, world, received_on=RECEIVED + dt.timedelta(days=1))
    assert second.status == FluxImportStatus.DUPLICATE and second.duplicate_of == first
    assert second.get_status_display() == "Déjà importé" and second.counts == {}
    assert (
        Pathway.objects.count(),
        TransitionLog.objects.count(),
        Deadline.objects.count(),
        FluxLine.objects.count(),
    ) == rows


def test_an_interrupted_import_resumed_applies_every_line_exactly_once(world, tmp_path, settings):
    from workflows.flux.importer import flux_import_create, flux_import_run

    from . import jsonl
    from .helpers import flux_file

    settings.FLUX_BATCH_LINES = 3
    records = [dossier(f"2{i:03}", person(f"NOM{i}", "Prénom")) for i in range(10)]
    path = flux_file(tmp_path, records)

    def broken(stream, **kw):  # the disk fails after seven lines
        for item in jsonl.read_flux(stream, **kw):
            if item.line_no == 8:
                raise OSError("disque")
            yield item

    imp = flux_import_create(
        path,
        filename="f",
        source="command",
        by=None,
        received_on=RECEIVED,
        territory=world.territory,
        now=at(RECEIVED),
    )
    failed = flux_import_run(imp.pk, now=at(RECEIVED), clock=lambda: at(RECEIVED), reader=broken)
    assert failed.status == FluxImportStatus.FAILED and failed.counts == {"entry": 6}  # two batches of 3 committed
    assert failed.error.startswith("Le fichier n'a pas pu être lu")
    again = flux_import_create(
        path,
        filename="f",
        source="command",
        by=None,
        received_on=RECEIVED,
        territory=world.territory,
        now=at(RECEIVED),
    )
    assert again.pk == imp.pk  # unfinished: the same import, resumed
    done = flux_import_run(imp.pk, now=at(RECEIVED), clock=lambda: at(RECEIVED), reader=jsonl.read_flux)
    assert done.status == FluxImportStatus.DONE and done.counts == {"entry": 10} and done.records_done == 10
    assert Pathway.objects.count() == 10 and TransitionLog.objects.filter(transition="enter").count() == 10

"""The payer's file: decisions and lifts of a period, the same file twice, each line once."""

from __future__ import annotations

import datetime as dt

from django.core.management import call_command

from casework.enums import BreachKind, BreachOutcome
from casework.models import PayerAccount, PayerExport, PayerLine
from casework.services.payer_export import HEADER, payer_export
from tests.factories import ProfessionalFactory
from tests.helpers import advance, at
from workflows.flows.access import breach_decider_grant
from workflows.services.breaches import breach_decide, breach_record, breach_remobilise

D = dt.date


def _suspended_then_lifted(world):
    decider = ProfessionalFactory(organisation=world.dept, user__username="decider")
    breach_decider_grant([decider.user])
    p = advance(world, world.enter(D(2025, 8, 1), last_name="Martin", first_name="Léa"), "social_track", D(2025, 8, 4))
    PayerAccount.objects.create(beneficiary=p.beneficiary, payer="cnaf", allocation_number="1234567")
    b = breach_record(
        p.pk, by=world.referent.user, kind=BreachKind.ACTIVITY_NOT_DONE, facts="Ateliers non suivis.",
        occurred_on=D(2025, 9, 1), now=at(D(2025, 9, 3)),
    )  # fmt: skip
    breach_decide(
        b.pk, by=decider.user, outcome=BreachOutcome.SUSPENSION, rate=30, months=2, starts_on=D(2025, 10, 15),
        on=D(2025, 10, 6), now=at(D(2025, 10, 6)),
    )  # fmt: skip
    breach_remobilise(b.pk, by=world.referent.user, on=D(2025, 11, 12), note="Contrat actualisé.",
                      now=at(D(2025, 11, 12)))  # fmt: skip
    return b


def test_the_file_holds_the_decision_and_the_lift_in_the_documented_layout(world):
    b = _suspended_then_lifted(world)
    export = payer_export(period_from=D(2025, 10, 1), period_to=D(2025, 11, 30), now=at(D(2025, 12, 1)))
    lines = export.content.split("\r\n")
    assert lines[0].split(";") == HEADER
    decision, lift = (line.split(";") for line in lines[1:3])
    assert decision[1:] == [
        "DECISION", "CAF", "1234567", "Martin", "Léa", "1985-06-15", str(b.pk), "2025-09-01", "2025-10-06",
        "SUSPENSION", "30", "2", "2025-10-15", "2025-12-14", "2025-10-06", "", "",
    ]  # fmt: skip
    assert lift[1:] == [
        "LEVEE", "CAF", "1234567", "Martin", "Léa", "1985-06-15", str(b.pk), "2025-09-01", "2025-10-06",
        "SUSPENSION", "30", "2", "2025-10-15", "2025-12-14", "2025-11-12", "2025-10-15", "2025-11-12",
    ]  # fmt: skip
    assert lines[3:] == [""]
    assert export.line_count == 2


def test_exporting_twice_gives_the_same_file_and_a_later_period_never_repeats_a_line(world, tmp_path):
    _suspended_then_lifted(world)
    first, again = tmp_path / "oct.csv", tmp_path / "oct-again.csv"
    call_command("export_payer_decisions", "--from", "2025-10-01", "--to", "2025-10-31", "--out", str(first))
    call_command("export_payer_decisions", "--from", "2025-10-01", "--to", "2025-10-31", "--out", str(again))
    assert first.read_bytes() == again.read_bytes()
    october = first.read_bytes().decode().split("\r\n")
    assert len(october) == 3 and october[1].split(";")[1] == "DECISION"  # the lift is November's
    november = payer_export(period_from=D(2025, 10, 1), period_to=D(2025, 11, 30), now=at(D(2025, 12, 1)))
    assert [row.split(";")[1] for row in november.content.split("\r\n")[1:-1]] == ["LEVEE"]
    assert PayerExport.objects.count() == 2
    assert set(PayerLine.objects.values_list("export__period_to", flat=True)) == {D(2025, 10, 31), D(2025, 11, 30)}


def test_a_name_read_as_a_formula_is_neutralised(world):
    b = _suspended_then_lifted(world)
    b.pathway.beneficiary.last_name = "=HYPERLINK(1)"
    b.pathway.beneficiary.save(update_fields=["last_name"])
    export = payer_export(period_from=D(2025, 10, 1), period_to=D(2025, 10, 31), now=at(D(2025, 11, 1)))
    assert export.content.split("\r\n")[1].split(";")[4] == "'=HYPERLINK(1)"


def test_the_documented_layout_is_the_file_s():
    from pathlib import Path

    from casework.services.payer_export import COLUMNS

    doc = (Path(__file__).resolve().parents[2] / "docs" / "legal.md").read_text()
    for name, meaning in COLUMNS:
        assert f"| `{name}` | {meaning} |" in doc, name

"""The file of breach decisions and lifts sent to the payer (CAF, MSA): docs/legal.md,
« Le fichier pour l'organisme payeur », describes its layout.

Guarantees:
- each line once: a line (`PayerLine`, written with its decision or lift) is claimed by exactly
  one export, under a row lock; a later period never repeats it, and a line the period left out
  (dated after it) waits for the next one; a line dated before the period but written after
  that period was exported (a back-dated lift) goes in the next export rather than being lost;
- the same file twice: an export is kept with its content; asking again for the same period
  returns those bytes (two requests at once: the unique period makes the second one wait, then
  read the first one's file).
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io

from django.db import IntegrityError, transaction

from casework.enums import BreachOutcome, PayerLineKind
from casework.models import PayerAccount, PayerExport, PayerLine

COLUMNS = [
    ("ligne", "numéro de la ligne (unique, jamais réémise)"),
    ("nature", "DECISION ou LEVEE"),
    ("organisme", "CAF ou MSA (vide si inconnu)"),
    ("numero_allocataire", "numéro d'allocataire du foyer (vide si inconnu)"),
    ("nom", "nom"),
    ("prenom", "prénom"),
    ("date_naissance", "AAAA-MM-JJ"),
    ("manquement", "numéro du manquement dans Fil rouge"),
    ("date_manquement", "AAAA-MM-JJ"),
    ("date_decision", "AAAA-MM-JJ"),
    ("decision", "SUSPENSION ou SANS_SANCTION"),
    ("taux", "pourcentage de l'allocation suspendu (vide sans sanction)"),
    ("duree_mois", "durée décidée, en mois"),
    ("suspension_du", "premier jour de la suspension"),
    ("suspension_au", "dernier jour de la suspension (inclus)"),
    ("date_effet", "DECISION : date de la décision ; LEVEE : jour de la remobilisation, fin de la suspension"),
    ("rappel_du", "LEVEE : premier jour des sommes suspendues à reverser"),
    ("rappel_au", "LEVEE : dernier jour des sommes suspendues à reverser"),
]
HEADER = [name for name, _ in COLUMNS]
KIND_CODES = {PayerLineKind.DECISION: "DECISION", PayerLineKind.LIFT: "LEVEE"}
OUTCOME_CODES = {BreachOutcome.SUSPENSION: "SUSPENSION", BreachOutcome.NO_SANCTION: "SANS_SANCTION"}
PAYER_CODES = {"cnaf": "CAF", "msa": "MSA"}
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _cell(value) -> str:
    """As the dashboard's CSV (`workflows.pages.csv_export`): no cell read as a formula."""
    if value is None:
        return ""
    text = value.isoformat() if isinstance(value, dt.date) else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _row(line: PayerLine, accounts: dict[int, PayerAccount]) -> list:
    b = line.breach
    person = b.pathway.beneficiary
    account = accounts.get(person.pk)
    lift = line.kind == PayerLineKind.LIFT
    return [
        line.pk,
        KIND_CODES[line.kind],
        PAYER_CODES.get(account.payer, "") if account else "",
        account.allocation_number if account else "",
        person.last_name,
        person.first_name,
        person.birth_date,
        b.pk,
        b.occurred_on,
        b.decided_on,
        OUTCOME_CODES[b.outcome],
        b.rate_percent,
        b.duration_months,
        b.suspension_starts_on,
        b.suspension_ends_on,
        line.event_on,
        b.suspension_starts_on if lift else None,
        b.remobilised_on if lift else None,
    ]


def payer_csv(lines: list[PayerLine]) -> str:
    accounts: dict[int, PayerAccount] = {}
    person_ids = {line.breach.pathway.beneficiary_id for line in lines}
    for account in PayerAccount.objects.filter(beneficiary_id__in=person_ids).order_by("-pk"):
        accounts[account.beneficiary_id] = account  # the first (oldest) wins
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(HEADER)
    writer.writerows([_cell(v) for v in _row(line, accounts)] for line in lines)
    return out.getvalue()


def payer_export(*, period_from: dt.date, period_to: dt.date, by=None, now: dt.datetime) -> PayerExport:
    """The export of the period: made once, then the same file on every request."""
    if period_to < period_from:
        raise ValueError("La fin de la période précède son début.")
    existing = PayerExport.objects.filter(period_from=period_from, period_to=period_to).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            export = PayerExport.objects.create(
                period_from=period_from, period_to=period_to, created_at=now, created_by=by,
                content="", digest="", line_count=0,
            )  # fmt: skip
            lines = list(
                PayerLine.objects.select_for_update(of=("self",))
                .filter(export__isnull=True, event_on__lte=period_to)
                .select_related("breach__pathway__beneficiary")
                .order_by("event_on", "id")
            )
            PayerLine.objects.filter(pk__in=[line.pk for line in lines]).update(export=export)
            export.content = payer_csv(lines)
            export.digest = hashlib.sha256(export.content.encode()).hexdigest()
            export.line_count = len(lines)
            export.save(update_fields=["content", "digest", "line_count"])
    except IntegrityError:
        # Another request made the same period's export first: its file is the file.
        return PayerExport.objects.get(period_from=period_from, period_to=period_to)
    return export

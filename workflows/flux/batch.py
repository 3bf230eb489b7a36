"""A batch of a payer's file applied together: what its lines applied one at a time would write,
in a few statements per batch instead of about twenty per line.

The lines of a batch are matched from one reading of their candidates (`BatchLookup`), then each
line's actions are decided (`apply.line_decide`, the table a line alone uses) and run grouped by
door: the closures one line at a time through the transition door (each in its savepoint: a
refused one refuses its line only), then the entries (`events.pathways_enter`), the payer's
suspensions (`events.pathways_payer_suspension_record`), the people's payer facts, the identity
reviews and the lines' own rows, each a statement or a few.

Two lines of one batch never touch the same household, NIR or identity (`batches`): each line
is decided on what the database held before the batch, exactly as if the lines before it in the
batch had been applied, since none of them concerns it. The caller holds the transaction and
the import's row lock; a database error rolls the batch back and the caller applies it line by
line (`importer.line_run`), the reference this batch is tested against.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from simple_history.utils import bulk_update_with_history

from casework.audit import acting_as
from casework.enums import FluxOutcome, PathwayState
from casework.identity_keys import nir_normalise
from casework.models import Beneficiary, FluxImport, FluxLine, IdentityReview, Pathway, PayerAccount, ReferentPeriod
from casework.permissions import PAYER_FLUX
from workflows.flux.apply import (
    Action,
    Effect,
    LineResult,
    Person,
    Run,
    close_move,
    line_decide,
    line_result,
    person_changes,
    reopens,
    review_row,
)
from workflows.flux.matching import BatchLookup, Match, name_key, person_match
from workflows.flux.records import FluxLineError, FluxRecord
from workflows.services.errors import TransitionError
from workflows.services.events import pathways_enter, pathways_payer_suspension_record
from workflows.services.transition_batches import pathways_transition

Item = FluxRecord | FluxLineError
CHUNK = 500


def _keys(record: FluxRecord) -> set[tuple]:
    """What a line can touch: its household, its people's NIRs and identities."""
    keys: set[tuple] = {("account", record.payer, record.allocation_number)}
    for p in record.persons:
        keys.add(("identity", p.birth_date, name_key(p.last_name), name_key(p.first_name)))
        if p.nir:  # the form the hash is taken of (`BatchLookup` hashes it once, for the queries)
            keys.add(("nir", nir_normalise(p.nir)))
    return keys


def batches(items: Iterable[Item], size: int) -> Iterator[list[Item]]:
    """Batches of at most `size` lines, in file order; a line that touches what an earlier line
    of the batch touches starts the next batch (the same person twice, a household's two lines)."""
    batch: list[Item] = []
    touched: set[tuple] = set()
    for item in items:
        keys = _keys(item) if isinstance(item, FluxRecord) else set()
        if len(batch) >= size or not touched.isdisjoint(keys):
            yield batch
            batch, touched = [], set()
        batch.append(item)
        touched |= keys
    if batch:
        yield batch


def line_row(imp: FluxImport, line_no: int, result: LineResult, allocation_number: str) -> FluxLine:
    return FluxLine(
        flux_import=imp,
        line_no=line_no,
        key=f"{imp.digest}:{line_no}",
        outcome=result.outcome,
        reason=result.reason,
        allocation_number=allocation_number[:20],
        pathway=result.pathway,
        review=result.review,
    )


def _matches(records: list[FluxRecord], lookup: BatchLookup) -> dict[tuple[int, int], Match]:
    """Every person's match; the identity tier's birth days read once, after a first pass."""

    def match(r: FluxRecord, i: int) -> Match:
        p = r.persons[i]
        hashed = lookup.hashes.get(p.nir, "") if p.nir else ""
        return person_match(r.payer, r.allocation_number, p, lookup=lookup, hashed=hashed)

    found = {(r.line_no, i): match(r, i) for r in records for i in range(len(r.persons))}
    if lookup.missed:
        wanted: dict[dt.date, set[tuple[str, str]]] = defaultdict(set)
        for r in records:
            for i, p in enumerate(r.persons):
                if found[(r.line_no, i)].beneficiary is None and p.birth_date in lookup.missed:
                    wanted[p.birth_date].add((name_key(p.last_name), name_key(p.first_name)))
        lookup.birth_dates_load(wanted)
        by_line = {r.line_no: r for r in records}
        for (line_no, i), m in list(found.items()):
            if m.beneficiary is None:
                found[(line_no, i)] = match(by_line[line_no], i)
    return found


def _pathways(matches: dict[tuple[int, int], Match], run: Run) -> tuple[dict, dict, dict]:
    """The open pathways of the people found (locked, in id order), and for the others their last
    pathway closed within 12 months with its last referent."""
    ids = sorted({m.beneficiary.pk for m in matches.values() if m.found})
    open_by = {}
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        locked = Pathway.objects.select_for_update(of=("self",)).filter(beneficiary_id__in=chunk)
        open_by.update((p.beneficiary_id, p) for p in locked.exclude(state=PathwayState.CLOSED).order_by("pk"))
    others = [pk for pk in ids if pk not in open_by]
    previous = {}
    closed = Pathway.objects.filter(beneficiary_id__in=others, state=PathwayState.CLOSED)
    for p in closed.order_by("beneficiary_id", "-closed_on", "-pk"):
        previous.setdefault(p.beneficiary_id, p)
    previous = {b: p for b, p in previous.items() if reopens(p, run)}
    referents = {p.pk: p.referent_id for p in previous.values()}
    periods = ReferentPeriod.objects.filter(pathway_id__in=list(referents)).order_by(
        "pathway_id", "-started_on", "-pk"
    )
    seen: set[int] = set()
    for period in periods:
        if period.pathway_id not in seen:
            seen.add(period.pathway_id)
            referents[period.pathway_id] = period.professional_id
    return open_by, previous, referents


def people_read(records: list[FluxRecord], run: Run) -> dict[int, list[Person]]:
    """Each line's people, matched and with their pathways, from a few statements for the batch."""
    lookup = BatchLookup((r.payer, r.allocation_number, p) for r in records for p in r.persons)
    matches = _matches(records, lookup)
    open_by, previous, referents = _pathways(matches, run)
    people: dict[int, list[Person]] = {}
    for r in records:
        people[r.line_no] = []
        for i, data in enumerate(r.persons):
            m = matches[(r.line_no, i)]
            b = m.beneficiary.pk if m.found else None
            last = previous.get(b) if b is not None and b not in open_by else None
            people[r.line_no].append(
                Person(r, data, m, open_by.get(b), last, referents.get(last.pk) if last is not None else None)
            )
    return people


@dataclass
class Plan:
    record: FluxRecord
    updates: list[Person]
    actions: list[Action]


def _rejected(message: str) -> LineResult:
    return LineResult(FluxOutcome.REJECTED, reason=message)


def _plans(records: list[FluxRecord], run: Run) -> tuple[list[Plan], dict[int, LineResult]]:
    """Each line's decisions, its closures run; the refused lines' results (a date or a closure
    refused by a door: nothing of such a line is written)."""
    people = people_read(records, run)
    plans, refused = [], {}
    for record in records:
        try:
            updates, actions = line_decide(people[record.line_no], run)
        except ValidationError as exc:
            refused[record.line_no] = _rejected(" ".join(exc.messages))
            continue
        plans.append(Plan(record, updates, actions))
    refused |= _closures_run(plans, run)
    return [plan for plan in plans if plan.record.line_no not in refused], refused


class _LineRefusedWhole(Exception):
    """A line of several closures had one refused: the batch's closures are undone and run again
    without that line."""


def _closures_run(plans: list[Plan], run: Run) -> dict[int, LineResult]:
    """The closures and exits of every line through the transition door for many pathways, in a
    savepoint: a refused closure refuses its line, and when that line had another closure the
    savepoint is rolled back and the others run again without it — nothing of a refused line is
    written. The refused lines' results."""
    refused: dict[int, LineResult] = {}
    pending = [(plan, a) for plan in plans for a in plan.actions if a.close_reason]
    per_line = Counter(plan.record.line_no for plan, _ in pending)
    while pending:
        failed: dict[int, TransitionError] = {}
        try:
            with transaction.atomic():
                moves = [close_move(action, run) for _, action in pending]
                outcomes = pathways_transition("close", moves, by=PAYER_FLUX, now=run.now)
                for (plan, _), outcome in zip(pending, outcomes, strict=True):
                    if isinstance(outcome, TransitionError):
                        failed[plan.record.line_no] = outcome
                if any(per_line[line] > 1 for line in failed):
                    raise _LineRefusedWhole
        except _LineRefusedWhole:
            pass
        else:
            pending = []
        refused |= {line: _rejected(str(exc)) for line, exc in failed.items()}
        pending = [(plan, a) for plan, a in pending if plan.record.line_no not in failed]
    return refused


def _people_update(people: list[Person], run: Run) -> None:
    """The payer's number, NIR hash and household of the people found, as `apply._person_update`
    keeps them one at a time: missing accounts inserted, changed people updated with their audit rows."""
    accounts, changed, fields = [], [], set()
    for person in people:
        b, r = person.match.beneficiary, person.record
        if not any(a.payer == r.payer and a.allocation_number == r.allocation_number for a in b.payer_accounts.all()):
            accounts.append(PayerAccount(beneficiary=b, payer=r.payer, allocation_number=r.allocation_number))
        changes = person_changes(person)
        for name, value in changes.items():
            setattr(b, name, value)
        if changes:
            changed.append(b)
            fields |= changes.keys()
    PayerAccount.objects.bulk_create(accounts, ignore_conflicts=True, batch_size=CHUNK)
    if changed:
        with acting_as(run.by):
            bulk_update_with_history(changed, Beneficiary, sorted(fields), batch_size=CHUNK)


def _effects(plans: list[Plan], run: Run) -> dict[int, Effect]:
    """Run the entries, suspensions and reviews of every line at once; each action's effect."""
    actions = [a for plan in plans for a in plan.actions]
    effects: dict[int, Effect] = {}
    entering = [a for a in actions if a.entry is not None]
    pathways = pathways_enter([a.entry for a in entering], by=run.by, now=run.now) if entering else []
    accounts = []
    for action, pathway in zip(entering, pathways, strict=True):
        effects[id(action)] = (action.outcome, pathway, None)
        if action.person.match.beneficiary is None:
            r = action.person.record
            accounts.append(
                PayerAccount(beneficiary=pathway.beneficiary, payer=r.payer, allocation_number=r.allocation_number)
            )
    PayerAccount.objects.bulk_create(accounts, batch_size=CHUNK)
    moving = [a for a in actions if a.outcome in (FluxOutcome.SUSPENSION, FluxOutcome.RESUMPTION)]
    if moving:
        changes = {a.pathway.pk: a.suspended_on for a in moving}
        moved = {p.pk: p for p in pathways_payer_suspension_record(changes, by=run.by, now=run.now)}
        effects.update((id(a), (a.outcome, moved[a.pathway.pk], None)) for a in moving)
    reviewing = [a for a in actions if a.outcome == FluxOutcome.TO_VERIFY]
    reviews = IdentityReview.objects.bulk_create([review_row(a, run) for a in reviewing], batch_size=CHUNK)
    effects.update((id(a), (a.outcome, None, review)) for a, review in zip(reviewing, reviews, strict=True))
    return effects


def batch_apply(imp: FluxImport, items: list[Item], run: Run) -> int:
    """Apply a batch of lines not applied yet, in the caller's transaction; the lines written."""
    if not items:
        return 0  # a re-run passing lines an earlier run applied
    records = [i for i in items if isinstance(i, FluxRecord)]
    plans, results = _plans(records, run)
    _people_update([p for plan in plans for p in plan.updates], run)
    effects = _effects(plans, run)
    for plan in plans:
        line_effects = [effects.get(id(a), (a.outcome, a.pathway, None)) for a in plan.actions]
        results[plan.record.line_no] = line_result(plan.record, line_effects)
    rows = []
    for item in items:
        result = results[item.line_no] if isinstance(item, FluxRecord) else _rejected(item.message)
        rows.append(line_row(imp, item.line_no, result, item.allocation_number))
    FluxLine.objects.bulk_create(rows, batch_size=CHUNK)
    return len(rows)


def claim(imp: FluxImport, items: list[Item]) -> list[Item]:
    """Lock the import's row for the batch (another run of the same file waits) and keep the lines
    no run has applied yet: the unique key of each line stays the guarantee."""
    FluxImport.objects.select_for_update(of=("self",)).filter(pk=imp.pk).values_list("pk").get()
    # By key, which the unique index answers (a range of line numbers read every line of the import).
    keys = [f"{imp.digest}:{i.line_no}" for i in items]
    done = set(FluxLine.objects.filter(key__in=keys).values_list("line_no", flat=True))
    return [i for i in items if i.line_no not in done]

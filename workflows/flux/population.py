"""A made-up population whose dossiers live from month to month, the same for a given seed.

The population is `dossiers` slots. Month 1 fills each slot with a household (mostly entries);
each later month moves every slot one step (unchanged, closed, suspended, out of the perimeter,
reopened, or replaced by a new household arriving as an entry or a transfer), so the files of
months 1, 2, 3… of one seed follow the same allocation numbers. Everything is drawn from
hashes of (seed, slot, …): a slot's story does not depend on the others, nor on the file size.

Identities are unique by construction (NIR, and name + birth date of the adults) up to
`MAX_DOSSIERS`, so a generated file has no accidental "same person twice".
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

MAX_DOSSIERS = 1_000_000
GENERATIONS = 8  # a slot changes household at most every other month: 8 covers 16 months
DAYS_SPAN = 16_000  # adults are born within these many days (20 to ~64 years old)

LAST_NAMES = (
    "MARTIN BERNARD THOMAS PETIT ROBERT RICHARD DURAND DUBOIS MOREAU LAURENT SIMON MICHEL "
    "LEFEBVRE LEROY ROUX DAVID BERTRAND MOREL FOURNIER GIRARD BONNET DUPONT LAMBERT FONTAINE "
    "ROUSSEAU VINCENT MULLER LEFEVRE FAURE ANDRE MERCIER BLANC GUERIN BOYER GARNIER CHEVALIER "
    "FRANCOIS LEGRAND GAUTHIER GARCIA"
).split()
FIRST_NAMES_F = (
    "Marie Nathalie Isabelle Sylvie Catherine Sandrine Christine Valérie Stéphanie Céline "
    "Julie Aurélie Émilie Laura Sarah Camille Léa Manon Chloé Inès Amina Fatima Yasmine Nadia "
    "Sophie Hélène Claire Anne Élodie Laetitia Mélanie Audrey Karine Virginie Agnès Pauline "
    "Lucie Océane Jeanne Rose"
).split()
FIRST_NAMES_M = (
    "Jean Pierre Michel Philippe Alain Nicolas Christophe Patrick Stéphane David Julien "
    "Sébastien Thomas Kevin Mohamed Karim Mehdi Yassine Antoine Maxime Alexandre Romain "
    "Guillaume Vincent Olivier Frédéric Laurent Éric Franck Thierry Pascal Bruno Cédric Jérôme "
    "Hugo Lucas Théo Nathan Louis Gabriel"
).split()
IDENTITIES = DAYS_SPAN * len(LAST_NAMES) * len(FIRST_NAMES_F)  # 25.6 million adults
SCRAMBLE = 7_368_787  # prime to IDENTITIES (2^13 · 5^5)
OTHER_ORGANISATIONS = ("691", "751", "131", "592", "330", "061", "974")  # transfers come from
SUSPENSION_REASONS = ("01", "05", "06", "36")  # MOTISUSVERSRSA (WebRSA Option::motisusversrsa)
CLOSURE_REASONS = ("ECH", "PCG", "RFD", "RAU")  # MOTICLORSA (carnet-de-bord transform_closure_reason)

OPEN_KINDS = frozenset({"entry", "transfer_in", "unchanged", "suspension_lifted", "reopening"})
ENDED_KINDS = frozenset({"closure", "leaves_perimeter"})
KINDS = (*sorted(OPEN_KINDS), "pending", "suspension", *sorted(ENDED_KINDS))


@dataclass(frozen=True)
class Person:
    role: str
    last_name: str
    birth_name: str
    first_name: str
    birth_date: dt.date
    nir: str
    sex: str  # "1" homme, "2" femme (SEXE)
    subject: bool


@dataclass(frozen=True)
class Dossier:
    slot: int
    kind: str
    allocation_number: str
    request_number: str
    request_date: dt.date
    state_code: str
    state_on: dt.date | None
    state_reason: str
    transfer_org: str  # NUMORGCEDMUT, "" when not a transfer in this month
    transfer_on: dt.date | None
    persons: tuple[Person, ...]


MASK = (1 << 64) - 1
GOLDEN = 0x9E3779B97F4A7C15
PEOPLE, EVENT, REQUEST, STATE = 1, 2, 3, 4  # what a draw is for, so draws never collide


def _mix(z: int) -> int:
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
    return z ^ (z >> 31)


class Draw:
    """A small deterministic generator (splitmix64) seeded by integers: the same in every
    process and cheap to create, one per dossier and purpose."""

    def __init__(self, *parts: int) -> None:
        state = GOLDEN
        for part in parts:
            state = _mix((state ^ part) + GOLDEN & MASK)
        self.state = state

    def _next(self) -> int:
        self.state = (self.state + GOLDEN) & MASK
        return _mix(self.state)

    def random(self) -> float:
        return self._next() / 2**64

    def randrange(self, start: int, stop: int) -> int:
        return start + self._next() % (stop - start)

    def choice(self, items):
        return items[self._next() % len(items)]

    def weighted(self, items, weights):
        point, total = self._next() % sum(weights), 0
        for item, weight in zip(items, weights, strict=True):
            total += weight
            if point < total:
                return item
        return items[-1]


def add_months(day: dt.date, months: int) -> dt.date:
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    return dt.date(year, month, min(day.day, 28))


def _nir(sex: str, birth: dt.date, serial: int) -> str:
    body = f"{sex}{birth:%y%m}{serial % 10**8:08d}"
    return f"{body}{97 - int(body) % 97:02d}"


def _adult(seed: int, unit: int, index: int, sex: str, first_month: dt.date) -> tuple[str, str, dt.date]:
    """(last name, first name, birth date), different for every adult of the population."""
    u = (unit * 2 + index) % IDENTITIES
    u = (u * SCRAMBLE + seed * 7919) % IDENTITIES  # a bijection: neighbours look unrelated
    # The day from u's high digits: its low digits repeat with a short period along the units
    # (u moves by a multiple of 16 from one household to the next), which would put the whole
    # population on a thousand birthdays.
    day, names_at = divmod(u, len(LAST_NAMES) * len(FIRST_NAMES_F))
    last, first = divmod(names_at, len(FIRST_NAMES_F))
    names = FIRST_NAMES_F if sex == "2" else FIRST_NAMES_M
    birth = first_month - dt.timedelta(days=20 * 365 + day)
    return LAST_NAMES[last], names[first], birth


def household(seed: int, slot: int, generation: int, first_month: dt.date, subject: bool) -> tuple[Person, ...]:
    """The people of one slot's household `generation` (stable across the months)."""
    draw = Draw(seed, slot, generation, PEOPLE)
    unit = slot * GENERATIONS + generation % GENERATIONS
    people = []
    sex = draw.choice("12")
    last, first, birth = _adult(seed, unit, 0, sex, first_month)
    people.append(Person("DEM", last, last, first, birth, _nir(sex, birth, unit * 8), sex, subject))
    if draw.random() < 0.4:
        other = "2" if sex == "1" else "1"
        c_last, c_first, c_birth = _adult(seed, unit, 1, other, first_month)
        in_duty = subject and draw.random() < 0.8
        people.append(
            Person("CJT", c_last, c_last, c_first, c_birth, _nir(other, c_birth, unit * 8 + 1), other, in_duty)
        )
    children = draw.weighted((0, 1, 2, 3, 4), (40, 25, 20, 10, 5))
    for index in range(children):
        c_sex = draw.choice("12")
        c_birth = first_month - dt.timedelta(days=draw.randrange(0, 15 * 365))
        c_first = draw.choice(FIRST_NAMES_F if c_sex == "2" else FIRST_NAMES_M)
        nir = _nir(c_sex, c_birth, unit * 8 + 2 + index)
        people.append(Person("ENF", last, last, c_first, c_birth, nir, c_sex, False))
    return tuple(people)


def _next_kind(seed: int, slot: int, month: int, previous: str) -> str:
    r = Draw(seed, slot, month, EVENT).random()
    if month == 1:
        return "pending" if r < 0.05 else "transfer_in" if r < 0.08 else "entry"
    if previous == "pending":
        return "entry"
    if previous == "suspension":
        return "closure" if r < 0.3 else "suspension_lifted"
    if previous in ENDED_KINDS:
        return "reopening" if r < 0.3 else "entry" if r < 0.8 else "transfer_in"
    return "closure" if r < 0.06 else "suspension" if r < 0.12 else "leaves_perimeter" if r < 0.15 else "unchanged"


@dataclass(frozen=True)
class Story:
    kind: str
    generation: int
    opened_month: int  # the month this household's right was last (re)opened


def story(seed: int, slot: int, month: int) -> Story:
    """Where slot `slot` stands in month `month`, walking its months from the first."""
    kind, generation, opened = "", 0, 1
    for m in range(1, month + 1):
        new_kind = _next_kind(seed, slot, m, kind)
        if kind in ENDED_KINDS:  # ended last month: reopens, or a new household takes the slot
            generation += new_kind != "reopening"
            opened = m
        kind = new_kind
    return Story(kind, generation, opened)


def dossier(seed: int, slot: int, month: int, first_month: dt.date) -> Dossier:
    """Slot `slot` as the payer's file of month `month` shows it."""
    current = story(seed, slot, month)
    receipt = add_months(first_month, month - 1)
    opened_receipt = add_months(first_month, current.opened_month - 1)
    unit = slot * GENERATIONS + current.generation % GENERATIONS
    asked = Draw(seed, slot, current.generation, current.opened_month, REQUEST)
    if current.opened_month == 1:
        request_date = first_month - dt.timedelta(days=asked.randrange(3, 400))
    else:
        request_date = opened_receipt - dt.timedelta(days=asked.randrange(3, 60))
    draw = Draw(seed, slot, month, STATE)
    state_on, reason, org, transfer_on = None, "", "", None
    code = {"pending": "0", "suspension": "4", "closure": "5"}.get(current.kind, "2")
    if current.kind in ("suspension", "closure"):
        state_on = receipt - dt.timedelta(days=draw.randrange(1, 25))
        reason = draw.choice(SUSPENSION_REASONS if code == "4" else CLOSURE_REASONS)
    if current.kind == "transfer_in":
        org = draw.choice(OTHER_ORGANISATIONS)
        transfer_on = receipt - dt.timedelta(days=draw.randrange(1, 25))
    persons = household(seed, slot, current.generation, first_month, current.kind != "leaves_perimeter")
    return Dossier(
        slot=slot,
        kind=current.kind,
        allocation_number=f"{(seed % 8) * 1_250_000 + unit + 1:08d}0000000",
        request_number=f"{unit:08d}{current.opened_month:03d}",
        request_date=request_date,
        state_code=code,
        state_on=state_on,
        state_reason=reason,
        transfer_org=org,
        transfer_on=transfer_on,
        persons=persons,
    )

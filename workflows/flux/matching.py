"""Who a person of a payer's file is: by payer and allocation number, then NIR, then identity.

Three tiers, each stricter about what it accepts:
1. the payer's allocation number (`PayerAccount`): the household; the person in it is the one
   whose NIR or identity (last name, first name, birth date) is the same;
2. the NIR's keyed hash (`Beneficiary.nir_hash`): the same NIR with the same identity;
3. the identity alone, when nothing we hold contradicts it.
A doubtful match — the same NIR under another name, or the same identity under other numbers —
is never taken: it goes to a person (the « À vérifier » queue). The NIR is hashed at once and
never kept, logged or compared in clear.
"""

from __future__ import annotations

import datetime as dt
import functools
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

from django.db.models import Prefetch, Q

from casework.identity_keys import nir_hash
from casework.models import Beneficiary, PayerAccount
from workflows.flux.records import FluxPerson

ACCOUNT, NIR, IDENTITY = "account", "nir", "identity"

SAME_NIR_OTHER_NAME = "Même NIR qu'une personne suivie, mais nom, prénom ou date de naissance différents."
SAME_IDENTITY_OTHER_NUMBERS = (
    "Mêmes nom, prénom et date de naissance qu'une personne suivie, mais NIR ou numéro d'allocataire différent."
)


@functools.lru_cache(maxsize=65_536)
def name_key(name: str) -> str:
    """A name as compared: no accents, upper case, hyphens and apostrophes as spaces."""
    decomposed = unicodedata.normalize("NFKD", name)
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    for sep in "-'’.":
        bare = bare.replace(sep, " ")
    return " ".join(bare.upper().split())


def same_identity(beneficiary: Beneficiary, person: FluxPerson) -> bool:
    return (
        beneficiary.birth_date == person.birth_date
        and name_key(beneficiary.last_name) == name_key(person.last_name)
        and name_key(beneficiary.first_name) == name_key(person.first_name)
    )


@dataclass(frozen=True)
class Match:
    """The person found (`tier` says how), or a doubtful candidate (`doubt` says why), or nobody."""

    beneficiary: Beneficiary | None = None
    tier: str = ""
    doubt: str = ""
    nir_hash: str = ""

    @property
    def found(self) -> bool:
        return self.beneficiary is not None and not self.doubt


def _accounts() -> Prefetch:
    return Prefetch(
        "payer_accounts", queryset=PayerAccount.objects.only("beneficiary_id", "payer", "allocation_number")
    )


class Lookup(Protocol):
    """Where the candidates come from: the database (a line alone) or a batch's own reading."""

    def household(self, payer: str, allocation_number: str) -> Iterable[Beneficiary]: ...
    def by_nir(self, hashed: str) -> Beneficiary | None: ...
    def by_birth_date(self, day: dt.date) -> Iterable[Beneficiary]: ...


class DatabaseLookup:
    """Each question a query (a line applied alone)."""

    def household(self, payer: str, allocation_number: str) -> Iterable[Beneficiary]:
        return (
            Beneficiary.objects.filter(
                payer_accounts__payer=payer, payer_accounts__allocation_number=allocation_number
            )
            .prefetch_related(_accounts())
            .order_by("pk")
        )

    def by_nir(self, hashed: str) -> Beneficiary | None:
        return Beneficiary.objects.filter(nir_hash=hashed).order_by("pk").first()

    def by_birth_date(self, day: dt.date) -> Iterable[Beneficiary]:
        return Beneficiary.objects.filter(birth_date=day).prefetch_related(_accounts()).order_by("pk")


DATABASE = DatabaseLookup()


class BatchLookup:
    """The candidates of a batch of lines, read in a few statements: the households of its
    allocation numbers and the owners of its NIRs at once, then (`birth_dates_load`) the
    people born on the days of those still unmatched. A day not loaded yet answers nobody and
    is noted in `missed`, so a first pass tells which days the identity tier needs."""

    def __init__(self, people: Iterable[tuple[str, str, FluxPerson]]):
        people = list(people)
        self.hashes = {p.nir: nir_hash(p.nir) for _, _, p in people if p.nir}
        by_payer: dict[str, set[str]] = defaultdict(set)
        for payer, number, _ in people:
            by_payer[payer].add(number)
        self._households: dict[tuple[str, str], list[int]] = defaultdict(list)
        self._nirs: dict[str, int] = {}
        self._days: dict[dt.date, list[int]] = {}
        self._people: dict[int, Beneficiary] = {}
        self.missed: set[dt.date] = set()
        wanted = Q()
        for payer, numbers in by_payer.items():
            wanted |= Q(payer=payer, allocation_number__in=sorted(numbers))
        if by_payer:
            for payer, number, pk in PayerAccount.objects.filter(wanted).values_list(
                "payer", "allocation_number", "beneficiary_id"
            ):
                self._households[(payer, number)].append(pk)
        hashes = sorted(set(self.hashes.values()))
        for hashed, pk in Beneficiary.objects.filter(nir_hash__in=hashes).values_list("nir_hash", "pk").order_by("pk"):
            self._nirs.setdefault(hashed, pk)
        self._load([pk for pks in self._households.values() for pk in pks] + list(self._nirs.values()))

    def _load(self, pks: Iterable[int]) -> None:
        missing = sorted(set(pks) - self._people.keys())
        for start in range(0, len(missing), 2000):
            chunk = missing[start : start + 2000]
            self._people.update(
                (b.pk, b) for b in Beneficiary.objects.filter(pk__in=chunk).prefetch_related(_accounts())
            )

    def birth_dates_load(self, wanted: dict[dt.date, set[tuple[str, str]]]) -> None:
        """The people born on these days whose names (as compared) are wanted that day: only
        they can match, so only they are loaded whole (a day can hold hundreds of people:
        those born abroad on an unknown day are often registered on the 1st of January)."""
        days = sorted(set(wanted) - self._days.keys())
        for day in days:
            self._days[day] = []
        rows = Beneficiary.objects.filter(birth_date__in=days).values_list(
            "pk", "birth_date", "last_name", "first_name"
        )
        for pk, day, last, first in rows.order_by("pk"):
            if (name_key(last), name_key(first)) in wanted[day]:
                self._days[day].append(pk)
        self._load(pk for day in days for pk in self._days[day])
        self.missed -= set(days)

    def household(self, payer: str, allocation_number: str) -> Iterable[Beneficiary]:
        return [self._people[pk] for pk in sorted(set(self._households.get((payer, allocation_number), ())))]

    def by_nir(self, hashed: str) -> Beneficiary | None:
        pk = self._nirs.get(hashed)
        return self._people[pk] if pk is not None else None

    def by_birth_date(self, day: dt.date) -> Iterable[Beneficiary]:
        if day not in self._days:
            self.missed.add(day)
            return []
        return [self._people[pk] for pk in self._days[day]]


def _numbers_differ(beneficiary: Beneficiary, payer: str, allocation_number: str, hashed: str) -> bool:
    if hashed and beneficiary.nir_hash and beneficiary.nir_hash != hashed:
        return True
    accounts = [a for a in beneficiary.payer_accounts.all() if a.payer == payer]
    return bool(accounts) and all(a.allocation_number != allocation_number for a in accounts)


def person_match(
    payer: str, allocation_number: str, person: FluxPerson, *, lookup: Lookup = DATABASE, hashed: str | None = None
) -> Match:
    """Find the person of a payer's line among the people we follow (or followed)."""
    if hashed is None:
        hashed = nir_hash(person.nir) if person.nir else ""
    for beneficiary in lookup.household(payer, allocation_number):
        if hashed and beneficiary.nir_hash == hashed:
            if same_identity(beneficiary, person):
                return Match(beneficiary, ACCOUNT, nir_hash=hashed)
            return Match(beneficiary, doubt=SAME_NIR_OTHER_NAME, nir_hash=hashed)
        if same_identity(beneficiary, person):
            if hashed and beneficiary.nir_hash and beneficiary.nir_hash != hashed:
                return Match(beneficiary, doubt=SAME_IDENTITY_OTHER_NUMBERS, nir_hash=hashed)
            return Match(beneficiary, ACCOUNT, nir_hash=hashed)
    if hashed:
        beneficiary = lookup.by_nir(hashed)
        if beneficiary is not None:
            if same_identity(beneficiary, person):
                return Match(beneficiary, NIR, nir_hash=hashed)
            return Match(beneficiary, doubt=SAME_NIR_OTHER_NAME, nir_hash=hashed)
    for beneficiary in lookup.by_birth_date(person.birth_date):
        if same_identity(beneficiary, person):
            if _numbers_differ(beneficiary, payer, allocation_number, hashed):
                return Match(beneficiary, doubt=SAME_IDENTITY_OTHER_NUMBERS, nir_hash=hashed)
            return Match(beneficiary, IDENTITY, nir_hash=hashed)
    return Match(nir_hash=hashed)

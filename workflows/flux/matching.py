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

import unicodedata
from dataclasses import dataclass

from django.db.models import Prefetch

from casework.identity_keys import nir_hash
from casework.models import Beneficiary, PayerAccount
from workflows.flux.records import FluxPerson

ACCOUNT, NIR, IDENTITY = "account", "nir", "identity"

SAME_NIR_OTHER_NAME = "Même NIR qu'une personne suivie, mais nom, prénom ou date de naissance différents."
SAME_IDENTITY_OTHER_NUMBERS = (
    "Mêmes nom, prénom et date de naissance qu'une personne suivie, mais NIR ou numéro d'allocataire différent."
)


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


def _numbers_differ(beneficiary: Beneficiary, payer: str, allocation_number: str, hashed: str) -> bool:
    if hashed and beneficiary.nir_hash and beneficiary.nir_hash != hashed:
        return True
    accounts = [a for a in beneficiary.payer_accounts.all() if a.payer == payer]
    return bool(accounts) and all(a.allocation_number != allocation_number for a in accounts)


def person_match(payer: str, allocation_number: str, person: FluxPerson) -> Match:
    """Find the person of a payer's line among the people we follow (or followed)."""
    hashed = nir_hash(person.nir) if person.nir else ""
    household = Beneficiary.objects.filter(
        payer_accounts__payer=payer, payer_accounts__allocation_number=allocation_number
    ).prefetch_related(_accounts())
    for beneficiary in household:
        if hashed and beneficiary.nir_hash == hashed:
            if same_identity(beneficiary, person):
                return Match(beneficiary, ACCOUNT, nir_hash=hashed)
            return Match(beneficiary, doubt=SAME_NIR_OTHER_NAME, nir_hash=hashed)
        if same_identity(beneficiary, person):
            if hashed and beneficiary.nir_hash and beneficiary.nir_hash != hashed:
                return Match(beneficiary, doubt=SAME_IDENTITY_OTHER_NUMBERS, nir_hash=hashed)
            return Match(beneficiary, ACCOUNT, nir_hash=hashed)
    if hashed:
        beneficiary = Beneficiary.objects.filter(nir_hash=hashed).order_by("pk").first()
        if beneficiary is not None:
            if same_identity(beneficiary, person):
                return Match(beneficiary, NIR, nir_hash=hashed)
            return Match(beneficiary, doubt=SAME_NIR_OTHER_NAME, nir_hash=hashed)
    namesakes = Beneficiary.objects.filter(birth_date=person.birth_date).prefetch_related(_accounts()).order_by("pk")
    for beneficiary in namesakes:
        if same_identity(beneficiary, person):
            if _numbers_differ(beneficiary, payer, allocation_number, hashed):
                return Match(beneficiary, doubt=SAME_IDENTITY_OTHER_NUMBERS, nir_hash=hashed)
            return Match(beneficiary, IDENTITY, nir_hash=hashed)
    return Match(nir_hash=hashed)

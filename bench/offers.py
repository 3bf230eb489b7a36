"""Measure: the offers catalogue's search at 10,000 offers, p50/p95 of the search queries.

The offers are synthetic (French titles and descriptions with accents, 1-3 barriers, 1-2
territories each), written once into the bench database and reused. Each query is
`casework.offers.offers_search(...)[:50]` evaluated, as the search page runs it: words alone
(full-text, through the GIN index), words with a territory, barriers with a territory, a kind
with barriers, and everything at once.
"""

from __future__ import annotations

import random
from decimal import Decimal

from django.db import connection, transaction

from casework.enums import BarrierKind, OfferKind
from casework.models import Offer, Organisation, Territory
from casework.offers import SEARCH_LIMIT, offers_search

from .util import percentile, timed

TITLE_PREFIX = "[bench] "
TARGET_P95_MS = 50
QUERIES_PER_RUN = 40

_SUBJECTS = [
    "Atelier numérique", "Permis de conduire solidaire", "Garde d'enfants ponctuelle", "Chantier d'insertion",
    "Remobilisation vers l'emploi", "Formation aux métiers du bâtiment", "Soutien psychologique",
    "Français langue étrangère", "Accompagnement global", "Équipe mobile santé", "Épicerie solidaire",
    "Prêt de véhicules", "Bénévolat associatif", "Savoirs de base", "Accès aux droits", "Logement d'abord",
]  # fmt: skip
_WORDS = [
    "accompagnement", "emploi", "mobilité", "crèche", "santé", "numérique", "formation", "bâtiment", "équipe",
    "insertion", "logement", "confiance", "atelier", "permis", "véhicule", "démarches", "qualification",
    "restauration", "espaces verts", "métiers", "entretien", "budget", "illettrisme", "bénévoles",
]  # fmt: skip
SEARCHES = ["atelier numerique", "permis conduire", "creche", "metiers batiment", "sante mentale", "equipe mobile"]


def offers_ensure(n: int, *, seed: int = 18) -> int:
    """Write synthetic offers until the bench holds `n` of them; returns how many were written."""
    have = Offer.objects.filter(title__startswith=TITLE_PREFIX).count()
    if have >= n:
        return 0
    territories = list(Territory.objects.values_list("pk", flat=True))
    providers = list(Organisation.objects.values_list("pk", flat=True)[:50])
    if not territories or not providers:
        return 0
    rng = random.Random(seed + have)
    barriers, kinds = BarrierKind.values, OfferKind.values
    offers = [
        Offer(
            title=f"{TITLE_PREFIX}{rng.choice(_SUBJECTS)} n° {i}",
            provider_id=rng.choice(providers),
            kind=rng.choice(kinds),
            description=" ".join(rng.choices(_WORDS, k=25)),
            eligibility=" ".join(rng.choices(_WORDS, k=8)),
            barriers=rng.sample(barriers, rng.randint(1, 3)),
            publics=["rsa"],
            hours_per_week=Decimal(rng.choice([2, 4, 6, 10, 15, 20])),
        )
        for i in range(have, n)
    ]
    with transaction.atomic():
        created = Offer.objects.bulk_create(offers, batch_size=2000)
        through = Offer.territories.through
        links = {(o.pk, t) for o in created for t in rng.sample(territories, min(len(territories), rng.randint(1, 2)))}
        through.objects.bulk_create([through(offer_id=o, territory_id=t) for o, t in links], batch_size=5000)
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("ANALYZE casework_offer")
            cur.execute(f"ANALYZE {through._meta.db_table}")
    return len(created)


def _queries(rng: random.Random, territories: list[int]) -> list[dict]:
    barriers, kinds = BarrierKind.values, OfferKind.values
    shapes = [
        lambda: {"text": rng.choice(SEARCHES)},
        lambda: {"text": rng.choice(SEARCHES), "territory_id": rng.choice(territories)},
        lambda: {"territory_id": rng.choice(territories), "barriers": rng.sample(barriers, 2)},
        lambda: {"kind": rng.choice(kinds), "barriers": [rng.choice(barriers)]},
        lambda: {
            "text": rng.choice(SEARCHES),
            "territory_id": rng.choice(territories),
            "barriers": [rng.choice(barriers)],
            "kind": rng.choice(kinds),
        },
    ]
    return [shapes[i % len(shapes)]() for i in range(QUERIES_PER_RUN)]


def measure(*, runs: int, n: int = 10_000) -> dict:
    written = offers_ensure(n)
    territories = list(Territory.objects.values_list("pk", flat=True))
    if not territories:
        return {"status": "no territory"}
    rng = random.Random(7)
    for q in _queries(rng, territories)[:10]:  # warm-up
        list(offers_search(**q)[:SEARCH_LIMIT])
    p50s, p95s, found = [], [], []
    for _ in range(runs):
        times = []
        for q in _queries(rng, territories):
            ms, rows = timed(lambda q=q: list(offers_search(**q)[:SEARCH_LIMIT]))
            times.append(ms)
            found.append(len(rows))
        p50s.append(percentile(times, 50))
        p95s.append(percentile(times, 95))
    p50s.sort()
    p95s.sort()
    return {
        "offers": Offer.objects.count(),
        "written_now": written,
        "queries": runs * QUERIES_PER_RUN,
        "p50_ms": round(p50s[len(p50s) // 2], 2),
        "p95_ms": round(p95s[len(p95s) // 2], 2),
        "mean_results": round(sum(found) / len(found), 1) if found else 0,
        "target_p95_ms": TARGET_P95_MS,
        "full_text": connection.vendor == "postgresql",
    }

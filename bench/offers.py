"""Measure: the offers catalogue's search at 10,000 offers, p50/p95 of the search queries.

The offers are synthetic (French titles and descriptions with accents, 1-3 barriers, 1-2
territories each), written once into the bench database and reused. Each query is
`casework.offers.offers_search_page(...)`, what the search page runs: words alone
(full-text; one query of words every subject shares, on purpose), words with a territory,
barriers with a territory, a kind with barriers, and everything at once.
"""

from __future__ import annotations

import random
from decimal import Decimal

from django.db import connection, transaction

from casework.enums import BarrierKind, OfferKind
from casework.models import Offer, Organisation, Territory
from casework.offers import offers_search_page

from .util import percentile, timed

TITLE_PREFIX = "[bench] "
TARGET_P95_MS = 50
QUERIES_PER_RUN = 40

# Each kind of offer speaks of its own subject (a mobility platform of cars and licences, a
# crèche of children...), over a shared insertion vocabulary: a word matches the offers of its
# subject, a shared word a broad share of the catalogue, as in a real one.
_TOPICS = {
    "aspir": "ASPIR remobilisation entretien hebdomadaire projet professionnel objectifs confiance",
    "global_support": "accompagnement global social professionnel travailleur social freins périphériques",
    "plie": "PLIE parcours renforcé référent emploi durable entreprises parrainage",
    "iae": "chantier insertion espaces verts bâtiment restauration contrat salarié polyvalent",
    "training": "formation qualifiante métiers certification stage alternance compétences",
    "mobility": "mobilité permis conduire code route véhicule location vélo transport",
    "childcare": "garde enfants crèche assistante maternelle horaires décalés places",
    "health": "santé soutien psychologique psychologue bilan santé soins écoute",
    "workshop": "atelier numérique ordinateur démarches en ligne courriel smartphone",
    "volunteering": "bénévolat association engagement citoyen solidarité épicerie",
    "other": "budget logement accès aux droits français langue étrangère lecture écriture",
}
_COMMON = (
    "accompagnement insertion personnes allocataires RSA territoire rendez-vous individuel collectif "
    "groupe semaine mois durée inscription orientation référent partenaires objectif emploi autonomie"
).split()
SEARCHES = [
    "permis conduire", "creche", "metiers batiment", "soutien psychologique", "atelier numerique",
    "chantier espaces verts", "epicerie solidaire", "accompagnement individuel",
]  # fmt: skip


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
    offers = []
    for i in range(have, n):
        kind = rng.choice(kinds)
        topic = _TOPICS[kind].split()
        offers.append(
            Offer(
                title=f"{TITLE_PREFIX}{' '.join(rng.sample(topic, 3)).capitalize()} n° {i}",
                provider_id=rng.choice(providers),
                kind=kind,
                description=" ".join(rng.choices(topic, k=12) + rng.choices(_COMMON, k=12)),
                eligibility=" ".join(rng.choices(_COMMON, k=8)),
                barriers=rng.sample(barriers, rng.randint(1, 3)),
                publics=["rsa"],
                hours_per_week=Decimal(rng.choice([2, 4, 6, 10, 15, 20])),
            )
        )
    with transaction.atomic():
        created = Offer.objects.bulk_create(offers, batch_size=2000)
        through = Offer.territories.through
        links = {(o.pk, t) for o in created for t in rng.sample(territories, min(len(territories), rng.randint(1, 2)))}
        through.objects.bulk_create([through(offer_id=o, territory_id=t) for o, t in links], batch_size=5000)
    if connection.vendor == "postgresql" and not connection.in_atomic_block:
        # As autovacuum would after a bulk load: statistics for the planner, visibility map.
        with connection.cursor() as cur:
            cur.execute("VACUUM ANALYZE casework_offer")
            cur.execute(f"VACUUM ANALYZE {through._meta.db_table}")
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
        offers_search_page(**q)
    p50s, p95s, found = [], [], []
    for _ in range(runs):
        times = []
        for q in _queries(rng, territories):
            ms, rows = timed(lambda q=q: offers_search_page(**q))
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

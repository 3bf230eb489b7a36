"""A handful of insertion offers for the demo (`seed_demo`): written once, found again by title.

Their sessions are dated from the demo's `today`, so a fresh demo always has sessions to come.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from casework.models import Offer, OfferSession, Organisation, Territory

SOUTH = ["niortais", "haut-val-de-sevre", "mellois"]
ALL = [*SOUTH, "parthenay-gatine", "bocage-bressuirais", "thouarsais"]

# title, provider, kind, barriers, territories, hours a week, description, sessions (days from today, seats)
DEMO_OFFERS = [
    ("Chantier d'insertion maraîchage bio", "ACI Les Jardins de la Sèvre", "iae", ["qualification", "isolation"],
     SOUTH, 26, "Contrat à durée déterminée d'insertion au jardin : culture, récolte, vente sur les marchés.",
     [(14, 6), (60, 6)]),
    ("Plateforme mobilité : code, permis et location solidaire", "ETTI Intermed 79", "mobility", ["mobility"],
     ALL, 4, "Préparation au code de la route, heures de conduite, prêt de scooters et de voitures à petit prix.",
     [(10, 12), (40, 12)]),
    ("Atelier budget et accès aux droits", "CAF des Deux-Sèvres", "workshop", ["finances", "rights"],
     ALL, 3, "Quatre séances collectives : faire son budget, ouvrir ses droits, éviter les impayés.",
     [(7, 10)]),
    ("Accompagnement renforcé PLIE", "PLIE du Niortais", "plie", ["qualification"],
     ["niortais"], 6, "Un référent de parcours emploi, des mises en situation en entreprise, un parrainage.",
     []),
    ("Atelier numérique : démarches en ligne", "Mission locale Sud Deux-Sèvres", "workshop", ["digital"],
     SOUTH, 4, "Créer son adresse électronique, utiliser les services publics en ligne, son smartphone.",
     [(5, 8), (33, 8)]),
    ("Crèche à vocation d'insertion professionnelle", "CAF des Deux-Sèvres", "childcare", ["childcare"],
     SOUTH, 0, "Des places en crèche pour les parents qui reprennent une formation ou un emploi.",
     []),
]  # fmt: skip


def demo_offers_load(*, today: dt.date) -> int:
    """Write the demo's offers that are missing (by title); returns how many were written."""
    territories = {t.code: t for t in Territory.objects.all()}
    written = 0
    for title, provider, kind, barriers, codes, hours, description, sessions in DEMO_OFFERS:
        organisation = Organisation.objects.filter(name=provider).first()
        if organisation is None or Offer.objects.filter(title=title).exists():
            continue
        offer = Offer.objects.create(
            title=title,
            provider=organisation,
            kind=kind,
            barriers=barriers,
            publics=["rsa"],
            description=description,
            hours_per_week=Decimal(hours),
            contact="Du lundi au vendredi, 9 h - 12 h",
        )
        offer.territories.set([territories[c] for c in codes if c in territories])
        for days, seats in sessions:
            OfferSession.objects.create(offer=offer, starts_on=today + dt.timedelta(days=days), seats=seats)
        written += 1
    return written

"""The indicators' written definitions, shown to users on the help page, in the CSV header and
by the API (`casework.indicators` computes them: one code per indicator, in this order)."""

from __future__ import annotations

from dataclasses import dataclass

# The delays the indicators measure against.
ORIENTATION_DAYS = 42  # 6 weeks (law, CASF D262-65-2)
ASSIGNMENT_DAYS = 7
FIRST_APPOINTMENT_DAYS = 15
CONTRACT_MONTHS = 1  # law, décret 2024-1244


@dataclass(frozen=True)
class Definition:
    label: str
    unit: str  # "%", "jours", "personnes"
    numerator: str
    denominator: str
    delay: str = ""  # the cohort rule, for delay indicators
    reference: float | None = None  # seed (Deux-Sèvres)
    reference_label: str = ""
    national: float | None = None

    def meta(self) -> dict:
        return {
            "label": self.label,
            "unit": self.unit,
            "reference": self.reference,
            "reference_label": self.reference_label,
            "national": self.national,
        }


SEED = "PTI Deux-Sèvres (bilan 2014-2020)"
BREACHES = "Rien n'est automatique : chaque manquement est constaté par un référent."
COHORT = "les entrées de la période (ouverture de droits ou réouverture) effectives au plus tard à la date de calcul"

DEFINITIONS: dict[str, Definition] = {
    "cohort_size": Definition(
        "Entrées dans la cohorte",
        "personnes",
        "Nombre d'entrées (une personne entrée deux fois compte deux fois).",
        f"Idem : {COHORT}.",
    ),
    "orientation_rate": Definition(
        "Taux d'orientation",
        "%",
        "Entrées ayant reçu une décision d'orientation effective au plus tard à la date de calcul.",
        f"Toutes {COHORT}, y compris les personnes jamais orientées.",
        reference=91,
        reference_label=SEED,
        national=82,
    ),
    "oriented_within_6_weeks": Definition(
        "Orientés dans les 6 semaines",
        "%",
        "Entrées orientées au plus tard 42 jours calendaires après l'entrée.",
        f"Toutes {COHORT}, y compris les personnes jamais orientées.",
        delay="n.d. tant que la dernière entrée de la cohorte n'a pas 42 jours.",
    ),
    "days_to_orientation_mean": Definition(
        "Délai moyen entrée → orientation",
        "jours",
        "Somme des jours calendaires entre l'entrée et la première décision d'orientation.",
        "Entrées orientées (la valeur est la moyenne ; les personnes non orientées n'ont pas de délai).",
        delay="n.d. tant que la dernière entrée de la cohorte n'a pas 42 jours.",
        reference=81,
        reference_label=SEED,
        national=95,
    ),
    "days_to_orientation_median": Definition(
        "Délai médian entrée → orientation",
        "jours",
        "Médiane des jours entre l'entrée et la première décision d'orientation (moyenne des deux valeurs du "
        "milieu pour un effectif pair).",
        "Entrées orientées.",
        delay="n.d. tant que la dernière entrée de la cohorte n'a pas 42 jours.",
    ),
    "social_track_share": Definition(
        "Part des orientations vers un parcours social",
        "%",
        "Entrées dont la première décision d'orientation désigne un parcours de dominante sociale.",
        "Entrées orientées (répartition des décisions d'orientation).",
        reference=71,
        reference_label=SEED,
        national=53,
    ),
    "contract_rate": Definition(
        "Taux de contractualisation",
        "%",
        "Entrées ayant au moins un contrat (CER, PPAE, contrat d'engagement) signé au plus tard à la date de calcul.",
        f"Toutes {COHORT}, y compris les personnes jamais orientées. (Le PTI rapporte 59 % des personnes "
        "orientées vers un autre organisme que Pôle emploi : filtrez par organisation pour comparer.)",
        reference=59,
        reference_label=SEED,
        national=50,
    ),
    "contract_within_1_month": Definition(
        "Contrat signé dans le mois suivant l'orientation",
        "%",
        "Entrées orientées dont le premier contrat est signé au plus tard un mois calendaire après la première "
        "décision d'orientation (31 janvier + 1 mois = 28 ou 29 février).",
        f"Toutes {COHORT}, y compris les personnes jamais orientées.",
        delay="n.d. tant que la dernière entrée n'a pas 42 jours et que la dernière orientation n'a pas un mois.",
    ),
    "reorientation_rate": Definition(
        "Taux de réorientation",
        "%",
        "Entrées orientées ayant eu une réorientation acceptée au plus tard à la date de calcul.",
        "Entrées orientées.",
        reference=6,
        reference_label=SEED,
    ),
    "reorientation_decision_days_mean": Definition(
        "Délai moyen demande de réorientation → décision",
        "jours",
        "Somme des jours entre la première demande de réorientation de l'entrée et la décision qui la suit.",
        "Demandes décidées (la valeur est la moyenne).",
        delay="n.d. tant qu'une demande de réorientation de la cohorte attend sa décision.",
    ),
    "first_appointment_within_15_days": Definition(
        "Premier rendez-vous dans les 15 jours",
        "%",
        "Entrées dont le premier contact honoré a eu lieu au plus tard 15 jours après la désignation du référent.",
        f"Toutes {COHORT}, y compris les personnes jamais orientées.",
        delay="n.d. tant que la dernière entrée n'a pas 42 jours, la dernière orientation 7 jours et la "
        "dernière désignation 15 jours.",
    ),
    "days_to_first_appointment_mean": Definition(
        "Délai moyen désignation → premier rendez-vous",
        "jours",
        "Somme des jours entre la désignation du référent et le premier contact honoré qui la suit.",
        "Entrées ayant eu ce premier rendez-vous (la valeur est la moyenne).",
        delay="Même règle que le premier rendez-vous dans les 15 jours.",
    ),
    "exits_to_job_or_training": Definition(
        "Sorties vers l'emploi ou la formation",
        "%",
        "Sorties (parcours clos) pour emploi durable ou formation qualifiante, y compris la fin d'un "
        "accompagnement dans l'emploi jugé durable.",
        "Entrées dont le parcours est clos au plus tard à la date de calcul (accompagnements terminés).",
        reference=53,
        reference_label="ASPIR 2020 (PTI Deux-Sèvres)",
    ),
    # The breach procedure (suspension-remobilisation, décret n° 2025-478; docs/legal.md).
    "breaches_recorded": Definition(
        "Manquements constatés",
        "manquements",
        f"Manquements constatés sur les parcours de la cohorte, datés entre l'entrée et la date de calcul. {BREACHES}",
        "La valeur est un nombre de manquements (une personne peut en avoir plusieurs).",
    ),
    "breach_decisions_no_sanction": Definition(
        "Décisions sans sanction",
        "%",
        "Manquements de la cohorte décidés (date de décision au plus tard à la date de calcul) sans sanction.",
        "Manquements de la cohorte décidés à la date de calcul.",
    ),
    "breach_decisions_suspension": Definition(
        "Décisions de suspension-remobilisation",
        "%",
        "Manquements de la cohorte décidés avec une suspension (de 30 à 100 % de l'allocation, 1 à 4 mois).",
        "Manquements de la cohorte décidés à la date de calcul.",
    ),
    "remobilised_during_suspension": Definition(
        "Remobilisés pendant la suspension",
        "%",
        "Suspensions levées par une remobilisation constatée pendant leur période.",
        "Suspensions décidées pour les manquements de la cohorte.",
        delay="n.d. tant qu'une suspension de la cohorte est en cours (ni levée, ni arrivée à son terme).",
    ),
    "breach_decision_days_mean": Definition(
        "Délai moyen manquement → décision",
        "jours",
        "Somme des jours calendaires entre la date du manquement et celle de la décision.",
        "Manquements décidés (la valeur est la moyenne).",
        delay="n.d. tant qu'un manquement de la cohorte attend sa décision.",
    ),
    # The 2025 legal frame (docs/legal.md, « Contrat d'engagement et activité »).
    "engagement_contract_share": Definition(
        "Part des entrées avec un contrat d'engagement",
        "%",
        "Entrées ayant un contrat d'engagement (loi du 18 décembre 2023, contrats signés depuis le 1er janvier "
        "2025) signé au plus tard à la date de calcul. Les CER et PPAE antérieurs n'y comptent pas.",
        f"Toutes {COHORT}, y compris les personnes jamais orientées (choisissez des entrées de 2025 ou après).",
    ),
    "engagement_within_delay": Definition(
        "Contrat d'engagement signé dans le mois suivant l'orientation",
        "%",
        "Entrées dont le premier contrat d'engagement est signé au plus tard un mois calendaire après la "
        "première décision d'orientation.",
        f"Toutes {COHORT}, y compris les personnes jamais orientées.",
        delay="n.d. tant que la dernière entrée n'a pas 42 jours et que la dernière orientation n'a pas un mois.",
    ),
    "activity_hours_met": Definition(
        "Heures d'activité réalisées / durée à atteindre",
        "%",
        "Heures réalisées des semaines terminées du registre, chaque semaine comptée au plus à sa durée "
        "hebdomadaire d'activité (une semaine au-delà ne compense pas une autre en deçà).",
        "Somme des durées à atteindre de ces semaines (semaines avec heures réalisées saisies ; une semaine "
        "de dispense ne compte pas).",
    ),
}

INDICATOR_CODES = list(DEFINITIONS)

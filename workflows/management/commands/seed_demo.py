"""`manage.py seed_demo`: the Deux-Sèvres demo (idempotent), driven through the real services.

Pathways are moved with the transition service and back-dated `occurred_on`, so their
history, deadlines and alerts are exactly what real use would have produced.
"""

from __future__ import annotations

import datetime as dt
import os
import random

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone
from django.utils.translation import ngettext

from casework.enums import BarrierKind, ContactKind, ContactOutcome, OrganisationKind, Public
from casework.models import Barrier, Beneficiary, Organisation, Professional, Team, Territory, Track
from casework.services.demo_offers import demo_offers_load
from notifications.models import EmailStatus, Notification
from notifications.services.sweep import sweep_deadlines
from workflows.flows.sync import tasks_sync_drain
from workflows.services.events import contact_record, pathway_enter
from workflows.services.transitions import pathway_transition

DEMO_PASSWORD = os.environ.get("DEMO_PASSWORD", "demo-filrouge-2026")

TERRITORIES = [
    ("niortais", "Niortais"),
    ("haut-val-de-sevre", "Haut Val de Sèvre"),
    ("mellois", "Mellois"),
    ("parthenay-gatine", "Parthenay-Gâtine"),
    ("bocage-bressuirais", "Bocage Bressuirais"),
    ("thouarsais", "Thouarsais"),
]
SOUTH = ["niortais", "haut-val-de-sevre", "mellois"]
NORTH = ["parthenay-gatine", "bocage-bressuirais", "thouarsais"]
ALL = SOUTH + NORTH

# name, kind, territories, contact e-mail
ORGANISATIONS = [
    *[
        (f"Département — Bureau insertion {name}", OrganisationKind.DEPARTEMENT, [code], "")
        for code, name in TERRITORIES
    ],
    ("Département — Pôle orientation", OrganisationKind.DEPARTEMENT, ALL, ""),
    ("France Travail Niort", OrganisationKind.FRANCE_TRAVAIL, SOUTH, "contact.niort@francetravail.example"),
    (
        "France Travail Parthenay",
        OrganisationKind.FRANCE_TRAVAIL,
        ["parthenay-gatine"],
        "contact.parthenay@francetravail.example",
    ),
    (
        "France Travail Bressuire",
        OrganisationKind.FRANCE_TRAVAIL,
        ["bocage-bressuirais", "thouarsais"],
        "contact.bressuire@francetravail.example",
    ),
    ("Mission locale Sud Deux-Sèvres", OrganisationKind.MISSION_LOCALE, SOUTH, "accueil@ml-sud79.example"),
    ("Mission locale Nord Deux-Sèvres", OrganisationKind.MISSION_LOCALE, NORTH, "accueil@ml-nord79.example"),
    ("PLIE du Niortais", OrganisationKind.PLIE, ["niortais"], "plie@niort.example"),
    ("PLIE de Gâtine", OrganisationKind.PLIE, ["parthenay-gatine"], "plie@gatine.example"),
    ("Cap emploi 79", OrganisationKind.CAP_EMPLOI, ALL, "contact@capemploi79.example"),
    ("Chambre de métiers des Deux-Sèvres", OrganisationKind.CHAMBRE_CONSULAIRE, ALL, "cma@cma79.example"),
    ("ACI Les Jardins de la Sèvre", OrganisationKind.SIAE, SOUTH, "aci@jardins.example"),
    ("ETTI Intermed 79", OrganisationKind.SIAE, ALL, "etti@intermed.example"),
    ("CAF des Deux-Sèvres", OrganisationKind.CAF, ALL, "partenaires@caf79.example"),
]

# username, first, last, organisation, roles
PEOPLE = [
    ("orientation", "Odile", "Martin", "Département — Pôle orientation", {"is_orientation_officer"}),
    ("orientation2", "Omar", "Benali", "Département — Pôle orientation", {"is_orientation_officer"}),
    (
        "chef.orientation",
        "Claire",
        "Moreau",
        "Département — Pôle orientation",
        {"is_team_lead", "is_orientation_officer"},
    ),
    ("chef.niortais", "Chantal", "Dubois", "Département — Bureau insertion Niortais", {"is_team_lead"}),
    ("referent.niortais", "Rémi", "Bernard", "Département — Bureau insertion Niortais", {"is_referent"}),
    ("referent2.niortais", "Rachida", "Petit", "Département — Bureau insertion Niortais", {"is_referent"}),
    ("chef.hvs", "Hugo", "Leroy", "Département — Bureau insertion Haut Val de Sèvre", {"is_team_lead"}),
    ("referent.hvs", "Hélène", "Roux", "Département — Bureau insertion Haut Val de Sèvre", {"is_referent"}),
    ("chef.mellois", "Marc", "Fournier", "Département — Bureau insertion Mellois", {"is_team_lead"}),
    ("referent.mellois", "Maëlle", "Girard", "Département — Bureau insertion Mellois", {"is_referent"}),
    ("chef.gatine", "Gaëlle", "Bonnet", "Département — Bureau insertion Parthenay-Gâtine", {"is_team_lead"}),
    ("referent.gatine", "Gilles", "Dupont", "Département — Bureau insertion Parthenay-Gâtine", {"is_referent"}),
    ("chef.bocage", "Bruno", "Lambert", "Département — Bureau insertion Bocage Bressuirais", {"is_team_lead"}),
    ("referent.bocage", "Béatrice", "Fontaine", "Département — Bureau insertion Bocage Bressuirais", {"is_referent"}),
    ("chef.thouarsais", "Thierry", "Rousseau", "Département — Bureau insertion Thouarsais", {"is_team_lead"}),
    ("referent.thouarsais", "Tiphaine", "Vincent", "Département — Bureau insertion Thouarsais", {"is_referent"}),
    ("chef.ft-niort", "Fabrice", "Muller", "France Travail Niort", {"is_team_lead"}),
    ("referent.ft-niort", "Fanny", "Lefèvre", "France Travail Niort", {"is_referent"}),
    ("referent2.ft-niort", "Farid", "Mercier", "France Travail Niort", {"is_referent"}),
    ("chef.ft-nord", "Nadia", "Blanc", "France Travail Bressuire", {"is_team_lead"}),
    ("referent.ft-nord", "Nicolas", "Guerin", "France Travail Bressuire", {"is_referent"}),
    ("referent.ft-parthenay", "Pauline", "Boyer", "France Travail Parthenay", {"is_referent", "is_team_lead"}),
    ("referent.ml-sud", "Mathis", "Garnier", "Mission locale Sud Deux-Sèvres", {"is_referent", "is_team_lead"}),
    ("referent.ml-nord", "Manon", "Chevalier", "Mission locale Nord Deux-Sèvres", {"is_referent", "is_team_lead"}),
    ("referent.plie", "Paul", "François", "PLIE du Niortais", {"is_referent", "is_team_lead"}),
    ("referent.capemploi", "Camille", "Legrand", "Cap emploi 79", {"is_referent", "is_team_lead"}),
    ("partenaire.siae", "Sophie", "Gauthier", "ACI Les Jardins de la Sèvre", {"is_partner"}),
]

FIRST_NAMES = [
    "Léa",
    "Lucas",
    "Emma",
    "Nathan",
    "Chloé",
    "Hugo",
    "Inès",
    "Louis",
    "Manon",
    "Jules",
    "Camille",
    "Yanis",
    "Sarah",
    "Enzo",
    "Zoé",
    "Mohamed",
    "Julie",
    "Kevin",
    "Aurélie",
    "Sébastien",
    "Nadia",
    "Patrick",
    "Sandrine",
    "Christophe",
    "Aïcha",
    "Dylan",
    "Océane",
    "Mathieu",
    "Fatima",
    "Jordan",
]
LAST_NAMES = [
    "Martin",
    "Bernard",
    "Thomas",
    "Petit",
    "Robert",
    "Richard",
    "Durand",
    "Dubois",
    "Moreau",
    "Laurent",
    "Simon",
    "Michel",
    "Lefebvre",
    "Leroy",
    "Roux",
    "David",
    "Bertrand",
    "Morel",
    "Fournier",
    "Girard",
    "Bonnet",
    "Dupont",
    "Lambert",
    "Fontaine",
    "Rousseau",
    "Vincent",
    "Muller",
    "Lefèvre",
    "Faure",
    "André",
    "Mercier",
    "Blanc",
    "Guérin",
    "Boyer",
    "Garnier",
    "Chevalier",
    "François",
    "Legrand",
    "Gauthier",
    "Garcia",
]


class Command(BaseCommand):
    help = "Charge les données de démonstration des Deux-Sèvres (sans effet si elles sont déjà là)."

    def add_arguments(self, parser):
        parser.add_argument("--beneficiaries", type=int, default=300)
        parser.add_argument("--today", help="Jour de référence (AAAA-MM-JJ), aujourd'hui par défaut.")
        parser.add_argument("--seed", type=int, default=79)

    def handle(self, *args, **options):
        today = dt.date.fromisoformat(options["today"]) if options["today"] else timezone.localdate()
        self.rng = random.Random(options["seed"])
        with transaction.atomic():
            self._reference_data()
            demo_offers_load(today=today)
        if Beneficiary.objects.exists():
            self.stdout.write("Données de démonstration déjà présentes : rien à faire.")
            return
        for i in range(options["beneficiaries"]):
            self._pathway(i, today)
        self._flux_import(today)
        # The demo's history is not news: nobody is e-mailed about it (the worker, started
        # afterwards, finds these rows no longer pending).
        Notification.objects.update(email_status=EmailStatus.NONE)
        now = timezone.make_aware(dt.datetime.combine(today, dt.time(8, 0)))
        # The tasks of every pathway moved above (none is dated after today), synced now by the
        # beat's own drain.
        tasks_sync_drain(now=self._now(today + dt.timedelta(days=1)), grace=dt.timedelta(0))
        result = sweep_deadlines(now=now)
        self.stdout.write(
            f"Démo chargée : {options['beneficiaries']} parcours ; balayage : "
            + ngettext("%(n)d alerte préalable", "%(n)d alertes préalables", result["due_soon"])
            % {"n": result["due_soon"]}
            + f", {result['due']} à échéance, {result['overdue']} en retard."
        )

    # --- reference data ------------------------------------------------------------------
    def _reference_data(self) -> None:
        User = get_user_model()
        self.territories = {}
        for code, name in TERRITORIES:
            self.territories[code], _ = Territory.objects.get_or_create(code=code, defaults={"name": name})
        self.orgs = {}
        for name, kind, codes, email in ORGANISATIONS:
            org, created = Organisation.objects.get_or_create(
                name=name, defaults={"kind": kind, "contact_email": email}
            )
            if created:
                org.territories.set([self.territories[c] for c in codes])
            self.orgs[name] = org
        self.pros = {}
        for username, first, last, org_name, roles in PEOPLE:
            user, created = User.objects.get_or_create(
                username=username,
                defaults={"first_name": first, "last_name": last, "email": f"{username}@filrouge.example"},
            )
            if created:
                user.set_password(DEMO_PASSWORD)
                user.save()
            org = self.orgs[org_name]
            team, _ = Team.objects.get_or_create(organisation=org, name="Équipe insertion")
            pro, _ = Professional.objects.get_or_create(
                user=user, defaults={"organisation": org, "team": team, **{r: True for r in roles}}
            )
            self.pros[username] = pro
        admin, created = User.objects.get_or_create(
            username="admin", defaults={"is_staff": True, "is_superuser": True, "email": "admin@filrouge.example"}
        )
        if created:
            admin.set_password(DEMO_PASSWORD)
            admin.save()
        self.tracks = {t.code: t for t in Track.objects.all()}
        # viewflow needs the view permission on the process model, or task inboxes stay empty.
        from workflows.flows.access import workflow_access_grant

        workflow_access_grant([pro.user for pro in self.pros.values()])
        # The president's delegate for suspension-remobilisation decisions (docs/legal.md).
        from workflows.flows.access import breach_decider_grant

        breach_decider_grant([self.pros["chef.orientation"].user])
        from workflows.flows.access import flux_importer_grant

        flux_importer_grant([self.pros["orientation"].user])  # the payers' imports (docs/flux.md)

    # --- pathways ------------------------------------------------------------------------
    def _pathway(self, i: int, today: dt.date) -> None:
        rng = self.rng
        territory_code = rng.choice(ALL)
        territory = self.territories[territory_code]
        age = rng.randint(19, 62)
        entered_on = today - dt.timedelta(days=rng.randint(3, 420))
        publics = (
            [Public.RSA] + ([Public.YOUTH] if age < 26 else []) + ([Public.DISABILITY] if rng.random() < 0.08 else [])
        )
        data = {
            "first_name": rng.choice(FIRST_NAMES),
            "last_name": rng.choice(LAST_NAMES),
            "birth_date": today - dt.timedelta(days=age * 365 + rng.randint(0, 364)),
            "territory": territory,
            "publics": publics,
            "registered_with_france_travail": rng.random() < 0.35,
            "plie_enrolled": rng.random() < 0.05,
            "self_employed": rng.random() < 0.05,
            "disability_recognised": Public.DISABILITY in publics,
        }
        officer = self.pros["orientation"].user
        now = timezone.make_aware(dt.datetime.combine(entered_on, dt.time(9, 0)))
        pathway = pathway_enter(beneficiary_data=data, entered_on=entered_on, by=officer, now=now)
        for kind in rng.sample(list(BarrierKind.values), k=rng.randint(0, 3)):
            Barrier.objects.create(beneficiary=pathway.beneficiary, kind=kind, noted_on=entered_on)

        days_in = (today - entered_on).days
        # About 1 in 6 still wait for their orientation; some of them are late (> 42 days).
        if rng.random() < 0.17 or days_in < 10:
            return
        oriented_on = entered_on + dt.timedelta(days=min(days_in - 1, rng.randint(10, 80)))
        assigned = self._orient_and_assign(pathway, territory_code, data, officer, oriented_on, today)
        if assigned is None:
            return
        referent, referents, assigned_on = assigned
        signed_on = self._contract(pathway, referent, assigned_on, today)
        if signed_on is None:
            return
        self._contacts(pathway, referent, signed_on, today)
        roll = rng.random()
        event_on = signed_on + dt.timedelta(days=rng.randint(10, 60))
        if event_on < today:
            self._event(pathway, referent, referents, event_on, roll)

    def _orient_and_assign(self, pathway, territory_code: str, data: dict, officer, oriented_on, today):
        """Orientation to the organisation that fits, then (most often) a referent: (referent,
        the organisation's referents, day assigned), or None while it waits in the queue."""
        rng = self.rng
        territory = self.territories[territory_code]
        dept_office = self.orgs[f"Département — Bureau insertion {territory.name}"]
        if data["registered_with_france_travail"] and territory_code in SOUTH:
            org, track = self.orgs["France Travail Niort"], "professional"
        elif data["registered_with_france_travail"] and territory_code in ("bocage-bressuirais", "thouarsais"):
            org, track = self.orgs["France Travail Bressuire"], "professional"
        else:
            org, track = dept_office, rng.choice(["social", "social", "socio_professional"])
        self._t(pathway, "orient", officer, oriented_on, organisation=org, track=self.tracks[track])
        lead = Professional.objects.filter(organisation=org, is_team_lead=True).first()
        referents = list(Professional.objects.filter(organisation=org, is_referent=True))
        if rng.random() < 0.12 or not referents or (today - oriented_on).days < 3:
            return None  # waits in the organisation's assignment queue
        assigned_on = oriented_on + dt.timedelta(days=min((today - oriented_on).days - 1, rng.randint(1, 12)))
        referent = rng.choice(referents)
        self._t(pathway, "assign_referent", (lead or referent).user, assigned_on, referent=referent)
        return referent, referents, assigned_on

    def _contract(self, pathway, referent, assigned_on, today):
        """The first interview, then the contract: the day it was signed, or None."""
        rng = self.rng
        first_on = assigned_on + dt.timedelta(days=rng.randint(2, 25))
        if not (first_on < today and rng.random() < 0.85):
            return None
        contact_record(
            pathway,
            occurred_on=first_on,
            kind=ContactKind.INTERVIEW,
            outcome=ContactOutcome.HELD,
            by=referent.user,
            now=self._now(first_on),
        )
        signed_on = first_on + dt.timedelta(days=rng.randint(0, 40))
        if signed_on >= today or rng.random() < 0.3:
            return None
        self._t(
            pathway,
            "sign_contract",
            referent.user,
            signed_on,
            kind="cer",
            starts_on=signed_on,
            ends_on=signed_on + dt.timedelta(days=rng.choice([180, 365])),
            extended_review_reason="health" if rng.random() < 0.15 else "",
            aspir=False,
        )
        return signed_on

    def _contacts(self, pathway, referent, signed_on, today) -> None:
        rng = self.rng
        last = signed_on
        while True:
            last = last + dt.timedelta(days=rng.randint(20, 80))
            if last >= today:
                break
            outcome = ContactOutcome.HELD if rng.random() < 0.8 else ContactOutcome.MISSED
            contact_record(
                pathway,
                occurred_on=last,
                kind=rng.choice(ContactKind.values),
                outcome=outcome,
                by=referent.user,
                now=self._now(last),
            )

    def _event(self, pathway, referent, referents, event_on, roll: float) -> None:
        """What happened next, by the roll: a job, a reorientation request, a suspension, a
        closure, a handover, or nothing."""
        rng = self.rng
        if roll < 0.12:
            self._t(pathway, "start_job", referent.user, event_on, job_kind=rng.choice(["cdi", "cdd_long", "interim"]))
        elif roll < 0.18:
            self._t(pathway, "request_reorientation", referent.user, event_on)
        elif roll < 0.24:
            self._t(
                pathway,
                "suspend",
                referent.user,
                event_on,
                suspension_reason="health",
                expected_resume_on=event_on + dt.timedelta(days=rng.randint(30, 120)),
            )
        elif roll < 0.32:
            self._t(
                pathway,
                "close",
                referent.user,
                event_on,
                close_reason=rng.choice(["moved_away", "rights_ended", "training"]),
            )
        elif roll < 0.40:
            others = [p for p in referents if p.pk != referent.pk]
            if others:
                self._t(
                    pathway,
                    "propose_handover",
                    referent.user,
                    event_on,
                    incoming=rng.choice(others),
                    note="Relais proposé : changement de secteur.",
                )

    def _flux_import(self, today: dt.date) -> None:
        """One small CAF file (a few bad lines among them) imported by the orientation officer: the
        « Imports des flux » page shows a real report."""
        from django.conf import settings

        from casework.enums import FluxSource
        from workflows.flux.generator import FluxSpec, generate
        from workflows.flux.importer import flux_import_create, flux_import_run

        path = settings.FLUX_UPLOAD_DIR / f"demo-caf-{today:%Y%m%d}.xml"
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "w", encoding="utf-8", newline="") as out:
            generate(FluxSpec(dossiers=30, seed=79, received_on=today, bad_lines=3), out)
        officer, now = self.pros["orientation"].user, self._now(today)
        imp = flux_import_create(
            path, filename="flux-caf-demo.xml", source=FluxSource.PAGE, by=officer, received_on=today,
            territory=self.territories["niortais"], now=now, payer="cnaf",
        )  # fmt: skip
        flux_import_run(imp.pk, now=now, clock=lambda: now)

    def _now(self, day: dt.date) -> dt.datetime:
        return timezone.make_aware(dt.datetime.combine(day, dt.time(10, 0)))

    def _t(self, pathway, name, user, on, **params) -> None:
        pathway_transition(pathway.pk, name, by=user, occurred_on=on, now=self._now(on), params=params)

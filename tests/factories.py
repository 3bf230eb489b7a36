"""factory_boy factories, with traits per situation: `PathwayFactory(in_social_track=True)`.

Pathways in a given state are built through the real transition service (see
`tests.helpers.advance`), never by writing `state`: the FSM field is protected.
"""

from __future__ import annotations

import datetime as dt

import factory
from django.contrib.auth import get_user_model

from casework.enums import OfferKind, OrganisationKind
from casework.models import (
    Beneficiary,
    Offer,
    OfferSession,
    Organisation,
    PayerAccount,
    Professional,
    Team,
    Territory,
    Track,
)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name", locale="fr_FR")
    last_name = factory.Faker("last_name", locale="fr_FR")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    password = factory.django.Password("motdepasse-de-test-42")


class TerritoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Territory
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"territoire-{n}")
    name = factory.LazyAttribute(lambda t: t.code.replace("-", " ").title())

    class Params:
        moselle = factory.Trait(alsace_moselle=True)


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Organisation {n}")
    kind = OrganisationKind.DEPARTEMENT
    contact_email = factory.LazyAttribute(lambda o: f"contact{o.name[-3:].strip()}@partenaire.example")

    @factory.post_generation
    def territories(self, create, extracted, **kwargs):
        if create and extracted:
            self.territories.set(extracted)


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team

    organisation = factory.SubFactory(OrganisationFactory)
    name = "Équipe insertion"


class ProfessionalFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Professional

    user = factory.SubFactory(UserFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    team = None

    class Params:
        referent = factory.Trait(is_referent=True)
        team_lead = factory.Trait(is_team_lead=True)
        orientation_officer = factory.Trait(is_orientation_officer=True)
        partner = factory.Trait(is_partner=True)


class BeneficiaryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Beneficiary

    first_name = factory.Faker("first_name", locale="fr_FR")
    last_name = factory.Faker("last_name", locale="fr_FR")
    birth_date = dt.date(1985, 6, 15)
    territory = factory.SubFactory(TerritoryFactory)
    publics = factory.LazyFunction(lambda: ["rsa"])


def track(code: str = "social") -> Track:
    return Track.objects.get(code=code)


class OfferFactory(factory.django.DjangoModelFactory):
    """An offer of `provider`, published, on `territories` (pass them: `territories=[t]`)."""

    class Meta:
        model = Offer
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"Atelier d'insertion {n}")
    provider = factory.SubFactory(OrganisationFactory, kind=OrganisationKind.ASSOCIATION)
    kind = OfferKind.WORKSHOP
    barriers = factory.LazyFunction(lambda: ["mobility"])
    publics = factory.LazyFunction(lambda: ["rsa"])
    hours_per_week = 6

    @factory.post_generation
    def territories(self, create, extracted, **kwargs):
        if create and extracted:
            self.territories.set(extracted)


class OfferSessionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OfferSession

    offer = factory.SubFactory(OfferFactory)
    starts_on = dt.date(2030, 1, 7)
    seats = 5


class PayerAccountFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PayerAccount

    beneficiary = factory.SubFactory(BeneficiaryFactory)
    payer = "cnaf"
    allocation_number = factory.Sequence(lambda n: f"{1234000 + n}")

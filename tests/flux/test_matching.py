"""Matching a payer's person: allocation number, then NIR (keyed hash), then identity; a doubtful
match goes to the « À vérifier » queue and is never merged."""

from __future__ import annotations

import logging

import pytest
from django.urls import reverse

from casework.enums import IdentityReviewOrigin
from casework.identity_keys import nir_hash
from casework.models import Beneficiary, FluxLine, IdentityReview, Pathway, PayerAccount
from tests.helpers import at
from workflows.flux.matching import ACCOUNT, IDENTITY, NIR, name_key, person_match
from workflows.services.identity_reviews import identity_review_decide

from .helpers import RECEIVED, D, dossier, import_records, person

pytestmark = pytest.mark.django_db
NIR_A, NIR_B = "2 85 06 79 191 111 22", "2 85 06 79 191 999 33"


def known(world, last="Lefèvre", first="Jérôme", *, nir="", account: tuple[str, str] | None = None) -> Beneficiary:
    """Someone an officer registered by hand (accents, mixed case)."""
    pathway = world.enter(D(2026, 9, 1), last_name=last, first_name=first, birth_date=D(1985, 6, 15))
    b = pathway.beneficiary
    if nir:
        Beneficiary.objects.filter(pk=b.pk).update(nir_hash=nir_hash(nir))
    if account:
        PayerAccount.objects.create(beneficiary=b, payer=account[0], allocation_number=account[1])
    return Beneficiary.objects.get(pk=b.pk)


def test_names_compare_without_accents_case_or_hyphens():
    assert name_key("Lefèvre-Dupont") == name_key("LEFEVRE DUPONT") == "LEFEVRE DUPONT"
    assert name_key("N’Diaye") == name_key("N DIAYE")


def test_tier_1_the_payers_allocation_number_finds_the_household_member(world):
    b = known(world, account=("cnaf", "3001"))
    match = person_match("cnaf", "3001", person("LEFEVRE", "JEROME"))
    assert (match.beneficiary, match.tier, match.doubt) == (b, ACCOUNT, "")
    # Another payer's number with the same digits is another household.
    assert person_match("msa", "3001", person("LEFEVRE", "JEROME")).tier == IDENTITY


def test_tier_2_the_nir_hash_finds_the_person_under_a_new_number(world, tmp_path):
    b = known(world, nir=NIR_A)
    assert person_match("cnaf", "4001", person("LEFEVRE", "JEROME", nir=NIR_A)).tier == NIR
    imp = import_records(tmp_path, world, [dossier("4001", person("LEFEVRE", "JEROME", nir=NIR_A))])
    assert imp.counts == {"unchanged": 1}
    assert PayerAccount.objects.filter(beneficiary=b, payer="cnaf", allocation_number="4001").exists()


def test_tier_3_the_identity_alone_when_nothing_contradicts_it(world, tmp_path):
    b = known(world)
    imp = import_records(tmp_path, world, [dossier("5001", person("LEFEVRE", "JEROME", nir=NIR_A))])
    assert imp.counts == {"unchanged": 1}
    b.refresh_from_db()
    assert b.nir_hash == nir_hash(NIR_A)  # the payer's NIR, kept as its keyed hash
    assert Beneficiary.objects.count() == 1 and Pathway.objects.count() == 1


def doubtful(world, tmp_path, record) -> IdentityReview:
    imp = import_records(tmp_path, world, [record])
    assert imp.counts == {"to_verify": 1}
    line = FluxLine.objects.get(flux_import=imp)
    assert line.review is not None and line.reason == line.review.reason
    return line.review


def test_same_identity_other_nir_is_doubtful_and_waits_for_an_officer(world, tmp_path):
    b = known(world, nir=NIR_A)
    review = doubtful(world, tmp_path, dossier("6001", person("LEFEVRE", "JEROME", nir=NIR_B)))
    assert review.candidate == b and review.origin == IdentityReviewOrigin.FLUX
    assert "NIR ou numéro d'allocataire différent" in review.reason
    assert Beneficiary.objects.count() == 1 and Pathway.objects.count() == 1  # nothing merged, nobody created
    assert b.nir_hash == Beneficiary.objects.get(pk=b.pk).nir_hash
    assert "2850679191" not in str(review.request_data)  # the NIR never kept in clear


def test_same_identity_other_allocation_number_at_the_same_payer_is_doubtful(world, tmp_path):
    known(world, account=("cnaf", "7001"))
    doubtful(world, tmp_path, dossier("7002", person("LEFEVRE", "JEROME")))


def test_same_nir_other_name_is_doubtful(world, tmp_path):
    b = known(world, nir=NIR_A)
    review = doubtful(world, tmp_path, dossier("8001", person("MARTIN", "Claire", nir=NIR_A)))
    assert review.candidate == b and review.reason.startswith("Même NIR")


def test_a_flux_review_reaches_the_officers_queue_with_its_origin_and_reason(world, tmp_path, client):
    known(world, nir=NIR_A)
    review = doubtful(world, tmp_path, dossier("6001", person("LEFEVRE", "JEROME", nir=NIR_B)))
    client.force_login(world.officer.user)
    page = client.get(reverse("workspace:identity-reviews")).content.decode()
    assert f"Flux CAF, import n° {review.request_data['flux_import']}, ligne 1" in page
    assert "NIR ou numéro d&#x27;allocataire différent" in page


def test_the_officer_deciding_same_person_gives_them_the_payers_number(world, tmp_path):
    b = known(world, account=("cnaf", "7001"))
    review = doubtful(world, tmp_path, dossier("7002", person("LEFEVRE", "JEROME")))
    identity_review_decide(review.pk, outcome="same_person", by=world.officer.user, now=at(RECEIVED))
    assert PayerAccount.objects.filter(beneficiary=b, allocation_number="7002").exists()


def test_the_nir_is_never_logged(world, tmp_path, caplog):
    known(world, nir=NIR_A)
    with caplog.at_level(logging.DEBUG):
        import_records(tmp_path, world, [dossier("6001", person("LEFEVRE", "JEROME", nir=NIR_B))])
    assert "2850679191" not in caplog.text and "191 999" not in caplog.text

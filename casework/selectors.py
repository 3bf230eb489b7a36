"""Reads that depend on who is asking. The one definition of who may see which pathway.

Every view, API endpoint, export and task that lists or fetches pathways starts from
`pathways_visible_to(user)`. A professional sees:
- the pathways where they are, or were, the referent, or are the proposed incoming referent;
- the pathways of their organisation in the territories it covers;
- as an orientation officer, every pathway of the territories their organisation covers;
- as a delegate, the pathways of the referent they stand in for;
- as a partner, only what was explicitly requested from their organisation.
Administrators configure; they do not browse files unless they also hold a professional role.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery

from casework.models import (
    Beneficiary,
    Delegation,
    FluxImport,
    IdentityReview,
    PartnerRequest,
    Pathway,
    ReferentPeriod,
    Territory,
)
from casework.permissions import can_review_identities, can_run_flux_import, professional_of


def pathways_visible_to(user, *, on: dt.date | None = None) -> QuerySet[Pathway]:
    pro = professional_of(user)
    if pro is None:
        return Pathway.objects.none()
    if pro.is_administrator and not (
        pro.is_referent or pro.is_team_lead or pro.is_orientation_officer or pro.is_partner
    ):
        # Administrators configure; browsing files needs a professional role as well.
        return Pathway.objects.none()
    if pro.is_partner and not (pro.is_referent or pro.is_team_lead or pro.is_orientation_officer):
        return Pathway.objects.filter(
            Exists(PartnerRequest.objects.filter(pathway=OuterRef("pk"), organisation_id=pro.organisation_id))
        )
    # The organisation's territories as a subquery on the link table (the same SQL as
    # `pro.organisation.territories`, without loading the organisation row first).
    territory_ids = Territory.objects.filter(organisations=pro.organisation_id).values("id")
    visible = (
        Q(referent_id=pro.pk)
        | Q(handover_to_id=pro.pk)
        | Q(organisation_id=pro.organisation_id, territory_id__in=territory_ids)
        | Q(Exists(ReferentPeriod.objects.filter(pathway=OuterRef("pk"), professional_id=pro.pk)))
    )
    if pro.is_orientation_officer:
        visible |= Q(territory_id__in=territory_ids)
    if pro.is_team_lead:
        visible |= Q(organisation_id=pro.organisation_id)
    delegations = Delegation.objects.active_for_delegate(pro, on=on).values("referent_id")
    visible |= Q(referent_id__in=delegations)
    return Pathway.objects.filter(visible)


def pathway_for_user(user, pathway_id: int) -> Pathway | None:
    """The pathway if the user may see it, else None (callers answer 404, never 403)."""
    return pathways_visible_to(user).filter(pk=pathway_id).first()


def beneficiaries_visible_to(user) -> QuerySet[Beneficiary]:
    """A person is visible through one of their pathways, never on their own."""
    return Beneficiary.objects.filter(pk__in=pathways_visible_to(user).values("beneficiary_id"))


def identity_reviews_visible_to(user) -> QuerySet[IdentityReview]:
    """The identity reviews ("à vérifier") an orientation officer may see and decide, open or not.

    Scope: the territories the officer's organisation covers — the territory the registration
    asked for (that office would register the person) or the territory of one of the existing
    person's pathways (that office knows them). Anyone else (another role, an officer elsewhere)
    sees none: their pages answer 404.
    """
    pro = professional_of(user)
    if pro is None or not can_review_identities(user):
        return IdentityReview.objects.none()
    territory_ids = Territory.objects.filter(organisations=pro.organisation_id).values("id")
    followed_here = Pathway.objects.filter(beneficiary_id=OuterRef("candidate_id"), territory_id__in=territory_ids)
    return IdentityReview.objects.filter(Q(territory_id__in=territory_ids) | Q(Exists(followed_here)))


def identity_reviews_open_for(user) -> QuerySet[IdentityReview]:
    """The officer's "À vérifier" queue: open reviews, oldest request first, each with who sent it
    and `visible_pathway_id`, the existing person's latest pathway if the officer may see it."""
    visible = pathways_visible_to(user).filter(beneficiary_id=OuterRef("candidate_id")).order_by("-entered_on", "-pk")
    return (
        identity_reviews_visible_to(user)
        .filter(decided_at__isnull=True)
        .select_related("territory", "requested_by__professional__organisation")
        .annotate(visible_pathway_id=Subquery(visible.values("pk")[:1]))
        .order_by("requested_at", "id")
    )


def flux_imports_visible_to(user) -> QuerySet[FluxImport]:
    """The payers' flux imports an importer may read: those they ran, and those registering people
    in a territory their organisation covers (the command's and the drop folder's included).
    Anyone without `can_run_flux_import` sees none (the pages answer 403, an import's page 404)."""
    if not can_run_flux_import(user):
        return FluxImport.objects.none()
    pro = professional_of(user)
    territory_ids = Territory.objects.filter(organisations=pro.organisation_id).values("id")
    return FluxImport.objects.filter(Q(by=user) | Q(territory_id__in=territory_ids))

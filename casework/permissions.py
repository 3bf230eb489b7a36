"""Who may perform which transition on a pathway.

These predicates are the single definition of transition permissions: the FSM uses them
(`permission=`), and views, the API and viewflow tasks ask `has_transition_perm` before
calling the transition service. Visibility (who may *see* a pathway) lives in
`casework.selectors.pathways_visible_to`; a user who may act on a pathway may always see it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.apps import apps
from django.utils import timezone

# The models use these predicates (the FSM's `permission=`): the predicates reach the models
# through the app registry when called, never by importing them (the names below are for the
# type checker only), so casework.models and this module form no import circle at run time.
if TYPE_CHECKING:
    from casework.models import Pathway, Professional


def professional_of(user: Any) -> Professional | None:
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    try:
        return user.professional
    except Exception:  # RelatedObjectDoesNotExist: a user without a professional profile
        return None


def covers_territory(pro: Professional, territory_id: int) -> bool:
    ids = getattr(pro, "_territory_ids", None)
    if ids is None:
        ids = set(pro.organisation.territories.values_list("id", flat=True))
        pro._territory_ids = ids
    return territory_id in ids


def is_team_lead_of(pro: Professional, organisation_id: int | None) -> bool:
    return pro.is_team_lead and organisation_id is not None and pro.organisation_id == organisation_id


def is_orientation_officer_for(pro: Professional, pathway: Pathway) -> bool:
    return pro.is_orientation_officer and covers_territory(pro, pathway.territory_id)


def is_delegate_for(pro: Professional, pathway: Pathway) -> bool:
    """A colleague standing in for the referent during a declared absence."""
    if pathway.referent_id is None:
        return False
    delegated = getattr(pro, "_delegated_for_ids", None)
    if delegated is None:
        Delegation = apps.get_model("casework", "Delegation")
        delegated = set(Delegation.objects.active_for_delegate(pro).values_list("referent_id", flat=True))
        pro._delegated_for_ids = delegated
    return pathway.referent_id in delegated


def can_orient(pathway: Pathway, user: Any) -> bool:
    pro = professional_of(user)
    return pro is not None and is_orientation_officer_for(pro, pathway)


def can_assign_referent(pathway: Pathway, user: Any) -> bool:
    pro = professional_of(user)
    return pro is not None and is_team_lead_of(pro, pathway.organisation_id)


def can_manage(pathway: Pathway, user: Any) -> bool:
    """The responsible referent, their delegate, or the organisation's team lead."""
    pro = professional_of(user)
    if pro is None:
        return False
    if pathway.referent_id is not None and pathway.referent_id == pro.pk:
        return True
    if is_team_lead_of(pro, pathway.organisation_id):
        return True
    if pathway.referent_id is None and pathway.organisation_id is None:
        return is_orientation_officer_for(pro, pathway)
    return is_delegate_for(pro, pathway)


def can_answer_handover(pathway: Pathway, user: Any) -> bool:
    pro = professional_of(user)
    if pro is None or pathway.handover_to_id is None:
        return False
    if pathway.handover_to_id == pro.pk:
        return True
    incoming = pathway.handover_to
    return is_team_lead_of(pro, incoming.organisation_id)


def can_close(pathway: Pathway, user: Any) -> bool:
    return user is PAYER_FLUX or can_manage(pathway, user) or can_orient(pathway, user)


def can_reopen(pathway: Pathway, user: Any) -> bool:
    pro = professional_of(user)
    return pro is not None and (
        is_orientation_officer_for(pro, pathway) or is_team_lead_of(pro, pathway.organisation_id)
    )


def can_register_beneficiary(user: Any) -> bool:
    """Registering a person (an entry) is the orientation officers' work (and the imports')."""
    pro = professional_of(user)
    return pro is not None and pro.is_orientation_officer


def can_review_identities(user: Any) -> bool:
    """The "à vérifier" queue (registrations that may be a known person) is the orientation
    officers' work; which reviews each one sees is `casework.selectors.identity_reviews_visible_to`."""
    pro = professional_of(user)
    return pro is not None and pro.is_orientation_officer


def can_record_contact(pathway: Pathway, user: Any) -> bool:
    return pathway.is_open and can_manage(pathway, user)


# --- The breach procedure (suspension-remobilisation) ----------------------------------------


def can_record_breach(pathway: Pathway, user: Any) -> bool:
    """Recording a breach is the referent's (or their delegate's, or their team lead's) act."""
    return pathway.is_open and can_manage(pathway, user)


def can_follow_breach(breach: Any, user: Any) -> bool:
    """Observations and remobilisation are recorded by whoever manages the pathway."""
    return can_manage(breach.pathway, user)


def may_decide_breaches(user: Any) -> bool:
    """The right to decide (the département's president or delegate): a permission, given to a group."""
    return professional_of(user) is not None and user.has_perm("casework.decide_breach")


def can_decide_breach(breach: Any, user: Any) -> bool:
    """A decider, never the professional who recorded the breach."""
    return may_decide_breaches(user) and user.pk != breach.recorded_by_id


# --- Professional secrecy ("secret professionnel partagé") -------------------------------
# Visibility of the pathway (casework.selectors) is always checked first: a user who may not
# see the pathway gets a 404 before any of these is asked. These decide, within a visible
# pathway, who may read the diagnostic. Break-glass bypasses the circle, never the consent.


def _today():
    return timezone.localdate()


def has_active_consent(pathway: Pathway, organisation_id: int | None, *, on=None) -> bool:
    """The person consented to share their diagnostic with this organisation, and has not withdrawn."""
    Consent = apps.get_model("casework", "Consent")
    if organisation_id is None:
        return False
    return (
        Consent.objects.active(on or _today())
        .filter(beneficiary_id=pathway.beneficiary_id, organisation_id=organisation_id)
        .exists()
    )


def may_share_with(pro: Professional, pathway: Pathway, *, on=None) -> bool:
    """The holding organisation's own professionals, or another organisation with consent."""
    if pathway.organisation_id is not None and pro.organisation_id == pathway.organisation_id:
        return True
    return has_active_consent(pathway, pro.organisation_id, on=on)


def involved_professional_ids(pathway: Pathway) -> set[int]:
    """Professionals actively involved: the current referent, their active delegate, the proposed
    incoming referent, and the authors of the pathway's diagnostic sections."""
    Delegation, DiagnosticSection = (
        apps.get_model("casework", "Delegation"),
        apps.get_model("casework", "DiagnosticSection"),
    )
    ids = {pk for pk in (pathway.referent_id, pathway.handover_to_id) if pk is not None}
    if pathway.is_open and pathway.referent_id is not None:
        day = timezone.localdate()
        ids |= set(
            Delegation.objects.filter(
                referent_id=pathway.referent_id, starts_on__lte=day, ends_on__gte=day
            ).values_list("delegate_id", flat=True)
        )
    ids |= set(
        DiagnosticSection.objects.filter(pathway=pathway, author__isnull=False).values_list("author_id", flat=True)
    )
    return ids


def is_in_secrecy_circle(pro: Professional, pathway: Pathway) -> bool:
    """Involved, or the team lead of the holding organisation or of an involved professional."""
    Pro = apps.get_model("casework", "Professional")
    involved = involved_professional_ids(pathway)
    if pro.pk in involved:
        return True
    if not pro.is_team_lead:
        return False
    if pathway.organisation_id is not None and pro.organisation_id == pathway.organisation_id:
        return True
    return Pro.objects.filter(pk__in=involved, organisation_id=pro.organisation_id).exists()


def can_read_diagnostic(pathway: Pathway, user: Any, *, on=None) -> bool:
    pro = professional_of(user)
    return pro is not None and is_in_secrecy_circle(pro, pathway) and may_share_with(pro, pathway, on=on)


def can_write_diagnostic(pathway: Pathway, user: Any) -> bool:
    return pathway.is_open and can_read_diagnostic(pathway, user)


def can_break_glass(pathway: Pathway, user: Any) -> bool:
    """Emergency read by a professional outside the circle: never a pure partner, never
    another organisation without the person's consent. Justified, logged, reported."""
    pro = professional_of(user)
    if pro is None or (pro.is_partner and not (pro.is_referent or pro.is_team_lead or pro.is_orientation_officer)):
        return False
    return may_share_with(pro, pathway) and not is_in_secrecy_circle(pro, pathway)


def can_manage_consent(pathway: Pathway, user: Any) -> bool:
    """Consent is recorded with the person by whoever manages the pathway."""
    return can_manage(pathway, user)


def can_view_audit(pathway: Pathway, user: Any) -> bool:
    """The audit trail of a pathway: its referent, their delegate, the holding organisation's team lead."""
    return can_manage(pathway, user)


def can_export_subject_data(pathway: Pathway, user: Any) -> bool:
    """A subject access request is answered by whoever manages one of the person's pathways."""
    return can_manage(pathway, user)


# --- The payers' flux ----------------------------------------------------------------------

FLUX_IMPORTERS_GROUP = (
    "Fil rouge — imports des flux"  # holds `casework.run_flux_import` (migration 0025_flux_importers_group)
)


def can_run_flux_import(user: Any) -> bool:
    """Importing the payers' files (upload page, list and reports of imports): a professional in
    the importers' group. An administrator's account holds no professional profile: never."""
    return professional_of(user) is not None and user.has_perm("casework.run_flux_import")


class PayerFlux:
    """The payers' flux as an actor of the one transition door: the payer closed the right, so the
    flux may close the pathway ("droit clos", "sortie du périmètre") and do nothing else. It is no
    user (`pk` None): the journal records no one, and the transition's params name the import."""

    pk = None
    is_authenticated = False

    def __repr__(self) -> str:
        return "PAYER_FLUX"


PAYER_FLUX = PayerFlux()


# --- The offers catalogue and prescriptions ------------------------------------------------


def is_administrator(user: Any) -> bool:
    pro = professional_of(user)
    return bool(getattr(user, "is_superuser", False)) or (pro is not None and pro.is_administrator)


def can_edit_offers_of(user: Any, organisation_id: int | None) -> bool:
    """A provider's own staff keep its offers up to date; administrators edit any of them."""
    if is_administrator(user):
        return True
    pro = professional_of(user)
    return pro is not None and organisation_id is not None and pro.organisation_id == organisation_id


def can_edit_offer(offer, user: Any) -> bool:
    return can_edit_offers_of(user, offer.provider_id)


def can_answer_prescription(prescription, user: Any) -> bool:
    """Only the offer's provider answers (its staff signed in, or its signed link)."""
    pro = professional_of(user)
    return pro is not None and pro.organisation_id == prescription.offer.provider_id


def can_prescribe(pathway: Pathway, user: Any) -> bool:
    return pathway.is_open and can_manage(pathway, user)


def can_record_prescription_outcome(prescription, user: Any) -> bool:
    """The outcome (entered, completed, left early) comes from the provider or the referent."""
    return can_answer_prescription(prescription, user) or can_manage(prescription.pathway, user)


# --- the contrat d'engagement and its activity ledger --------------------------------------


def can_manage_engagement(pathway: Pathway, user: Any) -> bool:
    """The action plan and the weekly activity duration are the referent's (or their team lead's)."""
    return pathway.is_open and can_manage(pathway, user)


def is_requested_partner(pro: Professional, pathway: Pathway) -> bool:
    """A partner organisation the pathway's referent sent a request to (what the partner sees)."""
    PartnerRequest = apps.get_model("casework", "PartnerRequest")
    return PartnerRequest.objects.filter(pathway_id=pathway.pk, organisation_id=pro.organisation_id).exists()


def can_record_activity(pathway: Pathway, user: Any) -> bool:
    """Weekly hours: the referent's side, or a partner the referent asked (its activities' hours)."""
    if not pathway.is_open:
        return False
    if can_manage(pathway, user):
        return True
    pro = professional_of(user)
    return pro is not None and pro.is_partner and is_requested_partner(pro, pathway)

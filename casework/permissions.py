"""Who may perform which transition on a pathway.

These predicates are the single definition of transition permissions: the FSM uses them
(`permission=`), and views, the API and viewflow tasks ask `has_transition_perm` before
calling the transition service. Visibility (who may *see* a pathway) lives in
`casework.selectors.pathways_visible_to`; a user who may act on a pathway may always see it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

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
        from casework.models import Delegation

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
    return can_manage(pathway, user) or can_orient(pathway, user)


def can_reopen(pathway: Pathway, user: Any) -> bool:
    pro = professional_of(user)
    return pro is not None and (
        is_orientation_officer_for(pro, pathway) or is_team_lead_of(pro, pathway.organisation_id)
    )


def can_record_contact(pathway: Pathway, user: Any) -> bool:
    return pathway.is_open and can_manage(pathway, user)

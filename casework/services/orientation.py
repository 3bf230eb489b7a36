"""Orientation suggestions (seed, axe 2): proposed to the officer, never applied by themselves."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from casework.models import Organisation, OrientationRule, Pathway, Track

YOUTH_AGE_LIMIT = 26


@dataclass(frozen=True)
class OrientationSuggestion:
    rule: OrientationRule | None
    organisation: Organisation | None
    track: Track | None
    reason: str


def _matches(rule: OrientationRule, pathway: Pathway, on: dt.date) -> bool:
    b = pathway.beneficiary
    c = OrientationRule.Condition
    return {
        c.FRANCE_TRAVAIL: b.registered_with_france_travail,
        c.PLIE: b.plie_enrolled,
        c.UNDER_26: b.age_on(on) < YOUTH_AGE_LIMIT,
        c.SELF_EMPLOYED: b.self_employed,
        c.DISABILITY: b.disability_recognised,
        c.DEFAULT: True,
    }[rule.condition]


def orientation_suggest(pathway: Pathway, *, on: dt.date) -> OrientationSuggestion:
    """The first active rule (by priority) that matches, with an organisation covering the territory."""
    for rule in OrientationRule.objects.filter(is_active=True).order_by("priority"):
        if not _matches(rule, pathway, on):
            continue
        organisation = (
            Organisation.objects.filter(kind=rule.organisation_kind, territories=pathway.territory_id)
            .order_by("name")
            .first()
        )
        if organisation is None:
            continue
        track = Track.objects.filter(kind=rule.track_kind).order_by("social_support", "label").first()
        return OrientationSuggestion(rule, organisation, track, rule.get_condition_display())
    return OrientationSuggestion(None, None, None, "Aucune règle ne s'applique : décision libre.")

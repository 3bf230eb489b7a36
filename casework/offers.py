"""Reads of the offers catalogue and of prescriptions: the search, the offers near a person,
the seats left, and the weekly hours a pathway's entered offers count for.

The clock is a parameter (`today`, `on`): nothing here reads it.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db.models import Case, Count, F, Q, QuerySet, Sum, Value, When

from casework.enums import ENTERED_STATUSES, SEAT_HOLDING_STATUSES, BarrierStatus, PrescriptionStatus
from casework.models import Beneficiary, Offer, OfferSession, Pathway, Prescription, Territory
from casework.vendor_sql import json_list_contains, offer_text_match

SEARCH_LIMIT = 50


def _any_barrier(barriers) -> Q:
    q = Q()
    for code in barriers:
        q |= json_list_contains("barriers", code)
    return q


def offers_search(
    *,
    text: str = "",
    territory_id: int | None = None,
    barriers=(),
    kind: str = "",
    provider_id: int | None = None,
    published_only: bool = True,
) -> QuerySet[Offer]:
    """The catalogue's search: by territory, barrier (any of them), kind, provider and words.

    With words, the best matches come first (`casework.vendor_sql.offer_text_match`);
    otherwise by title. The caller slices (`SEARCH_LIMIT` on the page).
    """
    offers = Offer.objects.all()
    if published_only:
        offers = offers.filter(is_published=True)
    if territory_id:
        # A subquery rather than a join: an offer covering several territories comes once.
        offers = offers.filter(
            pk__in=Offer.territories.through.objects.filter(territory_id=territory_id).values("offer_id")
        )
    if barriers:
        offers = offers.filter(_any_barrier(barriers))
    if kind:
        offers = offers.filter(kind=kind)
    if provider_id:
        offers = offers.filter(provider_id=provider_id)
    if text.strip():
        return offer_text_match(offers, text.strip()).order_by("-text_rank", "title", "id")
    return offers.order_by("title", "id")


# What a result line of the search page shows: the rest (description, conditions) stays in the table.
LIST_FIELDS = ("id", "title", "kind", "barriers", "hours_per_week", "provider__id", "provider__name")


def offers_search_page(**search) -> list[Offer]:
    """The search page's results: the first `SEARCH_LIMIT` offers of `offers_search`, with the
    provider's name and only the columns a result line shows (what `make bench` measures)."""
    return list(offers_search(**search).select_related("provider").only(*LIST_FIELDS)[:SEARCH_LIMIT])


def open_barriers(beneficiary: Beneficiary) -> list[str]:
    """The person's barriers still to lift (open or in progress): they pre-select the search."""
    return list(
        beneficiary.barriers.exclude(status=BarrierStatus.LIFTED).order_by("kind").values_list("kind", flat=True)
    )


def offers_near(
    beneficiary: Beneficiary, barriers=None, territory: Territory | None = None, *, today: dt.date
) -> QuerySet[Offer]:
    """Published offers of the person's territory for their barriers, that still take people:
    a session to come with a seat left, or no sessions at all (entries all year).

    `barriers` None means the person's open barriers; an empty list means any barrier.
    For the person's own space (issue 18, part B) and the pathway page.
    """
    territory_id = territory.pk if territory is not None else beneficiary.territory_id
    codes = open_barriers(beneficiary) if barriers is None else list(barriers)
    offers = offers_search(territory_id=territory_id, barriers=codes)
    with_seats = sessions_with_seats(OfferSession.objects.all(), today=today).values("offer_id")
    return offers.annotate(n_sessions=Count("sessions")).filter(Q(n_sessions=0) | Q(pk__in=with_seats))


def sessions_with_seats(sessions: QuerySet[OfferSession], *, today: dt.date) -> QuerySet[OfferSession]:
    """Sessions not yet started that have a seat left, annotated with `seats_left`."""
    return seats_annotated(sessions.filter(starts_on__gte=today)).filter(seats_left__gt=0).order_by("starts_on", "id")


def seats_annotated(sessions: QuerySet[OfferSession]) -> QuerySet[OfferSession]:
    """Each session with `seats_taken` (prescriptions not refused) and `seats_left`."""
    taken = Count("prescriptions", filter=Q(prescriptions__status__in=SEAT_HOLDING_STATUSES))
    return sessions.annotate(seats_taken=taken).annotate(seats_left=F("seats") - F("seats_taken"))


def session_seats_left(session: OfferSession) -> int:
    taken = Prescription.objects.filter(session=session, status__in=SEAT_HOLDING_STATUSES).count()
    return session.seats - taken


def pathway_offer_hours_per_week(pathway: Pathway, *, on: dt.date) -> Decimal:
    """Weekly hours of the offers the person is in on `on` (entered, not yet left): what the
    contrat d'engagement's activity plan counts for them."""
    total = (
        Prescription.objects.filter(pathway=pathway, status__in=ENTERED_STATUSES, entered_on__lte=on)
        .filter(Q(ended_on__isnull=True) | Q(ended_on__gt=on))
        .aggregate(hours=Sum("offer__hours_per_week"))["hours"]
    )
    return total or Decimal("0")


def pathway_prescriptions(pathway: Pathway) -> QuerySet[Prescription]:
    return pathway.prescriptions.select_related("offer__provider", "session").order_by("-sent_on", "-id")


def prescriptions_received(organisation_id: int) -> QuerySet[Prescription]:
    """The prescriptions to a provider's offers, waiting ones first."""
    waiting = Case(When(status=PrescriptionStatus.SENT, then=Value(0)), default=Value(1))
    return (
        Prescription.objects.filter(offer__provider_id=organisation_id)
        .select_related("offer", "session", "pathway__beneficiary", "pathway__referent__user")
        .annotate(waiting=waiting)
        .order_by("waiting", "-sent_on", "-id")
    )

"""Prescriptions: a referent sends the person to an offer, the provider answers, the outcome
follows. The one door for every write to `Prescription`, from the pages and the signed link.

Each step locks what it counts on (the session's row for its seats, the prescription's row
for its answer), checks, writes, moves the `prescription_answer` clock and writes its
notifications in one transaction; refusals are French messages (`ValidationError` keyed by
field → 400, `TransitionForbidden` → 403, `TransitionConflict` → 409) with nothing written.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from casework.enums import PRESCRIPTION_OUTCOMES, PrescriptionStatus, RuleCode
from casework.models import Offer, OfferSession, Pathway, Prescription
from casework.offers import session_seats_left
from casework.permissions import can_answer_prescription, can_prescribe, can_record_prescription_outcome
from casework.services import deadlines as dl
from notifications.models import Notification
from notifications.offer_links import prescription_link
from notifications.services import messages, outbox
from notifications.services.alerts import alerts_resolve_for_pathway

from .errors import TransitionConflict, TransitionForbidden

PS = PrescriptionStatus


def _d(day: dt.date) -> str:
    return f"{day:%d/%m/%Y}"


def prescription_check(pathway: Pathway, offer: Offer, session: OfferSession | None, barrier: str, *, today) -> None:
    """Why this prescription cannot be sent, field by field (`ValidationError`), or nothing.

    The seats are counted here: call it with the session's row locked."""
    if not offer.is_published:
        raise ValidationError({"offer": "Cette offre n'est plus proposée : choisissez-en une autre."})
    if not offer.territories.filter(pk=pathway.territory_id).exists():
        raise ValidationError(
            {"offer": f"Cette offre n'est pas proposée sur le territoire de la personne ({pathway.territory})."}
        )
    if barrier and barrier not in offer.barriers:
        raise ValidationError({"barrier": "Cette offre ne travaille pas ce frein."})
    if session is None:
        if offer.sessions.exists():
            raise ValidationError({"session": "Choisissez une session de cette offre."})
        return
    if session.offer_id != offer.pk:
        raise ValidationError({"session": "Cette session n'appartient pas à cette offre."})
    if session.starts_on < today:
        raise ValidationError(
            {"session": f"Cette session a commencé le {_d(session.starts_on)} : choisissez une session à venir."}
        )
    if session_seats_left(session) <= 0:
        raise ValidationError(
            {
                "session": f"Il ne reste plus de place sur la session du {_d(session.starts_on)} : "
                "choisissez-en une autre."
            }
        )


def prescription_send(
    pathway: Pathway,
    offer: Offer,
    *,
    session: OfferSession | None = None,
    barrier: str = "",
    note: str = "",
    by,
    now: dt.datetime,
) -> Prescription:
    """Send the person to `offer` (and `session`): the prescription, its answer clock, and the
    e-mail to the provider with its signed answer link (no personal data in the e-mail)."""
    today = timezone.localdate(now)
    if not can_prescribe(pathway, by):
        raise TransitionForbidden("Seuls le référent, son délégué ou le responsable d'équipe prescrivent une offre.")
    with transaction.atomic():
        if session is not None:  # serialises the seats: two referents never take the last one twice
            session = OfferSession.objects.select_for_update().get(pk=session.pk)
        prescription_check(pathway, offer, session, barrier, today=today)
        prescription = Prescription.objects.create(
            pathway=pathway, offer=offer, session=session, barrier=barrier, note=note, sent_on=today, created_by=by
        )
        dl.deadline_open(
            pathway, RuleCode.PRESCRIPTION_ANSWER, starts_on=today, ref=str(prescription.pk), restart=False
        )
        email = offer.answer_email
        if email:
            title, body = messages.event_message(Notification.Event.PRESCRIPTION)
            n = Notification.objects.create(
                to_email=email,
                event=Notification.Event.PRESCRIPTION,
                pathway=pathway,
                subject=title,
                body=body,
                link=prescription_link(prescription.pk, now=now),
                created_at=now,
                email_status=outbox.email_status_for(None, email),
            )
            outbox.dispatch_after_commit([n.pk])
    return prescription


def _locked(prescription_id: int) -> Prescription:
    return (
        Prescription.objects.select_for_update(of=("self",))
        .select_related("offer", "pathway__referent__user")
        .get(pk=prescription_id)
    )


def prescription_answer(
    prescription_id: int,
    *,
    accepted: bool,
    start_on: dt.date | None = None,
    reason: str = "",
    by=None,
    now: dt.datetime,
) -> Prescription:
    """The provider accepts (with a start date) or refuses (with a reason), once.

    `by` is the provider's signed-in staff member, or None when the signed link is the
    credential (the link names its prescription: it answers for no other)."""
    today = timezone.localdate(now)
    with transaction.atomic():
        prescription = _locked(prescription_id)
        if by is not None and not can_answer_prescription(prescription, by):
            raise TransitionForbidden(
                "Cette prescription concerne une offre d'une autre structure : seule celle-ci peut y répondre."
            )
        if prescription.status != PS.SENT:
            raise TransitionConflict(
                f"Cette prescription a déjà reçu une réponse le {_d(prescription.answered_on)} "
                f"({prescription.get_status_display().lower()})."
            )
        if accepted:
            if start_on is None:
                raise ValidationError({"start_on": "Indiquez la date de début prévue."})
            if start_on < prescription.sent_on:
                raise ValidationError(
                    {
                        "start_on": "La date de début ne peut précéder l'envoi de la prescription "
                        f"({_d(prescription.sent_on)})."
                    }
                )
        elif not reason.strip():
            raise ValidationError({"reason": "Indiquez le motif du refus."})
        prescription.status = PS.ACCEPTED if accepted else PS.REFUSED
        prescription.answered_on = today
        prescription.start_on = start_on if accepted else None
        prescription.refusal_reason = "" if accepted else reason.strip()
        prescription.save(update_fields=["status", "answered_on", "start_on", "refusal_reason"])
        pathway = prescription.pathway
        dl.deadline_meet(pathway, [RuleCode.PRESCRIPTION_ANSWER], on=today, ref=str(prescription.pk))
        alerts_resolve_for_pathway(pathway.pk, now=now)
        ids = outbox.notify([pathway.referent], Notification.Event.PRESCRIPTION_ANSWERED, pathway, now=now)
        outbox.dispatch_after_commit(ids)
    return prescription


def prescription_outcome_record(
    prescription_id: int, outcome: str, *, occurred_on: dt.date, by, now: dt.datetime
) -> Prescription:
    """Record that the person entered the offer, completed it or left early (provider or referent)."""
    today = timezone.localdate(now)
    outcome = PS(outcome)
    if outcome not in PRESCRIPTION_OUTCOMES:
        raise ValidationError({"outcome": "Choisissez : entrée, action terminée ou sortie anticipée."})
    with transaction.atomic():
        prescription = _locked(prescription_id)
        if not can_record_prescription_outcome(prescription, by):
            raise TransitionForbidden(
                "Seuls le prestataire de l'offre et le référent du parcours enregistrent la suite."
            )
        if prescription.status not in PRESCRIPTION_OUTCOMES[outcome]:
            raise TransitionConflict(
                f"« {outcome.label} » ne peut suivre « {prescription.get_status_display()} » (statut actuel)."
            )
        since = prescription.entered_on if outcome != PS.ENTERED else prescription.answered_on
        if occurred_on > today:
            raise ValidationError({"occurred_on": "La date ne peut pas être dans le futur."})
        if since is not None and occurred_on < since:
            raise ValidationError({"occurred_on": f"La date ne peut précéder le {_d(since)}."})
        prescription.status = outcome
        if outcome == PS.ENTERED:
            prescription.entered_on = occurred_on
        else:
            prescription.ended_on = occurred_on
        prescription.save(update_fields=["status", "entered_on", "ended_on"])
    return prescription

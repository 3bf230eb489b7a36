"""Professional secrecy: reading and writing the diagnostic, consents, private notes.

Every read of the diagnostic's content goes through `diagnostic_read`, which checks the circle
(`casework.permissions.can_read_diagnostic`) and appends a `SensitiveAccessLog` row in the same
transaction: a read that is not logged does not happen. Callers have already checked that the
user may see the pathway (`casework.selectors`), and answered 404 otherwise.

Notifying the team lead of a break-glass read is done one level up, in
`workflows.services.secrecy`, because casework does not import notifications.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from casework import permissions
from casework.audit import acting_as
from casework.models import (
    Consent,
    DiagnosticSection,
    DiagnosticSectionKind,
    Organisation,
    Pathway,
    PrivateNote,
    SensitiveAccessLog,
)
from casework.text_limits import DIAGNOSTIC_SECTION_MAX_LENGTH, JUSTIFICATION_MAX_LENGTH, NOTE_MAX_LENGTH
from casework.validation import pathway_date_check, text_check

MIN_JUSTIFICATION = 15


class SecrecyDenied(Exception):
    """The user may see the pathway but not this content (the page says so; no 403 leak)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def access_log(
    user,
    *,
    what: str,
    now: dt.datetime,
    pathway: Pathway | None = None,
    beneficiary_id: int | None = None,
    section_ids: list[int] | None = None,
    break_glass: bool = False,
    justification: str = "",
) -> SensitiveAccessLog:
    return SensitiveAccessLog.objects.create(
        user=user,
        pathway=pathway,
        beneficiary_id=beneficiary_id or (pathway.beneficiary_id if pathway else None),
        what=what,
        section_ids=section_ids or [],
        at=now,
        break_glass=break_glass,
        justification=justification,
    )


def diagnostic_read(
    pathway: Pathway, user, *, now: dt.datetime, break_glass: bool = False, justification: str = ""
) -> tuple[list[DiagnosticSection], SensitiveAccessLog]:
    """The diagnostic sections, for a user of the circle, or in break-glass with a justification."""
    justification = (justification or "").strip()
    if break_glass:
        text_check(justification, max_length=JUSTIFICATION_MAX_LENGTH, field="justification")
        if not permissions.can_break_glass(pathway, user):
            raise SecrecyDenied("L'accès d'urgence n'est pas possible pour ce parcours.")
        if len(justification) < MIN_JUSTIFICATION:
            raise SecrecyDenied(
                f"L'accès d'urgence demande une justification précise ({MIN_JUSTIFICATION} caractères au moins)."
            )
    elif not permissions.can_read_diagnostic(pathway, user):
        raise SecrecyDenied("Le diagnostic est couvert par le secret professionnel partagé.")
    with transaction.atomic():
        sections = list(DiagnosticSection.objects.filter(pathway=pathway).select_related("author__user"))
        log = access_log(
            user,
            what=SensitiveAccessLog.What.DIAGNOSTIC,
            now=now,
            pathway=pathway,
            section_ids=[s.pk for s in sections],
            break_glass=break_glass,
            justification=justification if break_glass else "",
        )
    return sections, log


def diagnostic_section_save(pathway: Pathway, *, kind: str, content: str, by, now: dt.datetime) -> DiagnosticSection:
    """Create or update one section; the audit trail keeps every version with its author."""
    if kind not in DiagnosticSectionKind.values:
        raise SecrecyDenied("Rubrique de diagnostic inconnue.")
    if not permissions.can_write_diagnostic(pathway, by):
        raise SecrecyDenied("Vous ne pouvez pas modifier le diagnostic de ce parcours.")
    text_check(content, max_length=DIAGNOSTIC_SECTION_MAX_LENGTH, field="content")
    pro = permissions.professional_of(by)
    with transaction.atomic(), acting_as(by):
        section = DiagnosticSection.objects.select_for_update().filter(pathway=pathway, kind=kind).first()
        if section is None:
            return DiagnosticSection.objects.create(
                pathway=pathway, kind=kind, content=content, author=pro, updated_by=pro, created_at=now, updated_at=now
            )
        section.content = content
        section.updated_by = pro
        section.updated_at = now
        section.save()
        return section


def consents_for(pathway: Pathway):
    return Consent.objects.filter(beneficiary_id=pathway.beneficiary_id).select_related("organisation")


def consent_record(
    pathway: Pathway, *, organisation: Organisation, given_on: dt.date, by, now: dt.datetime
) -> Consent:
    if not permissions.can_manage_consent(pathway, by):
        raise SecrecyDenied("Seuls le référent, son délégué ou le responsable d'équipe recueillent un consentement.")
    pathway_date_check(
        pathway,
        given_on,
        today=timezone.localdate(now),
        label="La date de recueil du consentement",
        field="given_on",
    )
    with transaction.atomic(), acting_as(by):
        live = Consent.objects.filter(
            beneficiary_id=pathway.beneficiary_id, organisation=organisation, withdrawn_on__isnull=True
        ).first()
        if live is not None:
            return live
        return Consent.objects.create(
            beneficiary_id=pathway.beneficiary_id,
            organisation=organisation,
            given_on=given_on,
            recorded_by=by,
            recorded_at=now,
        )


def consent_withdraw(pathway: Pathway, consent_id: int, *, on: dt.date, by) -> Consent:
    if not permissions.can_manage_consent(pathway, by):
        raise SecrecyDenied("Seuls le référent, son délégué ou le responsable d'équipe enregistrent un retrait.")
    with transaction.atomic(), acting_as(by):
        consent = (
            Consent.objects.select_for_update()
            .filter(pk=consent_id, beneficiary_id=pathway.beneficiary_id, withdrawn_on__isnull=True)
            .first()
        )
        if consent is None:
            raise SecrecyDenied("Consentement introuvable ou déjà retiré.")
        consent.withdrawn_on = max(on, consent.given_on)
        consent.withdrawn_by = by
        consent.save()
        return consent


def private_notes_for(pathway: Pathway, user):
    """Only the author's own notes: nobody else, not even their team lead, reads them."""
    pro = permissions.professional_of(user)
    if pro is None:
        return PrivateNote.objects.none()
    return PrivateNote.objects.filter(pathway=pathway, author=pro)


def private_note_add(pathway: Pathway, *, content: str, by, now: dt.datetime) -> PrivateNote:
    pro = permissions.professional_of(by)
    if pro is None:
        raise SecrecyDenied("Seul un professionnel peut prendre une note.")
    content = (content or "").strip()
    if not content:
        raise SecrecyDenied("La note est vide.")
    text_check(content, max_length=NOTE_MAX_LENGTH, field="content")
    return PrivateNote.objects.create(pathway=pathway, author=pro, content=content, created_at=now)

"""RGPD subject access: everything held about one person, in one JSON-ready document.

Scoped by access: the caller has checked that the user may see the person (through a visible
pathway) and answer the request (`can_export_subject_data`). Within it, diagnostic contents are
included only for pathways whose diagnostic the user may read, and that read is logged; private
notes only when the user wrote them (a note is its author's alone; docs/rgpd.md explains how a
formal request collects the others). The export itself is logged as a sensitive read.
"""

from __future__ import annotations

import datetime as dt

from casework import permissions
from casework.audit import audit_datetime, display_value, field_label
from casework.models import (
    ActivityDuration,
    Beneficiary,
    Consent,
    ContractActivity,
    DiagnosticSection,
    Pathway,
    PrivateNote,
    SensitiveAccessLog,
)
from casework.models.beneficiaries import PERSON_FIELDS
from casework.services.secrecy import access_log


def _d(value):
    return value.isoformat() if isinstance(value, dt.date | dt.datetime) else value


def _user(u) -> str | None:
    return u.get_username() if u is not None else None


def _person_value(beneficiary: Beneficiary, name: str):
    return beneficiary.territory.name if name == "territory" else getattr(beneficiary, name)


def person_display(beneficiary: Beneficiary) -> list[tuple[str, str]]:
    """The identity block of the page: French labels and values (the JSON keeps machine keys)."""
    rows = [("Numéro", str(beneficiary.pk))]
    for name in PERSON_FIELDS:
        field = Beneficiary._meta.get_field(name)
        value = _person_value(beneficiary, name)
        rows.append((field_label(Beneficiary, name), value if name == "territory" else display_value(field, value)))
    rows.append(("Enregistrée le", audit_datetime(beneficiary.created_at)))
    return rows


# The document's lists as a table: list name -> (its rows for the person or the pathway, one row's fields).
PERSON_LISTS = {
    "barriers": (
        lambda b: b.barriers.all(),
        lambda x: {"kind": x.get_kind_display(), "status": x.get_status_display(), "noted_on": _d(x.noted_on)},
    ),
    "consents": (
        lambda b: Consent.objects.filter(beneficiary=b).select_related("organisation", "recorded_by"),
        lambda c: {
            "shared_with": c.organisation.name,
            "given_on": _d(c.given_on),
            "recorded_by": _user(c.recorded_by),
            "withdrawn_on": _d(c.withdrawn_on),
        },
    ),
    "space_views": (
        lambda b: b.space_views.order_by("at", "id"),
        lambda v: {"at": _d(v.at), "page": v.get_page_display()},
    ),
    "identity_changes": (
        lambda b: b.audit.select_related("history_user").order_by("history_date"),
        lambda h: {
            "at": _d(h.history_date),
            "by": _user(h.history_user),
            "type": h.get_history_type_display(),
            "first_name": h.first_name,
            "last_name": h.last_name,
            "birth_date": _d(h.birth_date),
            "email": h.email,
            "mobile_phone": h.mobile_phone,
            "sms_opt_out": h.sms_opt_out,
        },
    ),
}

PATHWAY_LISTS = {
    "history": (
        lambda p: p.history.select_related("by").order_by("recorded_at", "id"),
        lambda t: {
            "transition": t.transition,
            "from": t.from_state,
            "to": t.to_state,
            "occurred_on": _d(t.occurred_on),
            "recorded_at": _d(t.recorded_at),
            "by": _user(t.by),
            "reason": t.reason,
        },
    ),
    "referents": (
        lambda p: p.referent_periods.select_related("professional__user").order_by("started_on", "id"),
        lambda r: {"referent": str(r.professional), "from": _d(r.started_on), "to": _d(r.ended_on)},
    ),
    "contacts": (
        lambda p: p.contacts.all(),
        lambda c: {"on": _d(c.occurred_on), "kind": c.get_kind_display(), "outcome": c.get_outcome_display()},
    ),
    "contracts": (
        lambda p: p.contracts.all(),
        lambda c: {
            "kind": c.get_kind_display(),
            "signed_on": _d(c.signed_on),
            "starts_on": _d(c.starts_on),
            "ends_on": _d(c.ends_on),
        },
    ),
    "handovers": (
        lambda p: p.handovers.select_related("outgoing__user", "incoming__user"),
        lambda h: {
            "proposed_on": _d(h.proposed_on),
            "outgoing": str(h.outgoing),
            "incoming": str(h.incoming),
            "status": h.get_status_display(),
            "note": h.note,
            "refusal_reason": h.refusal_reason,
        },
    ),
    "appointments": (
        lambda p: p.appointments.order_by("starts_at", "id"),
        lambda a: {
            "starts_at": _d(a.starts_at),
            "mode": a.get_mode_display(),
            "place": a.place,
            "purpose": a.purpose,
            "set_at": _d(a.set_at),
        },
    ),
    "deadlines": (
        lambda p: p.deadlines.all().order_by("due_on", "id"),
        lambda d: {"rule": d.get_rule_code_display(), "due_on": _d(d.due_on), "status": d.status_label},
    ),
    # The contrat d'engagement: its action plan, its activity durations (with why), its weeks of hours.
    "action_plan": (
        lambda p: ContractActivity.objects.filter(contract__pathway=p).select_related("provider"),
        lambda a: {
            "kind": a.get_kind_display(),
            "provider": a.provider_label,
            "hours_per_week": str(a.hours_per_week),
            "from": _d(a.starts_on),
            "to": _d(a.ends_on),
        },
    ),
    "activity_durations": (
        lambda p: ActivityDuration.objects.filter(contract__pathway=p),
        lambda d: {
            "from": _d(d.effective_from),
            "kind": d.get_kind_display(),
            "weekly_hours": str(d.weekly_hours),
            "exemption_ground": d.get_exemption_ground_display() if d.exemption_ground else "",
            "at_persons_request": d.at_persons_request,
            "reason": d.reason,
        },
    ),
    "activity_weeks": (
        lambda p: p.activity_weeks.order_by("week_start"),
        lambda w: {
            "week": _d(w.week_start),
            "planned_hours": str(w.planned_hours),
            "realised_hours": None if w.realised_hours is None else str(w.realised_hours),
            "target_hours": str(w.target_hours),
        },
    ),
    "partner_requests": (
        lambda p: p.partner_requests.select_related("organisation"),
        lambda r: {"organisation": r.organisation.name, "kind": r.get_kind_display(), "sent_on": _d(r.sent_on)},
    ),
}

NOT_IN_CIRCLE = "Diagnostic non inclus : vous n'êtes pas dans le cercle du secret partagé."


def _lists(table: dict, owner) -> dict:
    return {name: [row(x) for x in rows(owner)] for name, (rows, row) in table.items()}


def _pathway(p: Pathway, me, sections: list[DiagnosticSection] | None) -> dict:
    """One pathway of the document; `sections` None when the user may not read its diagnostic."""
    return {
        "id": p.pk,
        "state": p.get_state_display(),
        "territory": p.territory.name,
        "track": str(p.track) if p.track_id else None,
        "organisation": str(p.organisation) if p.organisation_id else None,
        "referent": str(p.referent) if p.referent_id else None,
        "entered_on": _d(p.entered_on),
        "oriented_on": _d(p.oriented_on),
        "closed_on": _d(p.closed_on),
        "close_reason": p.get_close_reason_display() if p.close_reason else "",
        **_lists(PATHWAY_LISTS, p),
        "diagnostic": None
        if sections is None
        else [
            {"section": s.get_kind_display(), "content": s.content, "updated_at": _d(s.updated_at)} for s in sections
        ],
        "diagnostic_note": NOT_IN_CIRCLE if sections is None else "",
        "private_notes_of_requester": [
            {"at": _d(n.created_at), "content": n.content} for n in PrivateNote.objects.filter(pathway=p, author=me)
        ]
        if me is not None
        else [],
    }


def subject_data(beneficiary: Beneficiary, pathways: list[Pathway], user, *, now: dt.datetime) -> dict:
    """The person's document; the diagnostic sections it shows are logged as read with the export."""
    me = permissions.professional_of(user)
    sections = {
        p.pk: list(DiagnosticSection.objects.filter(pathway=p))
        for p in pathways
        if permissions.can_read_diagnostic(p, user)
    }
    doc = {
        "generated_at": _d(now),
        "generated_by": _user(user),
        "person": {
            "id": beneficiary.pk,
            **{name: _d(_person_value(beneficiary, name)) for name in PERSON_FIELDS},
            "recorded_at": _d(beneficiary.created_at),
        },
        **_lists(PERSON_LISTS, beneficiary),
        "pathways": [_pathway(p, me, sections.get(p.pk)) for p in pathways],
    }
    access_log(
        user,
        what=SensitiveAccessLog.What.SUBJECT_ACCESS,
        now=now,
        beneficiary_id=beneficiary.pk,
        section_ids=[s.pk for shown in sections.values() for s in shown],
    )
    return doc

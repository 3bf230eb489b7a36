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
from casework.models import Beneficiary, Consent, DiagnosticSection, Pathway, PrivateNote, SensitiveAccessLog
from casework.services.secrecy import access_log


def _d(value):
    return value.isoformat() if isinstance(value, dt.date | dt.datetime) else value


def _user(u) -> str | None:
    return u.get_username() if u is not None else None


# The person's own fields, in the JSON export (machine keys) and on the page (French labels).
PERSON_FIELDS = (
    "first_name",
    "last_name",
    "birth_date",
    "territory",
    "publics",
    "registered_with_france_travail",
    "plie_enrolled",
    "self_employed",
    "disability_recognised",
)


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


def subject_data(beneficiary: Beneficiary, pathways: list[Pathway], user, *, now: dt.datetime) -> dict:
    readable = [p for p in pathways if permissions.can_read_diagnostic(p, user)]
    readable_ids = {p.pk for p in readable}
    me = permissions.professional_of(user)
    doc = {
        "generated_at": _d(now),
        "generated_by": _user(user),
        "person": {
            "id": beneficiary.pk,
            **{name: _d(_person_value(beneficiary, name)) for name in PERSON_FIELDS},
            "recorded_at": _d(beneficiary.created_at),
        },
        "barriers": [
            {"kind": b.get_kind_display(), "status": b.get_status_display(), "noted_on": _d(b.noted_on)}
            for b in beneficiary.barriers.all()
        ],
        "consents": [
            {
                "shared_with": c.organisation.name,
                "given_on": _d(c.given_on),
                "recorded_by": _user(c.recorded_by),
                "withdrawn_on": _d(c.withdrawn_on),
            }
            for c in Consent.objects.filter(beneficiary=beneficiary).select_related("organisation", "recorded_by")
        ],
        "identity_changes": [
            {
                "at": _d(h.history_date),
                "by": _user(h.history_user),
                "type": h.get_history_type_display(),
                "first_name": h.first_name,
                "last_name": h.last_name,
                "birth_date": _d(h.birth_date),
            }
            for h in beneficiary.audit.select_related("history_user").order_by("history_date")
        ],
        "pathways": [],
    }
    section_ids: list[int] = []
    for p in pathways:
        item = {
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
            "history": [
                {
                    "transition": t.transition,
                    "from": t.from_state,
                    "to": t.to_state,
                    "occurred_on": _d(t.occurred_on),
                    "recorded_at": _d(t.recorded_at),
                    "by": _user(t.by),
                    "reason": t.reason,
                }
                for t in p.history.select_related("by").order_by("recorded_at", "id")
            ],
            "referents": [
                {"referent": str(r.professional), "from": _d(r.started_on), "to": _d(r.ended_on)}
                for r in p.referent_periods.select_related("professional__user").order_by("started_on", "id")
            ],
            "contacts": [
                {"on": _d(c.occurred_on), "kind": c.get_kind_display(), "outcome": c.get_outcome_display()}
                for c in p.contacts.all()
            ],
            "contracts": [
                {
                    "kind": c.get_kind_display(),
                    "signed_on": _d(c.signed_on),
                    "starts_on": _d(c.starts_on),
                    "ends_on": _d(c.ends_on),
                }
                for c in p.contracts.all()
            ],
            "handovers": [
                {
                    "proposed_on": _d(h.proposed_on),
                    "outgoing": str(h.outgoing),
                    "incoming": str(h.incoming),
                    "status": h.get_status_display(),
                    "note": h.note,
                    "refusal_reason": h.refusal_reason,
                }
                for h in p.handovers.select_related("outgoing__user", "incoming__user")
            ],
            "deadlines": [
                {"rule": d.get_rule_code_display(), "due_on": _d(d.due_on), "status": d.status_label}
                for d in p.deadlines.all().order_by("due_on", "id")
            ],
            "partner_requests": [
                {"organisation": r.organisation.name, "kind": r.get_kind_display(), "sent_on": _d(r.sent_on)}
                for r in p.partner_requests.select_related("organisation")
            ],
            "diagnostic": None,
            "diagnostic_note": "",
            "private_notes_of_requester": [
                {"at": _d(n.created_at), "content": n.content}
                for n in PrivateNote.objects.filter(pathway=p, author=me)
            ]
            if me is not None
            else [],
        }
        if p.pk in readable_ids:
            sections = list(DiagnosticSection.objects.filter(pathway=p))
            section_ids += [s.pk for s in sections]
            item["diagnostic"] = [
                {"section": s.get_kind_display(), "content": s.content, "updated_at": _d(s.updated_at)}
                for s in sections
            ]
        else:
            item["diagnostic_note"] = "Diagnostic non inclus : vous n'êtes pas dans le cercle du secret partagé."
        doc["pathways"].append(item)
    access_log(
        user,
        what=SensitiveAccessLog.What.SUBJECT_ACCESS,
        now=now,
        beneficiary_id=beneficiary.pk,
        section_ids=section_ids,
    )
    return doc

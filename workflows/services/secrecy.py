"""Break-glass access to a diagnostic: read (logged by casework) and report it to the team lead.

casework logs the read; this service, which may use notifications, tells the team leads of the
organisation holding the file and of the reader's organisation, in the same transaction (outbox):
a break-glass read that is not reported does not happen. The e-mail says "a pathway's diagnostic
was read in an emergency", with a link: no name, no content, no justification.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from casework.models import Pathway
from casework.permissions import professional_of
from casework.services import secrecy
from notifications.services import outbox

BREAK_GLASS_EVENT = "break_glass"


def diagnostic_break_glass(pathway: Pathway, user, *, justification: str, now: dt.datetime):
    with transaction.atomic():
        sections, log = secrecy.diagnostic_read(pathway, user, now=now, break_glass=True, justification=justification)
        reader = professional_of(user)
        leads = outbox.team_leads_of(pathway.organisation_id)
        if reader is not None and reader.organisation_id != pathway.organisation_id:
            leads += outbox.team_leads_of(reader.organisation_id)
        leads = [p for p in leads if reader is None or p.pk != reader.pk]
        if not leads:  # nobody to tell in those organisations: the Département's team leads
            leads = [
                p for p in outbox.departement_team_leads(pathway.territory_id) if p.pk != getattr(reader, "pk", None)
            ]
        outbox.dispatch_after_commit(outbox.notify(leads, BREAK_GLASS_EVENT, pathway, now=now))
    return sections, log

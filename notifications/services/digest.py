"""The daily digest: one e-mail per professional listing what needs them."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils.translation import ngettext

from notifications.models import EmailStatus, Notification


def send_daily_digests(*, now: dt.datetime) -> int:
    """Send one e-mail per recipient for their `digest` notifications; return e-mails sent."""
    sent = 0
    with transaction.atomic():
        rows = list(
            Notification.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(email_status=EmailStatus.DIGEST, created_at__lte=now)
            .select_related("recipient__user")
            .order_by("recipient_id", "created_at")
        )
        by_recipient = defaultdict(list)
        for n in rows:
            by_recipient[n.recipient_id].append(n)
        for items in by_recipient.values():
            user = items[0].recipient.user if items[0].recipient else None
            if user is None or not user.email:
                continue
            lines = "\n".join(f"- {n.body}\n  {n.link}" for n in items)
            body = (
                "Bonjour,\n\n"
                + ngettext(
                    "%(n)d élément demande votre attention dans Fil rouge :",
                    "%(n)d éléments demandent votre attention dans Fil rouge :",
                    len(items),
                )
                % {"n": len(items)}
                + f"\n\n{lines}\n\n"
                f"Votre file active : {settings.SITE_URL}{reverse('workspace:home')}\n\n"
                "— Fil rouge (résumé quotidien, message automatique)"
            )
            send_mail(f"Fil rouge — votre résumé du {now:%d/%m/%Y}", body, None, [user.email])
            Notification.objects.filter(pk__in=[n.pk for n in items]).update(
                email_status=EmailStatus.SENT, email_sent_at=now
            )
            sent += 1
    return sent

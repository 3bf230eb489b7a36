"""In-app notification centre."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from casework.permissions import professional_of

from .models import Notification
from .selectors import notification_inbox
from .services.outbox import notification_mark_read, notifications_mark_all_read


@login_required
def notification_list(request):
    """The inbox: unread first, grouped by day, each with its pathway and a "mark read" button.

    A user without a professional profile (the administrator) has no notifications: an empty
    inbox, not a 404 behind a menu entry."""
    pro = professional_of(request.user)
    inbox = notification_inbox(pro, today=timezone.localdate()) if pro is not None else None
    return render(
        request,
        "notifications/list.html",
        {"inbox": inbox, "professional": pro, "wants_digest": pro.wants_digest if pro else False},
    )


@login_required
@require_POST
def notification_read_all(request):
    pro = professional_of(request.user)
    if pro is None:
        raise Http404
    n = notifications_mark_all_read(pro, now=timezone.now())
    if n:
        messages.success(
            request,
            ngettext("%(n)d notification marquée comme lue.", "%(n)d notifications marquées comme lues.", n)
            % {"n": n},
        )
    return redirect("notifications:list")


@login_required
@require_POST
def delivery_preference(request):
    """Each professional chooses: one e-mail per alert, or one daily digest."""
    pro = professional_of(request.user)
    if pro is None:
        raise Http404
    choice = request.POST.get("delivery")
    if choice not in ("immediate", "digest"):
        messages.error(request, "Choix inconnu : « immédiat » ou « résumé quotidien ».")
        return redirect("notifications:list")
    pro.wants_digest = choice == "digest"
    pro.save(update_fields=["wants_digest"])
    label = "un résumé quotidien" if pro.wants_digest else "un e-mail par alerte"
    messages.success(request, f"Vous recevrez désormais {label}.")
    return redirect("notifications:list")


@login_required
@require_POST
def notification_read(request, pk: int):
    """Mark one of one's own notifications read; anyone else's (or a partner's e-mail) is a 404."""
    pro = professional_of(request.user)
    if pro is None:
        raise Http404
    notification = get_object_or_404(Notification, pk=pk, recipient=pro)
    notification_mark_read(notification, now=timezone.now())
    if request.POST.get("next") == "pathway" and notification.pathway_id:
        return redirect("workspace:pathway", notification.pathway_id)
    return redirect("notifications:list")

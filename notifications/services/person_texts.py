"""What the person reads in their messages: short sentences, plain words, no jargon.

The messages carry what the person needs to come (day, hour, how, where) and the link to their
space; never the appointment's purpose (it may say more than the person wants a housemate who
reads the phone to know), never anything from the diagnostic or the notes.
"""

from __future__ import annotations

from django.utils import formats, timezone

from casework.enums import AppointmentMode
from casework.models import Appointment

SIGNATURE = "Fil rouge (message automatique : ne répondez pas à ce message)."


def when_words(starts_at) -> str:
    """ "mardi 12 janvier à 10 h 30" (Europe/Paris)."""
    local = timezone.localtime(starts_at)
    day = formats.date_format(local, "l j F")
    minutes = f"{local.minute:02d}" if local.minute else "00"
    return f"{day} à {local.hour} h {minutes}"


def how_words(appointment: Appointment) -> str:
    if appointment.mode == AppointmentMode.PHONE:
        return "Par téléphone : votre référent vous appelle."
    if appointment.place:
        return f"Adresse : {appointment.place}."
    return "Sur place."


def appointment_sms(appointment: Appointment, link: str, *, reminder: bool) -> str:
    opening = "Rappel : vous avez rendez-vous" if reminder else "Vous avez un rendez-vous"
    return f"{opening} le {when_words(appointment.starts_at)}. {how_words(appointment)} Votre espace : {link}"


def appointment_email(appointment: Appointment, link: str, *, reminder: bool, contact: str) -> tuple[str, str]:
    when = when_words(appointment.starts_at)
    subject = f"Rappel : votre rendez-vous du {when}" if reminder else f"Votre rendez-vous du {when}"
    lines = [
        "Bonjour,",
        "",
        f"Rappel : vous avez rendez-vous le {when}." if reminder else f"Vous avez un rendez-vous le {when}.",
        how_words(appointment),
        "",
        "Vous ne pouvez pas venir ? Prévenez votre référent." + (f" {contact}" if contact else ""),
        "",
        "Pour voir votre rendez-vous et votre parcours, ouvrez votre espace :",
        link,
        "",
        SIGNATURE,
    ]
    return subject, "\n".join(lines)


def space_link_sms(link: str) -> str:
    return f"Voici votre lien pour ouvrir votre espace Fil rouge : {link}"


def space_link_email(link: str) -> tuple[str, str]:
    lines = [
        "Bonjour,",
        "",
        "Vous avez demandé un lien pour ouvrir votre espace.",
        "Le voici :",
        link,
        "",
        "Les anciens liens ne marchent plus.",
        "Vous n'avez rien demandé ? Vous pouvez ignorer ce message.",
        "",
        SIGNATURE,
    ]
    return "Votre lien pour ouvrir votre espace", "\n".join(lines)

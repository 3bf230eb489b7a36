"""The doors through which someone gets a role or an API token.

Two rules hold here, for the admin, the commands and any later screen alike:
- An administrator account (staff or superuser) configures and never holds a professional
  profile, and a professional is never made staff: otherwise an administrator could give
  itself a team lead's profile and read files. Both directions are checked with the user's
  row locked, so two concurrent grants cannot cross.
- Every role given or taken away is written to `RoleGrant` (who, when, what), in the same
  transaction as the change.

API tokens (django-rest-knox): only a digest is stored; the key is returned once, to its
owner's page or to the operator's terminal, and cannot be shown again.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from knox.models import AuthToken

from casework.models import Professional

from .models import ApiTokenLabel, RoleGrant

STAFF_CANNOT_BE_PROFESSIONAL = (
    "Un compte administrateur ne peut pas avoir de profil professionnel : les administrateurs "
    "configurent et ne consultent aucun dossier. Utilisez un compte distinct, sans droit d'administration."
)
PROFESSIONAL_CANNOT_BE_STAFF = (
    "Ce compte a un profil professionnel : il ne peut pas devenir administrateur. "
    "Un administrateur utilise un compte distinct, sans profil professionnel."
)

# The role flags of a profile, with the words the journal uses (the model's labels).
PROFILE_ROLES = ("is_referent", "is_team_lead", "is_orientation_officer", "is_partner", "is_administrator")
USER_ROLES = {"is_staff": "accès à l'administration", "is_superuser": "superutilisateur"}


def _label(field: str) -> str:
    return str(Professional._meta.get_field(field).verbose_name)


def _grant_record(user, what: str, *, by, now: dt.datetime) -> RoleGrant:
    return RoleGrant.objects.create(
        at=now,
        by=by if getattr(by, "pk", None) else None,
        by_username=by.get_username() if getattr(by, "pk", None) else "",
        user=user,
        username=user.get_username(),
        what=what[:500],
    )


def _changes(before: dict, after: dict, labels: dict[str, str]) -> list[str]:
    out = []
    for field, label in labels.items():
        if bool(before.get(field)) != bool(after.get(field)):
            out.append(f"{'+' if after.get(field) else '−'} {label}")
    return out


def professional_save(pro: Professional, *, by, now: dt.datetime) -> Professional:
    """Create a professional profile or change its roles or organisation, audited.

    Refused (ValidationError on `user`) when the account is staff or superuser.
    """
    User = get_user_model()
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=pro.user_id)
        if user.is_staff or user.is_superuser:
            raise ValidationError({"user": STAFF_CANNOT_BE_PROFESSIONAL})
        fields = (*PROFILE_ROLES, "organisation_id")
        before = Professional.objects.filter(pk=pro.pk).values(*fields).first() if pro.pk else None
        pro.save()
        after = {f: getattr(pro, f) for f in fields}
        if before is None:
            roles = ", ".join(_label(f) for f in PROFILE_ROLES if after[f]) or "aucun rôle"
            what = f"profil professionnel créé ({pro.organisation}) : {roles}"
        else:
            parts = _changes(before, after, {f: _label(f) for f in PROFILE_ROLES})
            if before["organisation_id"] != after["organisation_id"]:
                parts.append(f"organisation : {pro.organisation}")
            what = "rôles modifiés : " + ", ".join(parts) if parts else ""
        if what:
            _grant_record(user, what, by=by, now=now)
    return pro


def professional_delete(pro: Professional, *, by, now: dt.datetime) -> None:
    """Withdraw a professional profile (all its roles at once), audited."""
    with transaction.atomic():
        roles = ", ".join(_label(f) for f in PROFILE_ROLES if getattr(pro, f)) or "aucun rôle"
        _grant_record(pro.user, f"profil professionnel retiré ({pro.organisation}) : {roles}", by=by, now=now)
        pro.delete()


def user_roles_save(user, *, by, now: dt.datetime):
    """Save an account with its administration flags (`is_staff`, `is_superuser`), audited.

    Refused (ValidationError on `is_staff`) when an account with a professional profile would
    become staff or superuser.
    """
    User = get_user_model()
    with transaction.atomic():
        before = None
        if user.pk:
            before = User.objects.select_for_update().filter(pk=user.pk).values(*USER_ROLES).first()
        if (user.is_staff or user.is_superuser) and user.pk and Professional.objects.filter(user_id=user.pk).exists():
            raise ValidationError({"is_staff": PROFESSIONAL_CANNOT_BE_STAFF})
        user.save()
        parts = _changes(before or {}, {f: getattr(user, f) for f in USER_ROLES}, USER_ROLES)
        if parts:
            _grant_record(user, "droits d'administration : " + ", ".join(parts), by=by, now=now)
    return user


# --- API tokens -------------------------------------------------------------------------


def api_token_issue(user, *, label: str, days: int, now: dt.datetime) -> tuple[AuthToken, str]:
    """A new API token for `user`, valid `days` days: returns the row and the key (shown once).

    Only an active professional gets a token (an administrator account reads no file, so it
    needs none); the label names the token in its owner's list.
    """
    label = (label or "").strip()
    errors = {}
    if not label:
        errors["label"] = "Donnez un libellé au jeton (par exemple le logiciel qui l'utilise)."
    elif len(label) > 100:
        errors["label"] = "Le libellé ne dépasse pas 100 caractères."
    if not isinstance(days, int) or not 1 <= days <= settings.API_TOKEN_MAX_DAYS:
        errors["days"] = f"La durée de validité va de 1 à {settings.API_TOKEN_MAX_DAYS} jours."
    if not user.is_active or user.is_staff or user.is_superuser or not Professional.objects.filter(user=user).exists():
        errors["user"] = "Seul un professionnel actif reçoit un jeton d'API, et lui seul."
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        token, key = AuthToken.objects.create(user=user, expiry=None)
        token.expiry = now + dt.timedelta(days=days)
        token.save(update_fields=["expiry"])
        ApiTokenLabel.objects.create(token=token, label=label)
    return token, key


def api_tokens_of(user):
    """The owner's tokens, newest first, with their label (the key is never stored)."""
    return ApiTokenLabel.objects.filter(token__user=user).select_related("token").order_by("-token__created")


def api_token_revoke(user, *, label_id: int | None = None, label: str | None = None) -> int:
    """Revoke the owner's token(s) named by id or by label; returns how many were revoked."""
    tokens = AuthToken.objects.filter(user=user)
    if label_id is not None:
        tokens = tokens.filter(label__pk=label_id)
    elif label is not None:
        tokens = tokens.filter(label__label=label)
    deleted, per_model = tokens.delete()
    return per_model.get(AuthToken._meta.label, 0)

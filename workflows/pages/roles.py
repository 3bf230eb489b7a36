"""Who someone is at work, said in the header, and where their work is.

A professional may hold several roles (flags on `Professional`); the header names them all, and
the home page sends each person to the page their first role works from: a referent to the
caseload, a team lead to the dashboard, an orientation officer to the orientation queue, an
administrator (an account with no professional profile) to a page pointing to the admin site
(rendered by the home view itself).
"""

from __future__ import annotations

from django.urls import reverse

from casework.permissions import professional_of

# (flag on Professional, how the header says it), in the order the header lists them.
ROLE_LABELS = (
    ("is_team_lead", "Responsable d'équipe"),
    ("is_orientation_officer", "Chargé·e d'orientation"),
    ("is_referent", "Référent·e unique"),
    ("is_partner", "Partenaire"),
    ("is_administrator", "Administrateur"),
)
ADMINISTRATOR = "Administrateur"


def role_labels(user) -> list[str]:
    """The roles of `user` as the header says them; an admin account without a profile is "Administrateur"."""
    pro = professional_of(user)
    labels = [label for flag, label in ROLE_LABELS if pro is not None and getattr(pro, flag)]
    if (getattr(user, "is_staff", False) or getattr(user, "is_superuser", False)) and ADMINISTRATOR not in labels:
        labels.append(ADMINISTRATOR)
    return labels


WORK_ROLES = ("is_referent", "is_partner", "is_team_lead", "is_orientation_officer")


def lands_on_admin_page(user) -> bool:
    """An account with no professional profile, or an administrator with no casework role."""
    pro = professional_of(user)
    if pro is None:
        return True
    is_admin = pro.is_administrator or getattr(user, "is_staff", False)
    return is_admin and not any(getattr(pro, flag) for flag in WORK_ROLES)


def has_caseload(user) -> bool:
    """Whether "/" shows this person's caseload (the menu's "Ma file active" entry)."""
    return not lands_on_admin_page(user) and landing_url(user) is None


def landing_url(user) -> str | None:
    """Where a professional's work is when it is not the caseload (None: the caseload, at "/")."""
    pro = professional_of(user)
    if pro is None or pro.is_referent or pro.is_partner:
        return None
    if pro.is_team_lead:
        return reverse("dashboard:board")
    if pro.is_orientation_officer:
        return reverse("workspace:tasks")
    return None

"""How a person's name is written, one way everywhere: given name, then family name in capitals.

"Inès SIMON" in every page, e-mail, CSV and the audit log: the capitals tell the family name
apart when both could be given names ("Martin THOMAS"). Templates use the `person` filter
(workflows/templatetags/filrouge.py), models their `__str__` / `display_name`, both through here.
"""

from __future__ import annotations


def person_name(first_name: str, last_name: str, fallback: str = "") -> str:
    """ "Inès SIMON"; `fallback` (e.g. the login) when both parts are empty."""
    name = f"{(first_name or '').strip()} {(last_name or '').strip().upper()}".strip()
    return name or fallback


def user_name(user) -> str:
    """A login account's name, or its login when the account has no name."""
    if user is None:
        return ""
    return person_name(user.first_name, user.last_name, fallback=user.get_username())

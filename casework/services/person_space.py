"""The person's own space, in the domain: the log of the pages they open (append-only)."""

from __future__ import annotations

import datetime as dt

from casework.models import SpaceView


def space_view_log(beneficiary_id: int, page: str, *, now: dt.datetime) -> SpaceView:
    """Who (the person), when, which page: every view of the space, listed in the subject-access
    export."""
    return SpaceView.objects.create(beneficiary_id=beneficiary_id, page=page, at=now)

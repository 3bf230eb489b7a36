import datetime as dt

import pytest

from casework.enums import PathwayState

pytestmark = pytest.mark.django_db


def test_world_pathway_can_reach_every_state(world):
    from tests.helpers import advance

    for i, state in enumerate(PathwayState.values):
        p = world.enter(dt.date(2026, 1, 5), last_name=f"Personne{i}")
        p = advance(world, p, state, dt.date(2026, 1, 10), social=state != PathwayState.PROFESSIONAL_TRACK)
        assert p.state == state

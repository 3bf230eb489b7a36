"""Two referents take the last seat of a session at once, on two real PostgreSQL connections:
one prescription goes through, the other is refused with the French message."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from casework.models import Prescription
from tests.factories import OfferFactory, OfferSessionFactory, OrganisationFactory
from tests.helpers import S, advance, make_world
from workflows.services import prescriptions

TODAY = timezone.localdate()


@pytest.mark.django_db(transaction=True)
def test_the_last_seat_goes_to_one_prescription_only(needs_postgres, monkeypatch):
    world = make_world()
    pathways = [
        advance(world, world.enter(TODAY - dt.timedelta(days=40)), S.SOCIAL_TRACK, TODAY - dt.timedelta(days=30))
        for _ in range(2)
    ]
    offer = OfferFactory(provider=OrganisationFactory(name="Chantier"), territories=[world.territory])
    session = OfferSessionFactory(offer=offer, starts_on=TODAY + dt.timedelta(days=10), seats=1)
    counted = threading.Event()
    real_count = prescriptions.session_seats_left

    def slow_count(s):
        left = real_count(s)
        if not counted.is_set():  # the first one holds its lock a while after counting
            counted.set()
            threading.Event().wait(0.5)
        return left

    monkeypatch.setattr(prescriptions, "session_seats_left", slow_count)
    results = {}

    def run(i):
        try:
            prescriptions.prescription_send(
                pathways[i], offer, session=session, by=world.referent.user, now=timezone.now()
            )
            results[i] = "ok"
        except ValidationError as exc:
            results[i] = " ".join(exc.message_dict["session"])
        finally:
            connection.close()

    first = threading.Thread(target=run, args=(0,))
    second = threading.Thread(target=run, args=(1,))
    first.start()
    assert counted.wait(10)
    second.start()
    first.join(15)
    second.join(15)
    assert results[0] == "ok"
    assert "plus de place" in results[1]
    assert Prescription.objects.filter(session=session).count() == 1

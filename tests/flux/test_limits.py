"""The size limit comes from the FLUX_MAX_BYTES setting (2 Gio unless the environment says)."""

from __future__ import annotations

from django.test import override_settings

from workflows.flux.readers import Limits
from workflows.flux.records import FluxLineError

from .samples import dossier, flux, read


def test_the_default_limit_is_2_gio():
    assert Limits.from_settings().max_bytes == 2 * 1024**3


@override_settings(FLUX_MAX_BYTES=70_000)
def test_the_setting_sets_the_size_limit():
    text = flux(*(dossier(matricule=f"{n:015d}") for n in range(120)))
    assert len(text.encode()) > 70_000
    last = read(text)[-1]
    assert isinstance(last, FluxLineError)
    assert last.message.startswith("Le fichier dépasse la taille maximale autorisée (68,36 Kio)")

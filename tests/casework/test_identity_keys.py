"""The NIR is kept as a keyed hash: same number → same value, whatever the spacing; key-dependent."""

from django.test import override_settings

from casework.identity_keys import nir_hash


def test_the_same_nir_written_differently_gives_the_same_hash_and_never_the_number():
    stored = nir_hash("1 85 05 78 006 084 36")
    assert stored == nir_hash("1850578006084") == nir_hash("185057800608436")
    assert "1850578006084" not in stored and len(stored) == 64
    assert nir_hash("") == ""
    assert nir_hash("2850578006084") != stored


def test_the_hash_depends_on_the_key():
    stored = nir_hash("1850578006084")
    with override_settings(FILROUGE_NIR_KEY="another-key"):
        assert nir_hash("1850578006084") != stored

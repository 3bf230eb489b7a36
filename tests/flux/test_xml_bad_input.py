"""Bad input in the XML: a French message naming the line, and the good dossiers kept.

A bad dossier is reported and reading goes on (the good dossier after it is still read); a bad
file stops with one error, after the dossiers read before the problem.
"""

from __future__ import annotations

import datetime as dt

import pytest

from workflows.flux.readers import Limits
from workflows.flux.records import FluxLineError, FluxRecord

from .samples import dossier, flux, line_of, person, read

GOOD_BEFORE = dossier(matricule="100000000000000", persons=(person(nom="AVANT", nir="1800175000001"),))
GOOD_AFTER = dossier(matricule="300000000000000", persons=(person(nom="APRES", nir="1800175000002"),))


def between(bad: str) -> tuple[str, list]:
    text = flux(GOOD_BEFORE, bad, GOOD_AFTER)
    return text, read(text)


def assert_one_error_between(results, line: int, message: str, allocation: str = "200000000000000"):
    before, error, after = results
    assert isinstance(before, FluxRecord) and before.allocation_number == "100000000000000"
    assert isinstance(after, FluxRecord) and after.allocation_number == "300000000000000"
    assert error == FluxLineError(line, message, allocation)


def test_an_unknown_state_code_is_refused_on_its_line():
    text, results = between(dossier(matricule="200000000000000", state="9"))
    assert_one_error_between(results, line_of(text, "<ETATDOSRSA>9"), "Code d'état du droit inconnu « 9 »")


def test_an_unknown_role_is_refused():
    bad = dossier(matricule="200000000000000", persons=(person(role="XYZ"),))
    text, results = between(bad)
    assert_one_error_between(results, line_of(text, "<ROLEPERS>XYZ"), "Code de rôle inconnu « XYZ »")


def test_a_missing_mandatory_field_names_the_field_and_the_dossier_s_line():
    text, results = between(dossier(matricule="200000000000000", numdemrsa=None))
    line = line_of(text, "<InfosFoyerRSA>", nth=1)
    assert_one_error_between(results, line, "Champ obligatoire manquant : NUMDEMRSA (numéro de demande)")


def test_a_missing_birth_date_is_refused_on_the_person_s_line():
    text, results = between(dossier(matricule="200000000000000", persons=(person(dtnai=None),)))
    line = line_of(text, "<Personne>", nth=1)
    assert_one_error_between(results, line, "Champ obligatoire manquant : DTNAI (date de naissance)")


def test_a_date_after_the_day_the_file_was_received_is_refused():
    text, results = between(dossier(matricule="200000000000000", request_date="2026-03-06"))
    assert_one_error_between(
        results,
        line_of(text, "<DTDEMRSA>2026-03-06"),
        "Date dans le futur : DTDEMRSA (date de la demande) « 2026-03-06 » est postérieure "
        "à la date de réception du fichier (05/03/2026)",
    )


def test_a_date_in_another_format_is_refused():
    text, results = between(dossier(matricule="200000000000000", persons=(person(dtnai="03/04/1985"),)))
    assert_one_error_between(
        results,
        line_of(text, "<DTNAI>03/04/1985"),
        "Date invalide « 03/04/1985 » pour DTNAI (date de naissance) (format attendu AAAA-MM-JJ)",
    )


def test_a_person_subject_to_rights_and_duties_under_16_is_refused():
    young = person(dtnai="2010-03-06", nir="2100375123456")  # 15 the day the file arrives
    text, results = between(dossier(matricule="200000000000000", persons=(young,)))
    assert_one_error_between(
        results,
        line_of(text, "<Personne>", nth=1),
        "Personne soumise à droits et devoirs (rôle DEM) âgée de moins de 16 ans à la date de réception du fichier",
    )


def test_a_child_under_16_not_subject_is_fine_and_16_that_day_is_fine():
    child = person(role="ENF", dtnai="2015-01-01", nir=None, subject="0")
    sixteen = person(dtnai="2010-03-05", nir="2100375123456")
    (record,) = read(flux(dossier(persons=(sixteen, child))))
    assert isinstance(record, FluxRecord) and record.household_size == 2


def test_the_same_nir_in_two_dossiers_is_refused_the_second_time():
    bad = dossier(matricule="200000000000000", persons=(person(nom="AUTRE", nir="1800175000001"),))
    text, results = between(bad)
    line = line_of(text, "<Personne>", nth=1)
    assert_one_error_between(results, line, "La même personne figure deux fois dans le fichier (même NIR)")


def test_the_same_name_and_birth_date_in_two_dossiers_is_refused_the_second_time():
    bad = dossier(matricule="200000000000000", persons=(person(nom="AVANT", nir=None),))
    text, results = between(bad)
    line = line_of(text, "<Personne>", nth=1)
    assert_one_error_between(
        results, line, "La même personne figure deux fois dans le fichier (mêmes nom, prénom et date de naissance)"
    )


def test_a_refused_dossier_does_not_make_a_later_one_a_duplicate():
    first = dossier(matricule="200000000000000", state="9", persons=(person(nir="1800175000003"),))
    again = dossier(matricule="400000000000000", persons=(person(nir="1800175000003"),))
    results = read(flux(first, again))
    assert isinstance(results[0], FluxLineError) and isinstance(results[1], FluxRecord)


# File-level problems: one error naming the line, after the dossiers read before it.


def test_a_malformed_file_stops_after_the_good_dossiers():
    text = flux(GOOD_BEFORE, dossier(matricule="200000000000000").replace("</Organisme>", "</Organism>"))
    before, error = read(text)
    assert before.allocation_number == "100000000000000"
    line = line_of(text, "</Organism>")
    assert error.line_no == line
    assert error.message.startswith("Le fichier XML est mal formé : balise fermante qui ne correspond pas")
    assert f"(ligne {line}, colonne" in error.message


def test_a_truncated_file_says_which_tag_is_left_open():
    text = flux(GOOD_BEFORE, GOOD_AFTER)
    cut = text[: text.index("<MATRICULE>300")]
    before, error = read(cut)
    assert before.allocation_number == "100000000000000"
    line = cut.count("\n") + 1
    assert error == FluxLineError(
        line, f"Le fichier XML est incomplet ou tronqué : la balise « Organisme » n'est pas fermée (ligne {line})"
    )


def test_a_wrong_root_element_is_refused():
    text = flux(GOOD_BEFORE, root="Flux")
    assert read(text) == [FluxLineError(2, "Élément racine inattendu « Flux » : « Racine » attendu (ligne 2)")]


def test_an_entity_bomb_is_refused_before_any_expansion():
    prolog = (
        '<?xml version="1.0"?>\n<!DOCTYPE Racine [\n<!ENTITY lol "lol">\n'
        '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">\n]>'
    )
    results = read(flux(GOOD_BEFORE, prolog=prolog).replace("<APPLIEME>CRI", "<APPLIEME>&lol2;"))
    assert results == [
        FluxLineError(3, "Le fichier déclare une entité XML « lol » (risque d'« entity bomb ») : refusé (ligne 3)")
    ]


def test_an_external_entity_is_refused():
    prolog = '<?xml version="1.0"?>\n<!DOCTYPE Racine [\n<!ENTITY xxe SYSTEM "file:///etc/passwd">\n]>'
    results = read(flux(GOOD_BEFORE, prolog=prolog).replace("<APPLIEME>CRI", "<APPLIEME>&xxe;"))
    message = "Le fichier fait référence à une entité ou une ressource externe : refusé (ligne 3)"
    assert results == [FluxLineError(3, message)]
    external_dtd = '<?xml version="1.0"?>\n<!DOCTYPE Racine SYSTEM "http://example.org/flux.dtd">'
    assert read(flux(GOOD_BEFORE, prolog=external_dtd)) == [FluxLineError(2, message.replace("3", "2"))]


def test_a_plain_dtd_is_refused():
    prolog = '<?xml version="1.0"?>\n<!DOCTYPE Racine [\n<!ELEMENT Racine ANY>\n]>'
    assert read(flux(GOOD_BEFORE, prolog=prolog)) == [
        FluxLineError(4, "Le fichier contient une DTD (<!DOCTYPE>) : refusé (ligne 4)")
    ]


def test_bytes_that_are_not_utf_8_stop_the_file_on_their_line():
    text = flux(
        GOOD_BEFORE, dossier(matricule="200000000000000", persons=(person(prenom="Zoé", nir="1800175000009"),))
    )
    data = text.encode().replace("Zoé".encode(), "Zoé".encode("latin-1"))
    before, error = read(data)
    line = line_of(text, "Zoé")
    assert before.allocation_number == "100000000000000"
    assert error == FluxLineError(line, f"Le fichier n'est pas encodé en UTF-8 (ligne {line})")


def test_an_empty_file_and_an_unknown_encoding_are_refused():
    assert read(b"") == [FluxLineError(1, "Le fichier est vide (ligne 1)")]
    text = flux(GOOD_BEFORE, prolog='<?xml version="1.0" encoding="KLINGON-8"?>')
    assert read(text) == [FluxLineError(1, "Encodage « KLINGON-8 » non pris en charge (ligne 1)")]


def test_a_file_over_the_size_limit_stops_with_a_french_message():
    text = flux(*(GOOD_BEFORE for _ in range(200)))
    results = read(text, limits=Limits(max_bytes=64 * 1024))
    error = results[-1]
    assert isinstance(error, FluxLineError) and error.message.startswith(
        "Le fichier dépasse la taille maximale autorisée (64 Kio)"
    )
    assert all(isinstance(r, FluxRecord | FluxLineError) for r in results[:-1])


def test_a_field_over_the_length_limit_refuses_its_dossier():
    long_name = "A" * 300
    text, results = between(dossier(matricule="200000000000000", persons=(person(nom=long_name),)))
    assert_one_error_between(results, line_of(text, long_name), "Le champ NOM dépasse 255 caractères")


@pytest.mark.parametrize("received_on", [dt.date(2026, 3, 5)])
def test_the_received_day_is_the_bound_for_every_date(received_on):
    detail = "<FinDroit>\n<MOTICLORSA>ECH</MOTICLORSA>\n<DTCLORSA>2026-03-05</DTCLORSA>\n</FinDroit>"
    (record,) = read(flux(dossier(state="5", state_detail=detail)), received_on=received_on)
    assert isinstance(record, FluxRecord)
    (error,) = read(flux(dossier(state="5", state_detail=detail)), received_on=received_on - dt.timedelta(days=1))
    assert isinstance(error, FluxLineError) and error.message.startswith("Date dans le futur")


def test_an_endless_comment_or_tag_is_refused_before_it_fills_the_memory():
    text = flux(GOOD_BEFORE, "<!--" + "x" * (3 * 1024 * 1024), GOOD_AFTER)
    before, error = read(text, limits=Limits(max_token_bytes=1024 * 1024))
    assert before.allocation_number == "100000000000000"
    line = line_of(text, "<!--")
    assert error == FluxLineError(
        line,
        f"Une balise, un commentaire ou une valeur dépasse 1 Mio sans se terminer : lecture arrêtée (ligne {line})",
    )

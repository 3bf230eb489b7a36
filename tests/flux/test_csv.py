"""The partner CSV: one line per person, a dossier's lines together, the payers' codes."""

from __future__ import annotations

import datetime as dt

from workflows.flux.readers.partner_csv import COLUMNS
from workflows.flux.records import FluxLineError, FluxRecord, Payer, RightState

from .samples import read

HEADER = ";".join(COLUMNS)


def row(
    allocation: str = "100000000000000",
    state: str = "2",
    role: str = "DEM",
    nom: str = "MARTIN",
    prenom: str = "Léa",
    birth: str = "03/04/1985",
    nir: str = "2850475123456",
    subject: str = "1",
    request_date: str = "02/11/2025",
    origin: str = "",
    arrived: str = "",
    state_on: str = "",
    reason: str = "",
) -> str:
    dossier = [allocation, "00000010976", request_date, state, state_on, reason, origin, arrived]
    return ";".join([*dossier, role, nom, nom, prenom, birth, nir, subject])


def csv_text(*rows: str, header: str = HEADER) -> str:
    return "\n".join([header, *rows, ""])


def test_a_household_over_several_lines_is_one_record_on_its_first_line():
    text = csv_text(
        row(),
        row(role="CJT", prenom="Paul", nom="DURAND", birth="01/02/1983", nir="1830275123999", subject="0"),
        row(role="ENF", prenom="Lina", birth="07/06/2015", nir="", subject=""),
        row(
            allocation="200000000000000",
            state="5",
            state_on="28/02/2026",
            reason="ECH",
            nir="1800175000002",
            prenom="Jo",
        ),
    )
    first, second = read(text)
    assert isinstance(first, FluxRecord) and first.line_no == 2 and first.payer == Payer.PARTNER
    assert (first.allocation_number, first.right_state, first.request_date) == (
        "100000000000000",
        RightState.OPEN,
        dt.date(2025, 11, 2),
    )
    assert [(p.role, p.subject_to_rights_and_duties) for p in first.persons] == [
        ("DEM", True),
        ("CJT", False),
        ("ENF", False),
    ]
    assert first.persons[2].nir == "" and first.persons[0].birth_date == dt.date(1985, 4, 3)
    assert (second.line_no, second.right_state, second.right_state_on, second.state_reason_code) == (
        5,
        RightState.CLOSED,
        dt.date(2026, 2, 28),
        "ECH",
    )


def test_a_transfer_in_and_a_byte_order_mark():
    text = csv_text(row(origin="69", arrived="10/02/2026"))
    (record,) = read(("\ufeff" + text).encode())
    assert (record.transfer_from, record.transfer_on) == ("69", dt.date(2026, 2, 10))


def test_a_csv_is_recognised_by_its_name_or_its_content():
    text = csv_text(row())
    assert isinstance(read(text, filename="flux.csv")[0], FluxRecord)
    assert isinstance(read(text, filename="")[0], FluxRecord)


def good_then(bad: str, *more: str) -> list:
    return read(csv_text(row(), bad, *more, row(allocation="300000000000000", nir="1800175000003", prenom="Zed")))


def assert_kept_around(results, error: FluxLineError):
    before, got, after = results
    assert isinstance(before, FluxRecord) and before.allocation_number == "100000000000000"
    assert isinstance(after, FluxRecord) and after.allocation_number == "300000000000000"
    assert got == error


def test_an_unknown_state_code_is_refused_on_its_line():
    results = good_then(row(allocation="200000000000000", state="Z", nir="1800175000002", prenom="Jo"))
    assert_kept_around(results, FluxLineError(3, "Code d'état du droit inconnu « Z »", "200000000000000"))


def test_a_missing_field_a_bad_date_a_future_date_and_an_under_16_are_refused():
    cases = [
        (
            row(allocation="200000000000000", prenom="", nir="1800175000002"),
            "Champ obligatoire manquant : PRENOM (prénom)",
        ),
        (
            row(allocation="200000000000000", birth="1985-04-03", nir="1800175000002"),
            "Date invalide « 1985-04-03 » pour DTNAI (date de naissance) (format attendu JJ/MM/AAAA)",
        ),
        (
            row(allocation="200000000000000", request_date="06/03/2026", nir="1800175000002"),
            "Date dans le futur : DTDEMRSA (date de la demande) « 06/03/2026 » est postérieure à la date "
            "de réception du fichier (05/03/2026)",
        ),
        (
            row(allocation="200000000000000", birth="06/03/2010", nir="2100375123456"),
            "Personne soumise à droits et devoirs (rôle DEM) âgée de moins de 16 ans "
            "à la date de réception du fichier",
        ),
    ]
    for bad, message in cases:
        assert_kept_around(good_then(bad), FluxLineError(3, message, "200000000000000"))


def test_the_same_person_twice_is_refused_the_second_time():
    results = good_then(row(allocation="200000000000000", nom="AUTRE"))  # the first line's NIR again
    assert_kept_around(
        results, FluxLineError(3, "La même personne figure deux fois dans le fichier (même NIR)", "200000000000000")
    )


def test_a_line_with_the_wrong_number_of_columns_refuses_its_dossier():
    results = good_then("200000000000000;00000010976;02/11/2025;2")
    assert_kept_around(
        results, FluxLineError(3, "Nombre de colonnes incorrect : 15 attendues, 4 trouvées", "200000000000000")
    )


def test_lines_of_one_dossier_must_agree_and_be_together():
    disagree = good_then(
        row(allocation="200000000000000", nir="1800175000002", prenom="Jo"),
        row(allocation="200000000000000", state="5", nir="1800175000004", prenom="Al"),
    )
    assert_kept_around(
        disagree,
        FluxLineError(
            4, "Les lignes d'un même dossier doivent porter les mêmes valeurs (etat_droit)", "200000000000000"
        ),
    )
    apart = read(
        csv_text(
            row(),
            row(allocation="200000000000000", nir="1800175000002", prenom="Jo"),
            row(nir="1800175000005", prenom="Al"),
        )
    )
    assert isinstance(apart[0], FluxRecord) and isinstance(apart[1], FluxRecord)
    assert apart[2] == FluxLineError(
        4,
        "Les lignes d'un dossier doivent se suivre : ce numéro allocataire a déjà été lu plus haut",
        "100000000000000",
    )


def test_a_wrong_header_stops_the_file():
    assert read(csv_text(row(), header="matricule;etat")) == [
        FluxLineError(1, f"En-tête CSV invalide : colonnes attendues « {HEADER} » (ligne 1)")
    ]


def test_bytes_that_are_not_utf_8_stop_the_file_on_their_line():
    text = csv_text(
        row(),
        row(allocation="200000000000000", prenom="Zoé", nir="1800175000002"),
        row(allocation="300000000000000", nir="1800175000003"),
    )
    data = text.encode().replace("Zoé".encode(), "Zoé".encode("latin-1"))
    results = read(data)
    assert results == [FluxLineError(3, "Le fichier n'est pas encodé en UTF-8 (ligne 3)")]
    # the dossier being read when the file stops (line 2's) is not applied: its lines may go on


def test_an_unclosed_quote_stops_the_file():
    results = read(csv_text(row(), '200000000000000;"00000010976;02/11/2025'))
    assert results[-1].message.startswith("Le fichier CSV est mal formé")

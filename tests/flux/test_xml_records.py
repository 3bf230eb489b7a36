"""Each kind of dossier the CNAF/MSA XML carries becomes the record the importer expects."""

from __future__ import annotations

import datetime as dt

import pytest

from workflows.flux.records import FluxLineError, FluxRecord, Payer, RightState

from .samples import dossier, flux, line_of, person, read


def only_record(text: str) -> FluxRecord:
    (record,) = read(text)
    assert isinstance(record, FluxRecord), record
    return record


def test_an_entry_reads_the_household_and_who_is_subject_to_rights_and_duties():
    household = (
        person(),
        person(role="CJT", nom="DURAND", prenom="Paul", dtnai="1983-02-01", nir="1830275123999", subject="0"),
        person(role="ENF", prenom="Lina", dtnai="2015-06-07", nir=None, subject="0"),
    )
    text = flux(dossier(persons=household))
    record = only_record(text)
    assert record.line_no == line_of(text, "<InfosFoyerRSA>")
    assert (record.payer, record.allocation_number, record.request_number) == (
        Payer.CNAF,
        "123456700000000",
        "00000010976",
    )
    assert (record.right_state, record.right_state_code) == (RightState.OPEN, "2")
    assert record.request_date == dt.date(2025, 11, 2)
    assert record.transfer_from == "" and record.right_state_on is None
    dem, cjt, child = record.persons
    assert (dem.role, dem.last_name, dem.birth_name, dem.first_name) == ("DEM", "MARTIN", "MARTIN", "Léa")
    assert (dem.birth_date, dem.nir, dem.subject_to_rights_and_duties) == (dt.date(1985, 4, 3), "2850475123456", True)
    assert (cjt.role, cjt.subject_to_rights_and_duties) == ("CJT", False)
    assert (child.role, child.nir, child.birth_date) == ("ENF", "", dt.date(2015, 6, 7))
    assert record.household_size == 3


@pytest.mark.parametrize(
    ("code", "state"),
    [
        ("0", RightState.PENDING),
        ("1", RightState.CLOSED),
        ("2", RightState.OPEN),
        ("3", RightState.SUSPENDED),
        ("4", RightState.SUSPENDED),
        ("5", RightState.CLOSED),
        ("6", RightState.CLOSED),
    ],
)
def test_every_etatdosrsa_code_has_its_state(code, state):
    record = only_record(flux(dossier(state=code)))
    assert (record.right_state, record.right_state_code) == (state, code)


def test_a_payer_suspension_carries_its_reason_and_day():
    detail = (
        "<SuspensionVersement>\n<MOTISUSVERSRSA>06</MOTISUSVERSRSA>\n"
        "<DDSUSVERSRSA>2026-02-15</DDSUSVERSRSA>\n</SuspensionVersement>"
    )
    record = only_record(flux(dossier(state="4", state_detail=detail)))
    assert (record.right_state, record.state_reason_code, record.right_state_on) == (
        RightState.SUSPENDED,
        "06",
        dt.date(2026, 2, 15),
    )


def test_a_closure_carries_its_reason_and_day_from_findroit():
    detail = "<FinDroit>\n<MOTICLORSA>MUT</MOTICLORSA>\n<DTCLORSA>2026-02-28</DTCLORSA>\n</FinDroit>"
    record = only_record(flux(dossier(state="5", state_detail=detail)))
    assert (record.right_state, record.state_reason_code, record.right_state_on) == (
        RightState.CLOSED,
        "MUT",
        dt.date(2026, 2, 28),
    )


def test_a_transfer_in_names_the_departement_it_comes_from():
    cedant = (
        "<OrganismeCedant>\n<FONORGCEDMUT>CAF</FONORGCEDMUT>\n<NUMORGCEDMUT>691</NUMORGCEDMUT>\n"
        "<DDARRMUT>2026-02-10</DDARRMUT>\n</OrganismeCedant>"
    )
    record = only_record(flux(dossier(cedant=cedant)))
    assert (record.transfer_from, record.transfer_on) == ("69", dt.date(2026, 2, 10))
    overseas = only_record(flux(dossier(cedant=cedant.replace("691", "974"))))
    assert overseas.transfer_from == "974"


def test_the_msa_is_known_by_fonorg_or_by_the_sending_application():
    assert only_record(flux(dossier(fonorg="MSA"))).payer == Payer.MSA
    assert only_record(flux(dossier(fonorg=None), application="AGO")).payer == Payer.MSA
    assert only_record(flux(dossier(fonorg=None))).payer == Payer.CNAF


def test_a_file_with_a_default_namespace_on_its_root_is_read():
    text = flux(dossier()).replace("<Racine>", '<Racine xmlns="http://www.cnaf.fr/rsa">')
    record = only_record(text)
    assert record.persons[0].subject_to_rights_and_duties is True


def test_an_iso_8859_1_file_is_read_in_its_declared_encoding():
    text = flux(dossier(), prolog='<?xml version="1.0" encoding="ISO-8859-1"?>')
    record = only_record(text.encode("iso-8859-1"))
    assert record.persons[0].first_name == "Léa"


def test_the_relative_s_identity_is_not_taken_for_the_person_s():
    record = only_record(flux(dossier()))
    assert record.persons[0].birth_name == "MARTIN"  # not Rattachement/NOMNAI "PARENT"
    assert record.persons[0].birth_date == dt.date(1985, 4, 3)  # not its DTNAI in 2030


def test_records_come_one_by_one_before_the_file_is_finished():
    records = read(
        flux(
            *(
                dossier(matricule=f"{n:015d}", persons=(person(nir=f"28504751234{n:02d}", prenom=f"P{n}"),))
                for n in range(3)
            )
        )
    )
    assert [r.allocation_number for r in records] == [f"{n:015d}" for n in range(3)]
    assert not any(isinstance(r, FluxLineError) for r in records)

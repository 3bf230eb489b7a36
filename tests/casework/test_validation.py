"""What the engine accepts: one date window for every dated object (issue 13 point 3, issue 14
point 7) and bounded free text without NUL bytes (issue 13 point 7) — on the services (pages and
imports go through them), the forms and the API alike."""

import datetime as dt
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from rest_framework.test import APIClient

from casework.enums import PathwayState
from casework.models import (
    Consent,
    Contact,
    Contract,
    DiagnosticSection,
    Handover,
    PartnerRequest,
    PrivateNote,
    SensitiveAccessLog,
)
from casework.services import secrecy
from casework.text_limits import DIAGNOSTIC_SECTION_MAX_LENGTH, NOTE_MAX_LENGTH, REASON_MAX_LENGTH
from casework.validation import birth_date_check, date_window_check
from notifications.partners.services import partner_request_send
from tests.helpers import advance, at
from workflows.inputs.forms import SuspendForm
from workflows.services.balancing import delegation_create
from workflows.services.errors import TransitionInvalid
from workflows.services.events import contact_record, pathway_enter

pytestmark = pytest.mark.django_db
D = dt.date
S = PathwayState
ENTRY = D(2026, 8, 7)
TODAY = D(2026, 12, 3)


def client_for(pro):
    client = APIClient()
    client.force_authenticate(pro.user)
    return client


# --- the rule ----------------------------------------------------------------------------------


def test_the_message_names_the_date_and_the_entry():
    with pytest.raises(ValidationError) as exc:
        date_window_check(
            D(2020, 1, 1), today=TODAY, label="La date du contact", field="occurred_on", entered_on=ENTRY
        )
    assert exc.value.message_dict == {
        "occurred_on": ["La date du contact (01/01/2020) est antérieure à l'entrée dans le parcours (07/08/2026)."]
    }


@pytest.mark.parametrize(
    ("day", "accepted"),
    [(D(2036, 12, 3), True), (D(2036, 12, 4), False), (D(1899, 12, 31), False), (D(1900, 1, 1), True)],
)
def test_the_window_is_1900_to_ten_years_ahead(day, accepted):
    try:
        date_window_check(day, today=TODAY, label="La date", field="d")
    except ValidationError:
        assert not accepted
    else:
        assert accepted


def test_a_date_before_birth_is_refused():
    with pytest.raises(ValidationError, match="naissance"):
        date_window_check(D(1980, 1, 1), today=TODAY, label="La date", field="d", birth_date=D(1985, 6, 15))


@pytest.mark.parametrize(
    ("birth", "accepted"),
    [(D(1899, 12, 31), False), (D(1900, 1, 1), True), (D(2010, 12, 3), True), (D(2010, 12, 4), False)],
)
def test_birth_after_1900_and_at_least_16_on_entry(birth, accepted):
    try:
        birth_date_check(birth, on=TODAY)
    except ValidationError as exc:
        assert not accepted
        assert "birth_date" in exc.message_dict
    else:
        assert accepted


# --- every dated object ------------------------------------------------------------------------


def test_the_9999_contract_is_refused_so_a_backdated_suspension_can_be_resumed(world):
    """Issue 14, 7: a contract ending 31/12/9999, then a back-dated suspension, made every resume
    a 500 (OverflowError moving the renewal deadline). The contract is refused; the pathway resumes."""
    p = advance(world, world.enter(ENTRY), S.SOCIAL_TRACK, ENTRY)
    with pytest.raises(TransitionInvalid) as exc:
        world.t(p, "sign_contract", D(2026, 10, 1), kind="cer", starts_on=D(2026, 10, 1), ends_on=D(9999, 12, 31))
    assert "ends_on" in exc.value.errors
    assert "au-delà de 10 ans" in exc.value.errors["ends_on"][0]
    assert not Contract.objects.filter(ends_on=D(9999, 12, 31)).exists()
    world.t(p, "suspend", D(2026, 9, 1), suspension_reason="health", expected_resume_on=D(2026, 12, 1))
    world.t(p, "resume", D(2026, 11, 20))
    p.refresh_from_db()
    assert p.state == S.SOCIAL_TRACK


def test_the_9999_contract_is_a_400_on_the_api(world):
    p = advance(world, world.enter(ENTRY), S.SOCIAL_TRACK, ENTRY)
    response = client_for(world.referent).post(
        f"/api/v1/pathways/{p.pk}/transitions/",
        {"transition": "sign_contract", "kind": "cer", "starts_on": "2026-10-01", "ends_on": "9999-12-31"},
        format="json",
    )
    assert response.status_code == 400
    assert "au-delà de 10 ans" in response.json()["ends_on"][0]


def test_a_transition_dated_before_the_entry_is_refused_by_the_service(world):
    p = world.enter(ENTRY)
    with pytest.raises(TransitionInvalid) as exc:
        world.t(p, "close", D(2020, 1, 1), close_reason="moved_away")
    assert exc.value.errors["occurred_on"] == [
        "La date d'effet (01/01/2020) est antérieure à l'entrée dans le parcours (07/08/2026)."
    ]


def test_a_suspension_expected_to_end_in_eleven_years_is_refused_by_the_form(world):
    p = advance(world, world.enter(ENTRY), S.SOCIAL_TRACK, ENTRY)
    form = SuspendForm(
        data={"occurred_on": TODAY, "suspension_reason": "health", "expected_resume_on": D(2037, 12, 4)},
        pathway=p,
        today=TODAY,
    )
    assert not form.is_valid()
    assert "expected_resume_on" in form.errors


def test_a_contact_before_the_entry_is_refused_by_the_service(world):
    p = advance(world, world.enter(ENTRY), S.SOCIAL_TRACK, ENTRY)
    with pytest.raises(ValidationError) as exc:
        contact_record(p, occurred_on=D(2020, 1, 1), kind="interview", outcome="held", by=None, now=at(TODAY))
    assert exc.value.message_dict["occurred_on"] == [
        "La date du contact (01/01/2020) est antérieure à l'entrée dans le parcours (07/08/2026)."
    ]
    assert not Contact.objects.filter(pathway=p).exists()


def test_a_contact_before_the_entry_is_a_400_with_the_message_on_the_api(world):
    p = advance(world, world.enter(ENTRY), S.SOCIAL_TRACK, ENTRY)
    response = client_for(world.referent).post(
        f"/api/v1/pathways/{p.pk}/contacts/", {"occurred_on": "2020-01-01", "outcome": "held"}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["occurred_on"] == [
        "La date du contact (01/01/2020) est antérieure à l'entrée dans le parcours (07/08/2026)."
    ]


def test_a_consent_given_in_2019_is_refused(world):
    p = advance(world, world.enter(ENTRY), S.SOCIAL_TRACK, ENTRY)
    with pytest.raises(ValidationError) as exc:
        secrecy.consent_record(
            p, organisation=world.partner_org, given_on=D(2019, 5, 1), by=world.referent.user, now=at(TODAY)
        )
    assert "given_on" in exc.value.message_dict
    assert not Consent.objects.exists()


def test_a_partner_request_sent_before_the_entry_is_refused(world):
    p = advance(world, world.enter(ENTRY), S.SOCIAL_TRACK, ENTRY)
    with pytest.raises(ValidationError) as exc:
        partner_request_send(p, world.partner_org, "prescription", sent_on=D(2020, 1, 1), by=None, now=at(TODAY))
    assert "sent_on" in exc.value.message_dict
    assert not PartnerRequest.objects.exists()


def test_a_partner_request_before_the_entry_is_a_400_on_the_api(world):
    p = advance(world, world.enter(ENTRY), S.SOCIAL_TRACK, ENTRY)
    response = client_for(world.referent).post(
        "/api/v1/partner-requests/",
        {"pathway": p.pk, "organisation": world.partner_org.pk, "kind": "prescription", "sent_on": "2020-01-01"},
        format="json",
    )
    assert response.status_code == 400
    assert "antérieure à l'entrée dans le parcours" in response.json()["sent_on"][0]


def test_a_delegation_beyond_ten_years_is_refused(world):
    with pytest.raises(ValidationError) as exc:
        delegation_create(
            referent=world.referent,
            delegate=world.referent2,
            starts_on=TODAY,
            ends_on=D(2040, 1, 1),
            by=world.lead.user,
            today=TODAY,
        )
    assert "ends_on" in exc.value.message_dict


@pytest.mark.parametrize("birth_date", [D(1850, 1, 1), D(2020, 1, 1)])
def test_a_person_born_before_1900_or_younger_than_16_is_not_entered(world, birth_date):
    data = {"first_name": "A", "last_name": "B", "birth_date": birth_date, "territory": world.territory}
    with pytest.raises(ValidationError) as exc:
        pathway_enter(beneficiary_data=data, entered_on=ENTRY, by=world.officer.user, now=at(TODAY))
    assert "birth_date" in exc.value.message_dict


@pytest.mark.parametrize("birth_date", ["1850-01-01", "2020-01-01"])
def test_the_api_refuses_such_a_birth_date(world, birth_date):
    body = {
        "first_name": "Jeanne",
        "last_name": "Martin",
        "birth_date": birth_date,
        "territory": world.territory.code,
        "entered_on": ENTRY.isoformat(),
    }
    response = client_for(world.officer).post("/api/v1/beneficiaries/", body, format="json")
    assert response.status_code == 400
    assert "birth_date" in response.json()


# --- free text -----------------------------------------------------------------------------------


def test_free_text_fields_are_bounded_in_the_models():
    assert DiagnosticSection._meta.get_field("content").max_length == DIAGNOSTIC_SECTION_MAX_LENGTH == 10000
    assert PrivateNote._meta.get_field("content").max_length == NOTE_MAX_LENGTH == 2000
    assert Handover._meta.get_field("refusal_reason").max_length == REASON_MAX_LENGTH


def test_a_200000_character_reason_is_refused_by_the_transition_service(world):
    p = advance(world, world.enter(ENTRY), S.SOCIAL_TRACK, ENTRY)
    with pytest.raises(TransitionInvalid) as exc:
        world.t(p, "request_reorientation", D(2026, 10, 1), reason="x" * 200_000)
    assert "2000 caractères au plus" in exc.value.errors["reason"][0]


def test_an_overlong_diagnostic_section_is_refused(world):
    p = advance(world, world.enter(ENTRY), S.SOCIAL_TRACK, ENTRY)
    with pytest.raises(ValidationError) as exc:
        secrecy.diagnostic_section_save(p, kind="housing", content="a" * 10_001, by=world.referent.user, now=at(TODAY))
    assert "10000 caractères au plus" in exc.value.message_dict["content"][0]
    assert not DiagnosticSection.objects.exists()


def test_an_overlong_private_note_is_refused_not_truncated(world):
    p = advance(world, world.enter(ENTRY), S.SOCIAL_TRACK, ENTRY)
    with pytest.raises(ValidationError):
        secrecy.private_note_add(p, content="n" * 2001, by=world.referent.user, now=at(TODAY))
    assert not PrivateNote.objects.exists()


def test_a_nul_byte_in_a_diagnostic_section_is_a_message_not_a_500(world, client):
    p = advance(world, world.enter(ENTRY), S.SOCIAL_TRACK, ENTRY)
    client.force_login(world.referent.user)
    response = client.post(f"/parcours/{p.pk}/diagnostic/rubrique/", {"kind": "housing", "content": "avant\x00après"})
    assert response.status_code == 400  # the page again, the refusal beside the section
    assert "caractère nul" in response.content.decode()
    assert not DiagnosticSection.objects.exists()


@pytest.mark.parametrize(
    "field, base",
    [
        ("reason", {"transition": "request_reorientation", "reason": "motif"}),
        ("note", {"transition": "propose_handover", "note": "relais"}),
    ],
)
def test_the_api_refuses_nul_bytes_and_overlong_text_with_400(world, field, base):
    p = advance(world, world.enter(ENTRY), S.SOCIAL_TRACK, ENTRY)
    client = client_for(world.referent)
    url = f"/api/v1/pathways/{p.pk}/transitions/"
    if base["transition"] == "propose_handover":
        base = {**base, "incoming": world.referent2.pk}
    for value in ("a\x00b", "y" * 6000):
        response = client.post(url, {**base, field: value}, format="json")
        assert response.status_code == 400, (field, value[:5])
        assert field in response.json()
    assert not Handover.objects.exists()


def test_long_words_wrap_in_the_stylesheet():
    css = Path(settings.BASE_DIR, "static/css/filrouge.css").read_text()
    assert "overflow-wrap: anywhere" in css


def test_an_overlong_break_glass_justification_is_refused_and_nothing_is_read(world):
    p = advance(world, world.enter(ENTRY), S.SOCIAL_TRACK, ENTRY)
    with pytest.raises(ValidationError) as exc:
        secrecy.diagnostic_read(p, world.referent2.user, now=at(TODAY), break_glass=True, justification="j" * 2001)
    assert "justification" in exc.value.message_dict
    assert not SensitiveAccessLog.objects.exists()

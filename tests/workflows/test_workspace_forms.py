"""The forms of the pages (issue 13): explicit choices and a confirmation step with figures,
one-time tokens against double submits, errors beside the fields with what was typed kept,
conflicts in plain French, and the officer's and referent's forms pre-filled where they should be.
"""

from __future__ import annotations

import datetime as dt
import re
import threading
from html import unescape

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models.signals import pre_save
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from viewflow.workflow import STATUS
from viewflow.workflow.models import Task

from casework.enums import DeadlineStatus, PathwayState
from casework.models import Consent, Contact, Deadline, Delegation, Pathway, TransitionLog
from casework.services import deadlines as dl
from casework.services import secrecy
from tests.factories import track
from tests.helpers import advance, make_world
from workflows.models import FormSubmission
from workflows.pages.consequences import CONFIRMED_TRANSITIONS
from workflows.pages.form_tokens import ALREADY_DONE

pytestmark = pytest.mark.django_db
S = PathwayState
TOKEN = re.compile(r'name="form_token" value="([0-9a-f-]{36})"')


@pytest.fixture
def today():
    return timezone.localdate()


def accompanied(world, today, *, name: str, target=S.DIAGNOSTIC, days_ago: int = 10) -> Pathway:
    start = today - dt.timedelta(days=days_ago)
    return advance(world, world.enter(start - dt.timedelta(days=3), last_name=name), target, start)


def html(response) -> str:
    """The page's text with its entities decoded (an apostrophe is escaped as &#x27;)."""
    return unescape(response.content.decode())


def post_forms(body: str) -> list[str]:
    return re.findall(r'<form[^>]*method="post".*?</form>', body, flags=re.S)


def token_of(body: str, action: str) -> str:
    form = next(f for f in post_forms(body) if f'action="{action}"' in f)
    return TOKEN.search(form).group(1)


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


def open_task(pathway: Pathway) -> Task:
    return Task.objects.get(
        process__pathwayprocess__pathway=pathway,
        flow_task_type="HUMAN",
        status__in=[STATUS.NEW, STATUS.ASSIGNED],
    )


# --- 1. explicit choices, then a confirmation that says what will happen ----------------------


def test_every_consequential_transition_of_the_fsm_asks_for_a_confirmation():
    consequential = {"close", "suspend", "request_reorientation", "decide_reorientation", "refuse_handover"}
    assert consequential | {"end_followup", "start_job"} == CONFIRMED_TRANSITIONS


def test_closing_asks_for_a_reason_nothing_preselected(world, today, client):
    p = accompanied(world, today, name="Clore")
    client.force_login(world.referent.user)
    body = html(client.get(reverse("workspace:pathway", args=[p.pk])))
    select = re.search(r'<select name="close-close_reason".*?</select>', body, flags=re.S).group(0)
    first = re.search(r"<option[^>]*>([^<]*)</option>", select)
    assert first.group(0).startswith('<option value=""') and first.group(1) == "— Choisir —"
    assert "required" in select
    assert "selected" not in select.replace('<option value="" selected>', "")
    url = reverse("workspace:transition", args=[p.pk, "close"])
    response = client.post(url, {"close-occurred_on": today.isoformat()})
    assert response.status_code == 400
    assert 'id="close-close_reason_error"' in html(response) or 'id="id_close-close_reason_error"' in html(response)
    assert Pathway.objects.get(pk=p.pk).state == S.DIAGNOSTIC


def test_closing_shows_the_consequences_in_figures_then_applies_only_once_confirmed(world, today, client):
    p = accompanied(world, today, name="Clore")
    world.t(p, "propose_handover", today, incoming=world.referent2, note="Départ")
    live = Deadline.objects.filter(pathway=p, status__in=dl.LIVE).count()
    assert live >= 2
    client.force_login(world.referent.user)
    page = html(client.get(reverse("workspace:pathway", args=[p.pk])))
    url = reverse("workspace:transition", args=[p.pk, "close"])
    token = token_of(page, url)
    data = {"close-occurred_on": today.isoformat(), "close-close_reason": "moved_away", "form_token": token}

    confirm = client.post(url, data)
    assert confirm.status_code == 200
    body = html(confirm)
    assert f"{live} échéances en cours seront annulées." in body
    assert f"Le passage de relais proposé à {world.referent2} sera annulé." in body
    assert "Déménagement" in body  # the reason chosen, in words
    assert Pathway.objects.get(pk=p.pk).state == S.DIAGNOSTIC  # nothing applied yet
    assert not FormSubmission.objects.exists()  # the token is still unspent
    # The confirmation re-posts what was typed, the same token and confirm=1.
    (form,) = [f for f in post_forms(body) if f'action="{url}"' in f]
    assert f'value="{token}"' in form and 'name="confirm" value="1"' in form
    assert 'name="close-close_reason" value="moved_away"' in form

    edit = client.post(url, {**data, "confirm": "1", "edit": "1"})  # "Modifier": back to the form, filled in
    assert edit.status_code == 200 and Pathway.objects.get(pk=p.pk).state == S.DIAGNOSTIC
    assert '<option value="moved_away" selected>' in html(edit)
    done = client.post(url, {**data, "confirm": "1"})
    assert done.status_code == 302
    p.refresh_from_db()
    assert p.state == S.CLOSED
    assert Deadline.objects.filter(pathway=p, status__in=dl.LIVE).count() == 0
    assert Deadline.objects.filter(pathway=p, status=DeadlineStatus.CANCELLED, closed_on=today).count() >= live


CASES = {
    "close": (S.DIAGNOSTIC, "referent", {"close_reason": "moved_away"}, "Le parcours sera clos"),
    "suspend": (S.DIAGNOSTIC, "referent", {"suspension_reason": "health"}, "reprise prévue le"),
    "request_reorientation": (S.SOCIAL_TRACK, "referent", {"reason": "Projet pro"}, "service d'orientation"),
    "decide_reorientation": (S.REORIENTATION, "officer", {"accepted": "false"}, "La réorientation est refusée"),
    "start_job": (S.SOCIAL_TRACK, "referent", {"job_kind": "cdi"}, "suivi dans l'emploi"),
    "end_followup": (S.IN_WORK_FOLLOWUP, "referent", {"sustainable": "true"}, "Le parcours sera clos"),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_a_consequential_transition_is_only_applied_by_its_confirmation(world, today, client, name):
    state, actor, params, announced = CASES[name]
    p = accompanied(world, today, name="Confirmer", target=state)
    client.force_login(getattr(world, actor).user)
    data = {f"{name}-occurred_on": today.isoformat(), **{f"{name}-{k}": v for k, v in params.items()}}
    if name == "suspend":
        data[f"{name}-expected_resume_on"] = (today + dt.timedelta(days=30)).isoformat()
    url = reverse("workspace:transition", args=[p.pk, name])
    first = client.post(url, data)
    assert first.status_code == 200, html(first)
    assert announced in html(first) and "Confirmer" in html(first)
    assert Pathway.objects.get(pk=p.pk).state == state
    assert client.post(url, {**data, "confirm": "1"}).status_code == 302
    assert Pathway.objects.get(pk=p.pk).state != state


def test_refusing_a_handover_from_the_task_is_confirmed_first(world, today, client):
    p = accompanied(world, today, name="Relais")
    world.t(p, "propose_handover", today, incoming=world.referent2, note="Je pars")
    task = open_task(p)
    client.force_login(world.referent2.user)
    url = reverse("workspace:task-execute", args=[task.pk, "refuse_handover"])
    data = {"refuse_handover-occurred_on": today.isoformat(), "refuse_handover-reason": "Complet"}
    first = client.post(url, data)
    assert first.status_code == 200
    assert f"{world.referent} reste le référent du parcours" in html(first)
    assert Pathway.objects.get(pk=p.pk).handover_to == world.referent2
    client.post(url, {**data, "confirm": "1"})
    assert Pathway.objects.get(pk=p.pk).handover_to is None


# --- 2. one-time form tokens -----------------------------------------------------------------


def test_every_state_changing_form_of_the_pages_carries_a_one_time_token(world, today, client):
    p = accompanied(world, today, name="Formulaires")
    world.t(p, "propose_handover", today, incoming=world.referent2, note="Relais")
    oriented = world.enter(today, last_name="Aorienter")
    pages = [
        (world.referent, reverse("workspace:pathway", args=[p.pk])),
        (world.referent, reverse("security:diagnostic", args=[p.pk])),
        (world.referent2, reverse("workspace:task", args=[open_task(p).pk])),
        (world.officer, reverse("workspace:task", args=[open_task(oriented).pk])),
        (world.lead, reverse("dashboard:balancing") + f"?de={world.referent.pk}"),
    ]
    seen = 0
    for professional, url in pages:
        client.force_login(professional.user)
        response = client.get(url)
        assert response.status_code == 200, url
        for form in post_forms(html(response)):
            if "Se déconnecter" in form or "urgence" in form:  # logout; break-glass only reads
                continue
            assert TOKEN.search(form), f"{url}: {form[:200]}"
            seen += 1
    assert seen >= 12
    # Each rendered form gets its own token.
    body = html(client.get(reverse("dashboard:balancing") + f"?de={world.referent.pk}"))
    tokens = TOKEN.findall(body)
    assert len(tokens) == len(set(tokens)) >= 2


def test_a_double_submitted_missed_appointment_is_recorded_once_and_shows_the_first_outcome(world, today, client):
    p = accompanied(world, today, name="Doublon")
    client.force_login(world.referent.user)
    url = reverse("workspace:contact", args=[p.pk])
    token = token_of(html(client.get(reverse("workspace:pathway", args=[p.pk]))), url)
    data = {"outcome": "missed", "occurred_on": today.isoformat(), "kind": "interview", "form_token": token}
    first = client.post(url, data)
    second = client.post(url, data, follow=True)
    assert first.status_code == 302
    assert Contact.objects.filter(pathway=p).count() == 1
    assert second.redirect_chain[-1][0] == first["Location"]
    assert ALREADY_DONE in messages_of(second)


def test_a_double_submitted_contact_with_htmx_is_recorded_once_and_the_page_gets_a_fresh_token(world, today, client):
    p = accompanied(world, today, name="Doublon")
    client.force_login(world.referent.user)
    url = reverse("workspace:contact", args=[p.pk])
    token = token_of(html(client.get(reverse("workspace:pathway", args=[p.pk]))), url)
    data = {"outcome": "held", "occurred_on": today.isoformat(), "form_token": token}
    first = client.post(url, data, HTTP_HX_REQUEST="true")
    assert first.status_code == 200 and 'id="pathway-live"' in html(first)
    # The contact form is swapped out of band with a new token, so the next contact is recorded.
    fresh = token_of(html(first), url)
    assert fresh != token and 'hx-swap-oob="true"' in html(first)
    replay = client.post(url, data, HTTP_HX_REQUEST="true")
    assert replay["HX-Redirect"] == reverse("workspace:pathway", args=[p.pk])
    assert Contact.objects.filter(pathway=p).count() == 1
    client.post(url, {**data, "form_token": fresh}, HTTP_HX_REQUEST="true")
    assert Contact.objects.filter(pathway=p).count() == 2


def test_a_confirmed_close_posted_twice_closes_once_without_a_conflict_page(world, today, client):
    p = accompanied(world, today, name="Doublon")
    client.force_login(world.referent.user)
    url = reverse("workspace:transition", args=[p.pk, "close"])
    token = token_of(html(client.get(reverse("workspace:pathway", args=[p.pk]))), url)
    data = {"close-occurred_on": today.isoformat(), "close-close_reason": "moved_away", "form_token": token}
    data["confirm"] = "1"
    assert client.post(url, data).status_code == 302
    second = client.post(url, data, follow=True)
    assert second.status_code == 200
    assert ALREADY_DONE in messages_of(second)
    assert TransitionLog.objects.filter(pathway=p, transition="close").count() == 1


def test_a_refused_form_leaves_its_token_for_the_corrected_one(world, today, client):
    p = accompanied(world, today, name="Corrige")
    client.force_login(world.referent.user)
    url = reverse("workspace:contact", args=[p.pk])
    token = token_of(html(client.get(reverse("workspace:pathway", args=[p.pk]))), url)
    bad = client.post(url, {"outcome": "held", "occurred_on": "31/02/2026", "form_token": token})
    assert bad.status_code == 400
    good = client.post(url, {"outcome": "held", "occurred_on": today.isoformat(), "form_token": token})
    assert good.status_code == 302 and Contact.objects.filter(pathway=p).count() == 1


def test_a_token_is_personal(world, today, client):
    p = accompanied(world, today, name="Jeton")
    client.force_login(world.referent.user)
    url = reverse("workspace:contact", args=[p.pk])
    token = token_of(html(client.get(reverse("workspace:pathway", args=[p.pk]))), url)
    client.post(url, {"outcome": "held", "form_token": token})
    client.force_login(world.lead.user)
    response = client.post(url, {"outcome": "held", "form_token": token})
    assert response.status_code == 400 and Contact.objects.filter(pathway=p).count() == 1
    assert "Ce formulaire n'est plus valable" in html(response)  # the project's page, in French


@pytest.mark.django_db(transaction=True)
def test_a_real_double_click_two_concurrent_posts_of_one_token_record_one_contact(needs_postgres):
    world = make_world()
    today = timezone.localdate()
    p = accompanied(world, today, name="Concurrent")
    url = reverse("workspace:contact", args=[p.pk])
    clients = [Client(), Client()]
    for c in clients:
        c.force_login(world.referent.user)
    token = token_of(html(clients[0].get(reverse("workspace:pathway", args=[p.pk]))), url)
    data = {"outcome": "missed", "occurred_on": today.isoformat(), "form_token": token}
    first_inside = threading.Event()

    def slow_first_contact(sender, instance, **kwargs):
        # The first request holds its transaction a while, so the second really runs meanwhile.
        if not first_inside.is_set():
            first_inside.set()
            threading.Event().wait(0.5)

    statuses = {}

    def run(label, c):
        try:
            statuses[label] = c.post(url, data).status_code
        finally:
            connection.close()

    pre_save.connect(slow_first_contact, sender=Contact)
    a = threading.Thread(target=run, args=("a", clients[0]))
    b = threading.Thread(target=run, args=("b", clients[1]))
    try:
        a.start()
        assert first_inside.wait(5)
        b.start()
        a.join(15)
        b.join(15)
    finally:
        pre_save.disconnect(slow_first_contact, sender=Contact)
    assert statuses == {"a": 302, "b": 302}
    assert Contact.objects.filter(pathway=p).count() == 1
    assert FormSubmission.objects.filter(token=token).count() == 1


# --- 8. errors beside the fields, what was typed kept; conflicts in plain French ---------------


def test_an_invalid_contact_date_is_shown_beside_the_field_with_the_comment_kept(world, today, client):
    p = accompanied(world, today, name="Datefausse")
    client.force_login(world.referent.user)
    url = reverse("workspace:contact", args=[p.pk])
    data = {"outcome": "held", "occurred_on": "2026-02-31", "kind": "phone", "comment": "Appel du matin"}
    response = client.post(url, data)
    assert response.status_code == 400
    body = html(response)
    assert 'id="contact-occurred_on_error"' in body and "Saisissez une date valide" in body
    assert re.search(r'<input[^>]*aria-invalid="true"[^>]*id="contact-occurred_on"', body)
    assert "Appel du matin" in body and '<option value="phone" selected>' in body
    # With HTMX (the page's way): the form with its error replaces the form; htmx swaps a 200.
    hx = client.post(url, data, HTTP_HX_REQUEST="true")
    assert hx.status_code == 200
    assert hx["HX-Retarget"] == "#contact-section" and hx["HX-Reswap"] == "outerHTML"
    assert "Saisissez une date valide" in html(hx) and "Appel du matin" in html(hx)
    assert not Contact.objects.filter(pathway=p).exists()


def test_the_consent_form_shows_its_errors_beside_the_fields_not_a_bare_page(world, today, client):
    p = accompanied(world, today, name="Consent")
    client.force_login(world.referent.user)
    url = reverse("security:consent-create", args=[p.pk])
    tomorrow = (today + dt.timedelta(days=1)).isoformat()
    response = client.post(url, {"organisation": "", "given_on": tomorrow})
    assert response.status_code == 400
    body = html(response)
    assert "<h1>" in body and "Diagnostic partagé" in body  # the page, not "Organisation ou date invalide."
    assert 'id="consent-organisation_error"' in body and 'id="consent-given_on_error"' in body
    assert f'value="{tomorrow}"' in body
    assert not Consent.objects.exists()


def test_a_domain_rule_of_the_consent_service_is_shown_beside_its_field(world, today, client, monkeypatch):
    p = accompanied(world, today, name="Consent")

    def refuse(*args, **kwargs):
        raise ValidationError({"given_on": "La date précède l'entrée dans le parcours."})

    monkeypatch.setattr(secrecy, "consent_record", refuse)
    client.force_login(world.referent.user)
    response = client.post(
        reverse("security:consent-create", args=[p.pk]),
        {"organisation": world.partner_org.pk, "given_on": "2019-05-02"},
    )
    assert response.status_code == 400
    error = re.search(r'id="consent-given_on_error">(.*?)</div>', html(response), flags=re.S).group(1)
    assert "précède l'entrée" in error and 'value="2019-05-02"' in html(response)


def test_a_domain_rule_of_the_transition_service_is_shown_beside_its_field(world, today, client, monkeypatch):
    from workflows.pages import workspace as views

    p = accompanied(world, today, name="Regle")

    def refuse(*args, **kwargs):
        raise ValidationError({"occurred_on": "La date d'effet précède l'entrée dans le parcours."})

    monkeypatch.setattr(views, "pathway_transition", refuse)
    client.force_login(world.referent.user)
    data = {"propose_handover-occurred_on": today.isoformat(), "propose_handover-incoming": world.referent2.pk}
    data["propose_handover-note"] = "Ma note de relais"
    response = client.post(reverse("workspace:transition", args=[p.pk, "propose_handover"]), data)
    assert response.status_code == 400
    body = html(response)
    error = re.search(r'id="id_propose_handover-occurred_on_error">(.*?)</div>', body, flags=re.S).group(1)
    assert "précède l'entrée" in error and "Ma note de relais" in body


def test_the_delegation_form_comes_back_filled_in_with_its_error_beside_the_field(world, today, client):
    client.force_login(world.lead.user)
    starts, ends = today + dt.timedelta(days=10), today + dt.timedelta(days=5)
    data = {
        "d-referent": world.referent.pk,
        "d-delegate": world.referent2.pk,
        "d-starts_on": starts.isoformat(),
        "d-ends_on": ends.isoformat(),
    }
    response = client.post(reverse("dashboard:delegation"), data)
    assert response.status_code == 400
    body = html(response)
    form = re.search(r'<form[^>]*id="delegation-form".*?</form>', body, flags=re.S).group(0)
    assert 'id="id_d-ends_on_error"' in form and "La fin précède le début." in form
    assert re.search(r'<input[^>]*aria-invalid="true"[^>]*id="id_d-ends_on"', form)
    assert f'<option value="{world.referent.pk}" selected>' in form
    assert f'<option value="{world.referent2.pk}" selected>' in form
    assert starts.strftime("%d/%m/%Y") in form or starts.isoformat() in form
    assert not Delegation.objects.exists()


def test_accepting_a_handover_already_accepted_in_another_tab_says_so_in_plain_french(world, today, client):
    p = accompanied(world, today, name="Deuxonglets")
    world.t(p, "propose_handover", today, incoming=world.referent2, note="Relais")
    task = open_task(p)
    client.force_login(world.referent2.user)
    client.get(reverse("workspace:task", args=[task.pk]))  # tab 1 shows the form
    world.t(p, "accept_handover", today)  # tab 2 accepts
    response = client.post(
        reverse("workspace:task-execute", args=[task.pk, "accept_handover"]),
        {"accept_handover-occurred_on": today.isoformat()},
    )
    assert response.status_code == 409
    body = html(response)
    assert "accept_handover" not in body and "(Terminé)" not in body
    assert "Accepter le passage de relais" in body and "Cette tâche a été traitée" in body
    assert reverse("workspace:pathway", args=[p.pk]) in body and reverse("workspace:tasks") in body


def test_a_transition_no_longer_possible_from_the_pathway_page_is_a_plain_409(world, today, client):
    p = accompanied(world, today, name="Deja")
    client.force_login(world.referent.user)
    world.t(p, "close", today, close_reason="moved_away")  # closed in another tab
    data = {"suspend-occurred_on": today.isoformat(), "suspend-suspension_reason": "health"}
    data["suspend-expected_resume_on"] = (today + dt.timedelta(days=9)).isoformat()
    data["confirm"] = "1"
    response = client.post(reverse("workspace:transition", args=[p.pk, "suspend"]), data)
    assert response.status_code == 409
    body = html(response)
    assert "« Suspendre le parcours » n'a pas été enregistré" in body and "« Clos »" in body
    assert "suspend »" not in body and reverse("workspace:pathway", args=[p.pk]) in body


@pytest.mark.parametrize("name", ["propose_handover", "accept_handover", "suspend"])
def test_a_refused_transition_is_named_in_words_not_by_its_code(world, today, name):
    from workflows.services.errors import TransitionConflict
    from workflows.services.transitions import TRANSITION_LABELS

    p = accompanied(world, today, name="Code")
    world.t(p, "close", today, close_reason="moved_away")
    with pytest.raises(TransitionConflict) as refused:
        world.t(p, name, today, by=world.referent)
    assert name not in refused.value.message
    assert f"« {TRANSITION_LABELS[name]} » n'est pas possible depuis l'état « Clos »" in refused.value.message


def test_a_finished_task_says_who_did_it_in_a_sentence(world, today, client):
    p = world.enter(today, last_name="Fini")
    task = open_task(p)
    world.t(p, "orient", today, organisation=world.dept, track=track("social"))
    task.refresh_from_db()
    client.force_login(world.officer.user)
    body = html(client.get(reverse("workspace:task", args=[task.pk])))
    status = re.search(r'data-testid="task-status">(.*?)</p>', body, flags=re.S).group(1)
    assert "(Terminé)" not in status and "Terminée" not in status
    assert status.startswith("Cette tâche a été")


# --- 15. the officer's and the referent's forms --------------------------------------------------


def test_the_orientation_decision_is_prefilled_with_the_suggestion_and_can_be_changed(world, today, client):
    p = world.enter(today, last_name="Suggere")
    task = open_task(p)
    client.force_login(world.officer.user)
    page = client.get(reverse("workspace:task", args=[task.pk]))
    suggestion = page.context["suggestion"]
    assert suggestion.organisation is not None and suggestion.track is not None
    (orient,) = [f["form"] for f in page.context["forms"] if f["name"] == "orient"]
    body = html(page)
    assert f'<option value="{suggestion.organisation.pk}" selected>' in body
    assert f'<option value="{suggestion.track.code}" selected>' in body
    assert orient["organisation"].value() == suggestion.organisation.pk
    other = world.partner_org if suggestion.organisation != world.partner_org else world.dept
    client.post(
        reverse("workspace:task-execute", args=[task.pk, "orient"]),
        {"orient-occurred_on": today.isoformat(), "orient-organisation": other.pk, "orient-track": "social"},
    )
    assert Pathway.objects.get(pk=p.pk).organisation == other


def test_the_handover_form_names_each_referents_organisation_and_has_one_note(world, today, client):
    p = accompanied(world, today, name="Relais")
    client.force_login(world.referent.user)
    page = client.get(reverse("workspace:pathway", args=[p.pk]))
    (form,) = [a["form"] for a in page.context["actions"] if a["name"] == "propose_handover"]
    assert list(form.fields) == ["occurred_on", "incoming", "note"]
    assert f"{world.referent2} — {world.referent2.organisation}" in html(page)


def test_the_contact_form_takes_a_comment_shown_in_the_timeline(world, today, client):
    p = accompanied(world, today, name="Commente")
    client.force_login(world.referent.user)
    url = reverse("workspace:contact", args=[p.pk])
    client.post(url, {"outcome": "missed", "occurred_on": today.isoformat(), "comment": "Prévenu par SMS"})
    assert Contact.objects.get(pathway=p).comment == "Prévenu par SMS"
    assert "Prévenu par SMS" in html(client.get(reverse("workspace:pathway", args=[p.pk])))
    too_long = client.post(url, {"outcome": "missed", "comment": "x" * 1001})
    assert too_long.status_code == 400 and Contact.objects.filter(pathway=p).count() == 1

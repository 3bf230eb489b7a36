"""Browser journeys of issue 13, points 1, 2, 8 and 11, as a person meets them in the pages.

1. Closing a pathway: no reason chosen for the referent, a confirmation page that says what
   will happen (with the real count of deadlines cancelled), "Modifier" keeps what was typed.
2. A double click, or the same form posted again, records one contact.
8. Errors beside the field with what was typed kept; a conflict (a handover accepted in another
   tab) explained in plain French with the way on.
11. The orientation queue by the legal clock: the most overdue first, each row with its days.
"""

from __future__ import annotations

import datetime as dt
from importlib import import_module

import pytest
from django.utils import timezone

from casework.enums import CloseReason, ContactOutcome, PathwayState
from casework.models import Contact, Deadline, Pathway
from casework.services.deadlines import LIVE
from tests.e2e.conftest import PASSWORD, login
from tests.helpers import advance, make_world, open_tasks

S = PathwayState

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture(autouse=True)
def reference_data(transactional_db):
    """Tracks, delay and orientation rules: another transactional test may have flushed them."""
    from django.apps import apps

    import_module("casework.migrations.0002_defaults").load_defaults(apps, None)


@pytest.fixture
def today() -> dt.date:
    return timezone.localdate()


def fr(day: dt.date) -> str:
    return f"{day:%d/%m/%Y}"


def live_deadlines(pathway: Pathway) -> int:
    return Deadline.objects.filter(pathway=pathway, status__in=LIVE).count()


def test_referent_closes_a_pathway_only_after_choosing_a_reason_and_confirming_what_will_happen(
    browser, live_server, today, assert_accessible
):
    world = make_world("clore")
    entered = today - dt.timedelta(days=30)
    p = advance(world, world.enter(entered, last_name="Aclore"), S.DIAGNOSTIC, entered + dt.timedelta(days=1))
    open_deadlines = live_deadlines(p)
    assert open_deadlines >= 2  # the confirmation's sentence is then in the plural

    page = login(browser, live_server, world.referent.user.username)
    page.goto(f"{live_server.url}/parcours/{p.pk}/")
    action = page.locator('[data-action="close"]')
    action.locator("summary").click()
    reason = action.get_by_label("Motif de sortie")
    assert reason.input_value() == ""  # nothing is chosen for the referent
    assert reason.locator("option:checked").inner_text() == "— Choisir —"

    # No reason: refused beside the field, nothing closed.
    action.get_by_role("button", name="Clore le parcours").click()
    page.wait_for_load_state("load")
    action = page.locator('[data-action="close"]')
    reason = action.get_by_label("Motif de sortie")
    assert reason.get_attribute("aria-invalid") == "true"
    error = page.locator(f"#{reason.get_attribute('id')}_error")
    assert "obligatoire" in error.inner_text()
    assert error.get_attribute("id") in reason.get_attribute("aria-describedby")
    assert_accessible(page)
    assert Pathway.objects.get(pk=p.pk).state == S.DIAGNOSTIC

    # A reason and a comment: the confirmation says what will happen, in figures.
    reason.select_option(value=CloseReason.MOVED_AWAY)
    action.get_by_label("Motif / commentaire").fill("Déménagement dans la Vienne.")
    action.get_by_role("button", name="Clore le parcours").click()
    confirmation = page.get_by_test_id("confirmation")
    confirmation.wait_for()
    consequences = page.get_by_test_id("consequences").inner_text()
    assert f"Le parcours sera clos au {fr(today)} (motif : {CloseReason.MOVED_AWAY.label})." in consequences
    assert f"{open_deadlines} échéances en cours seront annulées." in consequences
    assert f"{world.referent} ne sera plus le référent de ce parcours." in consequences
    assert_accessible(page)
    assert Pathway.objects.get(pk=p.pk).state == S.DIAGNOSTIC  # nothing applied yet

    # "Modifier": back to the form, filled in as it was typed.
    confirmation.get_by_role("button", name="Modifier").click()
    page.wait_for_url(f"{live_server.url}/parcours/{p.pk}/**")
    action = page.locator('[data-action="close"]')
    assert action.get_attribute("open") is not None
    assert action.get_by_label("Motif de sortie").input_value() == CloseReason.MOVED_AWAY
    assert action.get_by_label("Motif / commentaire").input_value() == "Déménagement dans la Vienne."
    assert Pathway.objects.get(pk=p.pk).state == S.DIAGNOSTIC

    # Submitted again and confirmed: closed, its deadlines cancelled.
    action.get_by_role("button", name="Clore le parcours").click()
    page.get_by_test_id("confirmation").get_by_role("button", name="Confirmer : Clore le parcours").click()
    page.wait_for_url(f"{live_server.url}/parcours/{p.pk}/")
    assert "« Clore le parcours » enregistré." in page.locator(".messages").inner_text()
    assert page.get_by_test_id("state").inner_text() == S.CLOSED.label
    assert_accessible(page)
    closed = Pathway.objects.get(pk=p.pk)
    assert (closed.state, closed.close_reason, closed.closed_on) == (S.CLOSED, CloseReason.MOVED_AWAY, today)
    assert live_deadlines(closed) == 0
    page.context.close()


def test_a_double_click_or_the_same_form_posted_again_records_one_contact(browser, live_server, today):
    world = make_world("double")
    entered = today - dt.timedelta(days=20)
    p = advance(world, world.enter(entered, last_name="Double"), S.DIAGNOSTIC, entered + dt.timedelta(days=1))
    pathway_url = f"{live_server.url}/parcours/{p.pk}/"
    missed = Contact.objects.filter(pathway=p, outcome=ContactOutcome.MISSED)

    # With the page's scripts (htmx): a double click on "Rendez-vous manqué".
    page = login(browser, live_server, world.referent.user.username, check=False)
    page.goto(pathway_url)
    form = page.locator("form.contact-form")
    form.get_by_label("Commentaire").fill("Absent, relancé par courrier.")
    form.get_by_role("button", name="Rendez-vous manqué").dblclick()
    page.locator("#pathway-live .msg-success").wait_for()
    page.wait_for_load_state("networkidle")
    assert missed.count() == 1
    assert "manqué enregistré" in page.locator("#pathway-live .msg-success").inner_text()
    page.context.close()

    # Without scripts the browser posts the form itself. On a slow network the first answer is
    # late and the person clicks again: both POSTs reach the server with the same one-time token.
    context = browser.new_context(locale="fr-FR", java_script_enabled=False)
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.goto(f"{live_server.url}/connexion/")
    page.get_by_label("Identifiant").fill(world.referent.user.username)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url(lambda url: "/connexion/" not in url)
    page.goto(pathway_url)
    form = page.locator("form.contact-form")
    form.get_by_label("Commentaire").fill("Absent une deuxième fois.")
    sent = {name: form.locator(f'[name="{name}"]').input_value() for name in ("csrfmiddlewaretoken", "form_token")}
    held, answers = [], []

    def slow_network(route):
        """The first POST is slow to reach the server; when the second is sent, both go, in order."""
        held.append(route)
        if len(held) == 2:
            answers.extend(each.fetch(max_redirects=0) for each in held)
            route.fulfill(response=answers[1])  # the browser shows the answer to its last request

    page.route("**/contact/", slow_network)
    button = form.get_by_role("button", name="Rendez-vous manqué").bounding_box()
    x, y = button["x"] + button["width"] / 2, button["y"] + button["height"] / 2
    with page.expect_request("**/contact/"):
        page.mouse.click(x, y)
    with page.expect_request("**/contact/"):
        page.mouse.click(x, y)
    page.locator(".messages").wait_for()
    assert [a.status for a in answers] == [302, 302]  # both reached the server
    assert missed.count() == 2  # the first page's contact, and one for this form
    assert "Cette action avait déjà été enregistrée." in page.locator(".messages").inner_text()
    assert "Absent une deuxième fois." in page.locator("#pathway-live").inner_text()  # the first result
    held[0].abort()  # the first request's answer, never shown: the browser left it for the second

    # The same form posted again (a resubmission, a second tab): nothing recorded, the first result.
    response = context.request.post(
        f"{live_server.url}/parcours/{p.pk}/contact/",
        form={
            **sent,
            "occurred_on": today.isoformat(),
            "kind": "interview",
            "comment": "Absent une deuxième fois.",
            "outcome": "missed",
        },
    )
    assert response.ok and response.url == pathway_url
    assert "Cette action avait déjà été enregistrée." in response.text()
    assert missed.count() == 2
    context.close()


def test_a_wrong_date_is_explained_beside_the_field_and_a_handover_accepted_twice_in_plain_french(
    browser, live_server, today, assert_accessible
):
    world = make_world("erreurs")
    entered = today - dt.timedelta(days=20)
    p = advance(world, world.enter(entered, last_name="Erreurs"), S.DIAGNOSTIC, entered + dt.timedelta(days=1))
    world.t(p, "propose_handover", today, incoming=world.referent2, note="Déménagement à Niort.")

    # A contact dated before the pathway's entry: the message beside the date, what was typed kept.
    page = login(browser, live_server, world.referent.user.username, check=False)
    page.goto(f"{live_server.url}/parcours/{p.pk}/")
    form = page.locator("form.contact-form")
    before_entry = entered - dt.timedelta(days=10)
    form.get_by_label("Date").fill(before_entry.isoformat())
    form.get_by_label("Commentaire").fill("Entretien au CCAS, pièces demandées.")
    form.get_by_role("button", name="Contact honoré").click()
    error = page.locator("#contact-occurred_on_error")
    error.wait_for()
    assert error.inner_text() == (
        f"La date du contact ({fr(before_entry)}) est antérieure à l'entrée dans le parcours ({fr(entered)})."
    )
    date = page.locator("form.contact-form").get_by_label("Date")
    assert "contact-occurred_on_error" in date.get_attribute("aria-describedby").split()
    assert date.get_attribute("aria-invalid") == "true"
    assert date.input_value() == before_entry.isoformat()
    assert page.locator("form.contact-form").get_by_label("Commentaire").input_value() == (
        "Entretien au CCAS, pièces demandées."
    )
    assert_accessible(page)
    assert not Contact.objects.filter(pathway=p).exists()
    page.context.close()

    # The incoming referent opens the handover task in two tabs and accepts it in both.
    task_url = f"{live_server.url}/taches/{open_tasks(p)[0].pk}/"
    tab_a = login(browser, live_server, world.referent2.user.username, check=False)
    tab_a.goto(task_url)
    tab_b = tab_a.context.new_page()
    tab_b.goto(task_url)
    accept = '[data-action="accept_handover"]'
    tab_a.locator(accept).get_by_role("button", name="Accepter le passage de relais").click()
    tab_a.wait_for_url(f"{live_server.url}/taches/")
    with tab_b.expect_response(lambda r: r.request.method == "POST") as answer:
        tab_b.locator(accept).get_by_role("button", name="Accepter le passage de relais").click()
    assert answer.value.status == 409
    conflict = tab_b.get_by_test_id("conflict")
    text = conflict.inner_text()
    assert "« Accepter le passage de relais » n'a pas été enregistré" in text
    assert f"Cette tâche a été traitée par {world.referent2}" in text
    assert "Rien n'a été modifié par votre demande." in text
    body = tab_b.locator("body").inner_text()
    for internal in ("accept_handover", "Terminé", "Conflict"):
        assert internal not in body
    assert_accessible(tab_b)
    conflict.get_by_role("link", name="Voir le parcours tel qu'il est maintenant").click()
    tab_b.wait_for_url(f"{live_server.url}/parcours/{p.pk}/")
    assert tab_b.get_by_test_id("referent").inner_text() == str(world.referent2)
    assert Pathway.objects.get(pk=p.pk).referent_id == world.referent2.pk
    tab_a.context.close()


def test_the_orientation_officer_sees_the_most_overdue_orientation_first_with_its_days(
    browser, live_server, today, assert_accessible
):
    world = make_world("file")
    # Entered in this order (the tasks are created in it), due 42 days after entry.
    recent = world.enter(today - dt.timedelta(days=10), last_name="Recente")
    oldest = world.enter(today - dt.timedelta(days=60), last_name="Plusancienne")
    older = world.enter(today - dt.timedelta(days=50), last_name="Ancienne")

    page = login(browser, live_server, world.officer.user.username, lands_on="/taches/")
    rows = page.get_by_test_id("queue").locator("li[data-task]")
    expected = [
        (oldest, "en retard de 18 j"),
        (older, "en retard de 8 j"),
        (recent, "dans 32 j"),
    ]
    assert rows.count() == len(expected)
    for row, (pathway, delay) in zip(rows.all(), expected, strict=True):
        text = row.inner_text()
        due = pathway.entered_on + dt.timedelta(days=42)
        assert str(pathway.beneficiary) in text
        assert f"entrée le {fr(pathway.entered_on)}" in text
        assert f"échéance le {fr(due)} — {delay}" in text
        assert "créée le" not in text
        late = "late" in (row.get_by_test_id("task-due").get_attribute("class") or "")
        assert late == delay.startswith("en retard")
    assert_accessible(page)
    page.context.close()

"""Deadline rows opened, met, cancelled, restarted and paused by the services (SPEC "Delays")."""

import datetime as dt

import pytest

from casework.enums import DeadlineStatus, DurationUnit, RecipientRole, RuleCode
from casework.models import Deadline, DelayRule
from tests.factories import track
from tests.helpers import advance, at, make_world
from workflows.services.events import contact_record

pytestmark = pytest.mark.django_db
D = dt.date


def live(pathway, code):
    return Deadline.objects.get(pathway=pathway, rule_code=code, status__in=["open", "suspended"])


def test_entry_opens_orientation_due_after_six_weeks_with_whit_monday_alert_moved(world):
    p = world.enter(D(2027, 4, 12))
    d = live(p, RuleCode.ORIENTATION)
    assert (d.starts_on, d.due_on) == (D(2027, 4, 12), D(2027, 5, 24))
    assert d.due_soon_alert_on == D(2027, 5, 14)  # J-7 is Whit Monday 17 May → Friday 14
    assert d.due_alert_on == D(2027, 5, 24)
    assert d.overdue_alert_on == D(2027, 6, 8)  # J+15


def test_orientation_meets_its_deadline_and_opens_assignment_and_contract(world):
    p = world.enter(D(2027, 3, 1))
    world.t(p, "orient", D(2027, 3, 31), organisation=world.dept, track=track("social"))
    assert Deadline.objects.get(pathway=p, rule_code=RuleCode.ORIENTATION).status == DeadlineStatus.MET
    assert live(p, RuleCode.CONTRACT).due_on == D(2027, 4, 30)  # 31 Mar + 1 month
    assert live(p, RuleCode.REFERENT_ASSIGNMENT).due_on == D(2027, 4, 7)


def test_new_orientation_decision_restarts_the_contract_clock(world):
    p = advance(world, world.enter(D(2026, 1, 5)), "reorientation", D(2026, 1, 10))
    # A contract was signed, so the first contract clock is met; request + accept a reorientation
    world.t(p, "decide_reorientation", D(2026, 3, 2), accepted=True, track=track("professional"))
    d = live(p, RuleCode.CONTRACT)
    assert (d.starts_on, d.due_on) == (D(2026, 3, 2), D(2026, 4, 2))


def test_reorienting_before_contract_cancels_the_old_clock_and_starts_a_new_one(world):
    p = world.enter(D(2026, 1, 5))
    world.t(p, "orient", D(2026, 1, 10), organisation=world.dept, track=track("social"))
    world.t(p, "assign_referent", D(2026, 1, 12), referent=world.referent)
    world.t(p, "request_reorientation", D(2026, 1, 20), reason="Projet professionnel")
    world.t(p, "decide_reorientation", D(2026, 1, 25), accepted=True, organisation=world.partner_org)
    contracts = Deadline.objects.filter(pathway=p, rule_code=RuleCode.CONTRACT).order_by("id")
    assert [c.status for c in contracts] == ["cancelled", "open"]
    assert contracts[1].due_on == D(2026, 2, 25)
    # Another organisation: the pathway waits in its assignment queue, with a fresh clock.
    p.refresh_from_db()
    assert p.referent_id is None and p.organisation_id == world.partner_org.pk
    assert live(p, RuleCode.REFERENT_ASSIGNMENT).starts_on == D(2026, 1, 25)


def test_social_track_review_after_six_months_or_twelve_with_a_legal_reason(world):
    p = world.enter(D(2026, 6, 1))
    world.t(p, "orient", D(2026, 6, 10), organisation=world.dept, track=track("social"))
    world.t(p, "assign_referent", D(2026, 6, 11), referent=world.referent)
    world.t(p, "sign_contract", D(2026, 8, 31), kind="cer", starts_on=D(2026, 8, 31), ends_on=D(2027, 2, 27))
    d = live(p, RuleCode.SOCIAL_TRACK_REVIEW)
    assert d.due_on == D(2027, 2, 28)  # Sunday
    assert d.due_alert_on == D(2027, 2, 26)  # its "due" alert goes out Friday
    world.t(
        p,
        "sign_contract",
        D(2026, 9, 15),
        kind="cer",
        starts_on=D(2026, 9, 15),
        ends_on=D(2027, 9, 14),
        extended_review_reason="health",
    )
    assert live(p, RuleCode.SOCIAL_TRACK_REVIEW).due_on == D(2027, 9, 15)
    assert live(p, RuleCode.CONTRACT_RENEWAL).due_on == D(2027, 9, 14)
    assert live(p, RuleCode.CONTRACT_RENEWAL).due_soon_alert_on == D(2027, 8, 13)  # 15 Aug → Sun 14 → Fri 13


def test_handover_acceptance_in_five_working_days_skipping_christmas(world):
    p = advance(world, world.enter(D(2026, 10, 1)), "social_track", D(2026, 10, 5))
    world.t(p, "propose_handover", D(2026, 12, 23), incoming=world.referent2, note="Départ en congé")
    assert live(p, RuleCode.HANDOVER_ACCEPTANCE).due_on == D(2026, 12, 31)


def test_held_contact_restarts_the_gap_and_a_missed_one_does_not(world):
    p = advance(world, world.enter(D(2026, 9, 1)), "social_track", D(2026, 9, 2))
    contact_record(
        p, occurred_on=D(2026, 11, 2), kind="interview", outcome="held", by=world.referent.user, now=at(D(2026, 11, 2))
    )
    gap = live(p, RuleCode.CONTACT_GAP)
    assert gap.due_on == D(2027, 1, 1)
    assert gap.due_alert_on == D(2026, 12, 31)  # New Year's Day → Thursday
    contact_record(
        p, occurred_on=D(2026, 12, 1), kind="phone", outcome="missed", by=world.referent.user, now=at(D(2026, 12, 1))
    )
    assert live(p, RuleCode.CONTACT_GAP).pk == gap.pk


def test_back_dated_contact_older_than_the_last_does_not_move_the_gap(world):
    p = advance(world, world.enter(D(2026, 9, 1)), "social_track", D(2026, 9, 2))
    contact_record(p, occurred_on=D(2026, 11, 2), kind="interview", outcome="held", by=None, now=at(D(2026, 11, 2)))
    contact_record(p, occurred_on=D(2026, 10, 20), kind="interview", outcome="held", by=None, now=at(D(2026, 10, 20)))
    assert live(p, RuleCode.CONTACT_GAP).starts_on == D(2026, 11, 2)


def test_first_held_contact_meets_the_first_appointment(world):
    p = world.enter(D(2026, 9, 1))
    world.t(p, "orient", D(2026, 9, 3), organisation=world.dept, track=track("social"))
    world.t(p, "assign_referent", D(2026, 9, 4), referent=world.referent)
    assert live(p, RuleCode.FIRST_APPOINTMENT).due_on == D(2026, 9, 19)
    contact_record(p, occurred_on=D(2026, 9, 10), kind="interview", outcome="held", by=None, now=at(D(2026, 9, 10)))
    assert Deadline.objects.get(pathway=p, rule_code=RuleCode.FIRST_APPOINTMENT).status == DeadlineStatus.MET


def test_suspension_stops_availability_clocks_and_resume_shifts_them(world):
    p = world.enter(D(2026, 9, 1))
    world.t(p, "orient", D(2026, 9, 3), organisation=world.dept, track=track("social"))
    world.t(p, "assign_referent", D(2026, 9, 4), referent=world.referent)
    contract_due = live(p, RuleCode.CONTRACT).due_on  # 3 Oct
    world.t(p, "suspend", D(2026, 9, 10), suspension_reason="health", expected_resume_on=D(2026, 10, 10))
    assert live(p, RuleCode.CONTRACT).status == DeadlineStatus.SUSPENDED
    assert live(p, RuleCode.SUSPENSION_END).due_on == D(2026, 10, 10)
    world.t(p, "resume", D(2026, 10, 1))
    resumed = live(p, RuleCode.CONTRACT)
    assert resumed.status == DeadlineStatus.OPEN
    assert resumed.due_on == contract_due + dt.timedelta(days=21)
    assert Deadline.objects.get(pathway=p, rule_code=RuleCode.SUSPENSION_END).status == DeadlineStatus.MET


def test_closing_cancels_every_live_deadline(world):
    p = advance(world, world.enter(D(2026, 9, 1)), "social_track", D(2026, 9, 2))
    world.t(p, "close", D(2026, 10, 1), close_reason="moved_away")
    assert not Deadline.objects.filter(pathway=p, status__in=["open", "suspended"]).exists()


def test_in_work_followup_opens_checkins_at_one_three_and_six_months(world):
    p = advance(world, world.enter(D(2026, 1, 5)), "social_track", D(2026, 1, 6))
    world.t(p, "start_job", D(2026, 1, 31), job_kind="cdi")
    dues = sorted(
        Deadline.objects.filter(pathway=p, rule_code=RuleCode.IN_WORK_CHECKIN).values_list("due_on", flat=True)
    )
    assert dues == [D(2026, 2, 28), D(2026, 4, 30), D(2026, 7, 31)]


def test_pathway_uses_the_rule_version_in_force_when_its_clock_started(world):
    base = DelayRule.objects.get(code=RuleCode.ORIENTATION, territory=None, public="")
    DelayRule.objects.create(
        code=RuleCode.ORIENTATION,
        valid_from=D(2027, 1, 1),
        duration_value=30,
        duration_unit=DurationUnit.DAYS,
        due_recipient=RecipientRole.TEAM_LEAD,
    )
    before = world.enter(D(2026, 12, 31), last_name="Avant")
    after = world.enter(D(2027, 1, 1), last_name="Après")
    assert live(before, RuleCode.ORIENTATION).rule_id == base.pk
    assert live(before, RuleCode.ORIENTATION).due_on == D(2027, 2, 11)
    assert live(after, RuleCode.ORIENTATION).due_on == D(2027, 1, 31)


def test_most_specific_rule_wins_territory_and_public(world):
    DelayRule.objects.create(
        code=RuleCode.ORIENTATION,
        valid_from=D(2020, 1, 1),
        territory=world.territory,
        duration_value=35,
        duration_unit=DurationUnit.DAYS,
        due_recipient=RecipientRole.TEAM_LEAD,
    )
    DelayRule.objects.create(
        code=RuleCode.ORIENTATION,
        valid_from=D(2020, 1, 1),
        territory=world.territory,
        public="youth",
        duration_value=21,
        duration_unit=DurationUnit.DAYS,
        due_recipient=RecipientRole.TEAM_LEAD,
    )
    other = make_world("mellois")
    adult = world.enter(D(2026, 3, 2), publics=["rsa"])
    young = world.enter(D(2026, 3, 2), publics=["rsa", "youth"], last_name="Jeune")
    elsewhere = other.enter(D(2026, 3, 2))
    assert live(adult, RuleCode.ORIENTATION).due_on == D(2026, 4, 6)
    assert live(young, RuleCode.ORIENTATION).due_on == D(2026, 3, 23)
    assert live(elsewhere, RuleCode.ORIENTATION).due_on == D(2026, 4, 13)


def test_alsace_moselle_territory_counts_its_own_holidays():
    w = make_world("metz", alsace_moselle=True)
    p = advance(w, w.enter(D(2026, 3, 2)), "social_track", D(2026, 3, 3))
    w.t(p, "propose_handover", D(2026, 4, 2), incoming=w.referent2, note="Relais")
    # Fri 3 Apr (Good Friday) and Mon 6 Apr (Easter Monday) skipped: 7, 8, 9, 10, 13
    assert live(p, RuleCode.HANDOVER_ACCEPTANCE).due_on == D(2026, 4, 13)


def test_cached_rule_choice_matches_the_database_choice(world):
    """`delay_rules_cached` picks in memory exactly what `DelayRule.objects.in_force` picks."""
    from casework.services.deadlines import delay_rules_cached, rule_in_force_for

    other = make_world("choix")
    for territory, public, valid_from, days in [
        (world.territory, "", D(2020, 1, 1), 35),
        (world.territory, "youth", D(2020, 1, 1), 21),
        (None, "youth", D(2020, 1, 1), 28),
        (None, "", D(2027, 1, 1), 30),
        (world.territory, "", D(2027, 6, 1), 40),
    ]:
        DelayRule.objects.create(
            code=RuleCode.ORIENTATION, territory=territory, public=public, valid_from=valid_from,
            duration_value=days, duration_unit=DurationUnit.DAYS, due_recipient=RecipientRole.TEAM_LEAD,
        )  # fmt: skip
    cases = [
        (day, territory_id, publics)
        for day in (D(2026, 5, 1), D(2027, 3, 1), D(2027, 7, 1))
        for territory_id in (world.territory.pk, other.territory.pk, None)
        for publics in ([], ["rsa"], ["rsa", "youth"])
    ]
    with delay_rules_cached():
        cached = [rule_in_force_for(RuleCode.ORIENTATION, d, territory_id=t, publics=p) for d, t, p in cases]
    direct = [DelayRule.objects.in_force(RuleCode.ORIENTATION, on=d, territory_id=t, publics=p) for d, t, p in cases]
    assert cached == direct
    assert len({r.pk for r in direct}) == 6  # the five scoped versions and the base rule


# --- a met deadline says whether it was met late (issue 13, point 4) ---------------------------


def test_a_deadline_met_late_says_so_and_by_how_many_days(world):
    p = world.enter(D(2026, 1, 5))  # orientation due Mon 16 Feb 2026
    world.t(p, "orient", D(2026, 9, 1), organisation=world.dept, track=track("social"))
    d = Deadline.objects.get(pathway=p, rule_code=RuleCode.ORIENTATION)
    assert (d.status, d.met_on, d.days_late) == (DeadlineStatus.MET, D(2026, 9, 1), 197)
    assert d.status_label == "Respectée en retard (+197 j)"
    on_time = Deadline.objects.get(pathway=world.enter(D(2026, 1, 5)), rule_code=RuleCode.ORIENTATION)
    Deadline.objects.filter(pk=on_time.pk).update(status=DeadlineStatus.MET, closed_on=on_time.due_on)
    on_time.refresh_from_db()
    assert (on_time.met_on, on_time.days_late, on_time.status_label) == (D(2026, 2, 16), 0, "Respectée")
    still_open = live(world.enter(D(2026, 1, 5)), RuleCode.ORIENTATION)
    assert (still_open.met_on, still_open.days_late, still_open.status_label) == (None, None, "En cours")


def test_the_page_the_api_and_the_indicator_agree_on_a_late_orientation(world, client):
    """The pathway page, the API and "oriented within 6 weeks" read the same late deadline."""
    from rest_framework.test import APIClient

    from casework.indicators import indicators_compute

    late = world.enter(D(2026, 1, 5))
    world.t(late, "orient", D(2026, 9, 1), organisation=world.dept, track=track("social"))  # due 16 Feb + 197 d
    on_time = world.enter(D(2026, 1, 5))
    world.t(on_time, "orient", D(2026, 2, 16), organisation=world.dept, track=track("social"))  # on its due day

    client.force_login(world.lead.user)
    api = APIClient()
    api.force_authenticate(world.lead.user)
    seen = {}
    for p in (late, on_time):
        page = client.get(f"/parcours/{p.pk}/").content.decode()
        (orientation,) = [
            d for d in api.get(f"/api/v1/pathways/{p.pk}/").json()["deadlines"] if d["rule"] == "orientation"
        ]
        seen[p.pk] = (orientation["met_on"], orientation["days_late"], page)
    assert seen[late.pk][:2] == ("2026-09-01", 197)
    assert "Respectée en retard (+197 j)" in seen[late.pk][2]
    assert seen[on_time.pk][:2] == ("2026-02-16", 0)
    assert "Respectée en retard" not in seen[on_time.pk][2] and "Respectée" in seen[on_time.pk][2]
    access = client.get(f"/personnes/{late.beneficiary_id}/donnees.json").json()  # the person's own copy
    statuses = [d["status"] for pathway in access["pathways"] for d in pathway["deadlines"]]
    assert "Respectée en retard (+197 j)" in statuses

    r = indicators_compute(as_of=D(2026, 12, 1), entered_from=D(2026, 1, 1), entered_to=D(2026, 1, 31))
    within = r["oriented_within_6_weeks"]
    on_time_count = sum(1 for met_on, days_late, _ in seen.values() if days_late == 0)
    assert (within["numerator"], within["denominator"]) == (on_time_count, 2) == (1, 2)


def test_the_api_schema_declares_met_on_and_days_late(client):
    schema = client.get("/api/schema/?format=json").json()
    props = schema["components"]["schemas"]["Deadline"]["properties"]
    assert props["met_on"]["format"] == "date" and props["met_on"]["nullable"] is True
    assert props["days_late"]["type"] == "integer" and props["days_late"]["nullable"] is True
    assert props["days_late"]["minimum"] == 0

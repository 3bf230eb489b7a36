"""One generated pathway's rows: its person, its history in the journal, its deadlines (open ones with
the alerts earlier sweeps made, met and cancelled ones), contacts and referent periods, by state."""

from __future__ import annotations

import datetime as dt
import json

from casework.loadgen.tables import BACKLOG_DAYS, BARRIERS, FIRST_NAMES, LAST_NAMES, ORG_KINDS, Chunk, OrgSlot, S
from casework.models.pathways import T


def pathway_rows(gen, chunk: Chunk, tid: int, slots: list[OrgSlot], state: str) -> None:
    rng, t, ri = gen.rng, gen.today, gen.ri
    day = dt.timedelta(days=1)
    bid = gen.ids("casework_beneficiary")
    pid = gen.ids("casework_pathway")
    publics = ["rsa"] if rng.random() < 0.8 else ["youth"]
    birth = dt.date(1960, 1, 1) + dt.timedelta(days=ri(0, 15000))
    chunk.add(
        "casework_beneficiary",
        (
            bid,
            rng.choice(FIRST_NAMES),
            rng.choice(LAST_NAMES),
            birth,
            tid,
            json.dumps(publics),
            rng.random() < 0.4,
            rng.random() < 0.05,
            rng.random() < 0.03,
            rng.random() < 0.08,
            gen.now,
        ),
    )
    if rng.random() < 0.4:
        for kind in rng.sample(BARRIERS, ri(1, 2)):
            chunk.add(
                "casework_barrier",
                (
                    gen.ids("casework_barrier"),
                    bid,
                    kind,
                    rng.choice(["open", "in_progress", "lifted"]),
                    t - ri(0, 300) * day,
                ),
            )
    p = {"id": pid, "referent_id": None, "organisation_id": None, "slot": None, "suspended_on": None}
    entered = t - ri(60, 900) * day
    oriented = entered + ri(20, 90) * day
    assigned = oriented + ri(1, 15) * day
    signed = assigned + ri(10, 40) * day
    if state == S.ORIENTATION:
        due = gen.open_deadline(chunk, p, "orientation")
        entered = due - 42 * day
    needs_org = state != S.ORIENTATION
    queued = state == S.DIAGNOSTIC and rng.random() < 0.15
    closed_early = state == S.CLOSED and rng.random() < 0.2
    if needs_org and not closed_early:
        weights = [w for _k, w in ORG_KINDS]
        slot = rng.choices(slots, weights=weights)[0]
        p["slot"], p["organisation_id"] = slot, slot.id
        if not queued:
            p["referent_id"] = gen.referent_for(chunk, slot, count=state != S.CLOSED)
    track_kind = "social" if state in (S.SOCIAL_TRACK, S.DIAGNOSTIC, S.ORIENTATION) else "professional"
    if state in (S.REORIENTATION, S.IN_WORK_FOLLOWUP, S.SUSPENDED, S.CLOSED):
        track_kind = rng.choice(["social", "professional"])
    track_id = None if state == S.ORIENTATION or closed_early else gen.tracks[track_kind]

    log = [("enter", "", S.ORIENTATION, entered)]
    ref_id, org_id = p["referent_id"], p["organisation_id"]
    if state == S.ORIENTATION:
        pass
    elif closed_early:
        gen.closed_deadline(chunk, p, "orientation", before=t - 30 * day, status="cancelled")
        log.append((T.close, S.ORIENTATION, S.CLOSED, t - ri(1, 400) * day))
    else:
        gen.closed_deadline(chunk, p, "orientation", before=oriented)
        log.append((T.orient, S.ORIENTATION, S.DIAGNOSTIC, oriented))
        if ref_id:
            log.append((T.assign_referent, S.DIAGNOSTIC, S.DIAGNOSTIC, assigned))
    resume_state = ""
    suspended_on = expected_resume = job_kind = job_started = closed_on = None
    close_reason = ""
    track_state = S.SOCIAL_TRACK if track_kind == "social" else S.PROFESSIONAL_TRACK
    if state == S.DIAGNOSTIC:
        if queued:
            gen.open_deadline(chunk, p, "referent_assignment")
        else:
            gen.closed_deadline(chunk, p, "referent_assignment", before=assigned)
            gen.open_deadline(chunk, p, "first_appointment")
            gen.open_deadline(chunk, p, "contact_gap")
        gen.open_deadline(chunk, p, "contract")
    elif state in (S.SOCIAL_TRACK, S.PROFESSIONAL_TRACK, S.REORIENTATION, S.IN_WORK_FOLLOWUP, S.SUSPENDED):
        gen.closed_deadline(chunk, p, "referent_assignment", before=assigned)
        gen.closed_deadline(chunk, p, "contract", before=signed)
        log.append((T.sign_contract, S.DIAGNOSTIC, track_state, signed))
        if state == S.IN_WORK_FOLLOWUP:
            job_started = t - ri(0, 182) * day
            job_kind = rng.choice(["cdi", "cdd_long", "cdd_short", "interim", "training"])
            gen.closed_deadline(chunk, p, "contract_renewal", before=job_started, status="cancelled")
            log.append((T.start_job, track_state, S.IN_WORK_FOLLOWUP, job_started))
            for months in (1, 3, 6):
                due = job_started + dt.timedelta(days=round(months * 30.4))
                if due < t - BACKLOG_DAYS * day:
                    gen.closed_deadline(chunk, p, "in_work_checkin", before=due + day, ref=f"m{months}")
                else:
                    off = (due - t).days
                    gen.open_deadline(
                        chunk, p, "in_work_checkin", lo=off, hi=off, ref=f"m{months}", starts_fixed=job_started
                    )
            gen.open_deadline(chunk, p, "contact_gap")
        elif state == S.SUSPENDED:
            suspended_on = t - ri(1, 120) * day
            p["suspended_on"] = suspended_on
            resume_state = track_state
            log.append((T.suspend, track_state, S.SUSPENDED, suspended_on))
            gen.open_deadline(chunk, p, "contract_renewal", lo=1, hi=365, status="suspended")
            gen.open_deadline(chunk, p, "contact_gap", status="suspended")
            due = gen.open_deadline(chunk, p, "suspension_end", lo=-BACKLOG_DAYS, hi=90)
            expected_resume = due
        else:
            gen.open_deadline(chunk, p, "contract_renewal", lo=-BACKLOG_DAYS, hi=365)
            gen.open_deadline(chunk, p, "contact_gap")
            if track_state == S.SOCIAL_TRACK:
                gen.open_deadline(chunk, p, "social_track_review")
            if state == S.REORIENTATION:
                resume_state = track_state
                log.append((T.request_reorientation, track_state, S.REORIENTATION, t - ri(1, 40) * day))
    elif state == S.CLOSED and not closed_early:
        closed_on = t - ri(1, 400) * day
        gen.closed_deadline(chunk, p, "contact_gap", before=closed_on, status="cancelled")
        log.append((T.close, S.DIAGNOSTIC, S.CLOSED, closed_on))
    if state == S.CLOSED:
        closed_on = log[-1][3]
        close_reason = rng.choice(["sustainable_job", "training", "rights_ended", "moved_away", "no_contact"])
    chunk.add(
        "casework_pathway",
        (
            pid,
            bid,
            tid,
            state,
            track_id,
            org_id,
            ref_id,
            None,
            entered,
            None if state == S.ORIENTATION or closed_early else oriented,
            resume_state,
            "health" if state == S.SUSPENDED else "",
            suspended_on,
            expected_resume,
            job_kind or "",
            job_started,
            closed_on,
            close_reason,
            None,
            gen.now,
            gen.now,
        ),
    )
    if ref_id:
        chunk.add(
            "casework_referentperiod",
            (gen.ids("casework_referentperiod"), pid, ref_id, assigned, closed_on),
        )
        for _ in range(ri(0, 3)):
            held = rng.random() < 0.8
            on = t - ri(0, 120) * day
            chunk.add(
                "casework_contact",
                (
                    gen.ids("casework_contact"),
                    pid,
                    on,
                    "interview",
                    "held" if held else "missed",
                    False,
                    None,
                    gen.now,
                ),
            )
    for name, src, dst, on in log:
        chunk.add(
            "casework_transitionlog",
            (gen.ids("casework_transitionlog"), pid, name, src, dst, on, gen.at(on, 10), None, "", "{}"),
        )

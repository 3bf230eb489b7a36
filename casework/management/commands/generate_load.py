"""`manage.py generate_load --pathways N`: bulk, realistic data for benchmarks.

Territories, organisations (one per kind and territory), team leads, orientation officers,
referents with caseloads of 40-120, beneficiaries (some with barriers), pathways in every
state with their deadlines (open ones, and met/cancelled history), contacts, transition
history, referent periods, and the alerts earlier daily sweeps would already have created.

The data is a steady state seen on `--today` (default: the last working day): every open
deadline's alert days before `today` already have their alert; the alert days falling on
`today` have none, and about `--due-share` (1%) of open deadlines have one — they are what
the next sweep must create. Later days carry the next days' work (the benchmark sweeps at
a later day to get 10x as many due deadlines).

Load generation writes rows directly (state included): it is not the transition service.
On PostgreSQL rows go through COPY (psycopg 3 `cursor.copy`) in chunks, with foreign-key
triggers disabled (`session_replication_role = replica`) when the role may do so — the
rows are consistent by construction — and the tables are vacuumed and analysed at the end.
Elsewhere (SQLite, the tiny test runs) it falls back to batched `executemany`.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import queue
import random
import threading
import time
from dataclasses import dataclass, field

from django.core.management.base import BaseCommand, CommandError
from django.core.management.color import no_style
from django.db import connection, transaction
from django.utils import timezone

from casework.enums import DurationUnit, OrganisationKind, PathwayState, RecipientRole
from casework.models import (
    Barrier,
    Beneficiary,
    Contact,
    Deadline,
    DelayRule,
    Organisation,
    Pathway,
    Professional,
    ReferentPeriod,
    Team,
    Territory,
    Track,
    TransitionLog,
)
from casework.services.calendar import alert_day

S = PathwayState
BACKLOG_DAYS = 20  # open deadlines can be up to this many days overdue
PATHWAYS_PER_TERRITORY = 15_000  # about one département's wider public
STATE_WEIGHTS = [
    (S.ORIENTATION, 8),
    (S.DIAGNOSTIC, 10),
    (S.SOCIAL_TRACK, 25),
    (S.PROFESSIONAL_TRACK, 20),
    (S.REORIENTATION, 2),
    (S.IN_WORK_FOLLOWUP, 7),
    (S.SUSPENDED, 3),
    (S.CLOSED, 25),
]
ORG_KINDS = [
    (OrganisationKind.DEPARTEMENT, 50),
    (OrganisationKind.FRANCE_TRAVAIL, 25),
    (OrganisationKind.MISSION_LOCALE, 10),
    (OrganisationKind.PLIE, 5),
    (OrganisationKind.CAP_EMPLOI, 5),
    (OrganisationKind.ASSOCIATION, 5),
]
FIRST_NAMES = ["Camille", "Dominique", "Claude", "Sacha", "Alix", "Morgan", "Lou", "Noa", "Eden", "Charlie"]
LAST_NAMES = ["Martin", "Bernard", "Thomas", "Petit", "Robert", "Richard", "Durand", "Dubois", "Moreau", "Laurent"]
BARRIERS = ["health_physical", "health_mental", "mobility", "housing", "childcare", "language", "digital"]
TABLE_ORDER = [
    "auth_user",
    "casework_territory",
    "casework_organisation",
    "casework_organisation_territories",
    "casework_team",
    "casework_professional",
    "casework_beneficiary",
    "casework_barrier",
    "casework_pathway",
    "casework_referentperiod",
    "casework_deadline",
    "casework_contact",
    "casework_transitionlog",
    "notifications_alert",
]
COLUMNS = {
    "auth_user": "id password is_superuser username first_name last_name email is_staff is_active date_joined",
    "casework_territory": "id code name alsace_moselle",
    "casework_organisation": "id name kind contact_email caseload_target",
    "casework_organisation_territories": "id organisation_id territory_id",
    "casework_team": "id name organisation_id",
    "casework_professional": (
        "id user_id organisation_id team_id is_referent is_team_lead is_orientation_officer is_partner "
        "is_administrator wants_digest"
    ),
    "casework_beneficiary": (
        "id first_name last_name birth_date territory_id publics registered_with_france_travail plie_enrolled "
        "self_employed disability_recognised created_at"
    ),
    "casework_barrier": "id beneficiary_id kind status noted_on",
    "casework_pathway": (
        "id beneficiary_id territory_id state track_id organisation_id referent_id handover_to_id entered_on "
        "oriented_on resume_state suspension_reason suspended_on expected_resume_on job_kind job_started_on "
        "closed_on close_reason previous_id created_at updated_at"
    ),
    "casework_referentperiod": "id pathway_id professional_id started_on ended_on",
    "casework_deadline": (
        "id pathway_id rule_id rule_code ref starts_on due_on status closed_on suspended_on due_soon_alert_on "
        "due_alert_on overdue_alert_on updated_at next_alert_on"
    ),
    "casework_contact": "id pathway_id occurred_on kind outcome aspir recorded_by_id recorded_at",
    "casework_transitionlog": (
        "id pathway_id transition from_state to_state occurred_on recorded_at by_id reason params"
    ),
    "notifications_alert": (
        "id deadline_id pathway_id rule_code level due_on recipient_role recipient_id recipient_organisation_id "
        "status created_at resolved_at"
    ),
}


def last_working_day(day: dt.date) -> dt.date:
    return alert_day(day)


@dataclass
class Rule:
    id: int
    code: str
    days: int  # approximate length in calendar days
    soon: int | None
    esc: int | None
    soon_to: str
    due_to: str
    over_to: str


@dataclass
class OrgSlot:
    id: int
    kind: str
    lead_id: int
    team_id: int
    referent_id: int | None = None
    capacity: int = 0
    load: int = 0


@dataclass
class Chunk:
    rows: dict = field(default_factory=lambda: {t: [] for t in TABLE_ORDER})

    def add(self, table: str, row: tuple) -> None:
        self.rows[table].append(row)


class Ids:
    """Explicit ids, continuing after what the tables already hold (the command can be re-run)."""

    def __init__(self, tables):
        self.next = {}
        with connection.cursor() as cur:
            for t in tables:
                cur.execute(f"SELECT COALESCE(MAX(id), 0) FROM {t}")  # noqa: S608 - fixed table names
                self.next[t] = cur.fetchone()[0] + 1

    def __call__(self, table: str) -> int:
        i = self.next[table]
        self.next[table] = i + 1
        return i


class Writer:
    def __init__(self):
        self.postgres = connection.vendor == "postgresql"

    def write(self, table: str, rows: list[tuple]) -> None:
        if not rows:
            return
        cols = COLUMNS[table].split()
        if self.postgres:
            raw = connection.connection
            with raw.cursor() as cur, cur.copy(f"COPY {table} ({', '.join(cols)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            sql = f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join(['%s'] * len(cols))})"  # noqa: S608
            with connection.cursor() as cur:
                for start in range(0, len(rows), 5000):
                    cur.executemany(sql, rows[start : start + 5000])


class Generator:
    def __init__(self, *, n: int, today: dt.date, seed: int, due_share: float, stdout):
        self.n = n
        self.today = today
        self.rng = random.Random(seed)
        self._random = self.rng.random
        self.stdout = stdout
        self.now = timezone.make_aware(dt.datetime.combine(today, dt.time(8, 0)))
        self.writer = Writer()
        self.ids = Ids(TABLE_ORDER)
        self.rules = self._rules()
        self.tracks = dict(Track.objects.values_list("code", "id"))
        self._alert_day_cache: dict[dt.date, dt.date] = {}
        self._at_cache: dict = {}
        self.tz = timezone.get_current_timezone()
        # Probability of keeping a deadline whose alert day falls on `today` (tuned to `due_share`).
        self.keep_today = 1.0
        self.due_share = due_share
        self.stats = {"open": 0, "due_today": 0}

    # --- reference data -----------------------------------------------------------------
    def _rules(self) -> dict[str, Rule]:
        rules = {}
        for r in DelayRule.objects.filter(territory__isnull=True, public="", is_active=True).order_by("valid_from"):
            days = {
                DurationUnit.DAYS: r.duration_value,
                DurationUnit.MONTHS: round(r.duration_value * 30.4),
                DurationUnit.WORKING_DAYS: math.ceil(r.duration_value * 1.4),
            }[r.duration_unit]
            rules[r.code] = Rule(
                r.pk,
                r.code,
                days,
                r.due_soon_days if r.due_soon_recipient else None,
                r.escalation_days if r.overdue_recipient else None,
                r.due_soon_recipient,
                r.due_recipient,
                r.overdue_recipient,
            )
        if not rules:
            raise CommandError("No delay rules: run `manage.py migrate` first (0002_defaults loads them).")
        return rules

    def ri(self, a: int, b: int) -> int:
        """random.randint, without its overhead (called millions of times)."""
        return a + int(self._random() * (b - a + 1))

    def at(self, day: dt.date, hour: int) -> dt.datetime:
        key = (day, hour)
        hit = self._at_cache.get(key)
        if hit is None:
            hit = self._at_cache[key] = dt.datetime.combine(day, dt.time(hour, 0), tzinfo=self.tz)
        return hit

    def _alert_day(self, day: dt.date) -> dt.date:
        hit = self._alert_day_cache.get(day)
        if hit is None:
            hit = self._alert_day_cache[day] = alert_day(day)
        return hit

    def alert_days(self, rule: Rule, due: dt.date):
        soon = self._alert_day(due - dt.timedelta(days=rule.soon)) if rule.soon is not None else None
        over = None
        if rule.esc is not None:
            over = max(self._alert_day(due + dt.timedelta(days=rule.esc)), due + dt.timedelta(days=1))
        return soon, self._alert_day(due), over

    # --- structure: territories, organisations, people ------------------------------------
    def structure(self, chunk: Chunk) -> list[list[OrgSlot]]:
        n_territories = max(2, math.ceil(self.n / PATHWAYS_PER_TERRITORY))
        territories = []
        for i in range(n_territories):
            tid = self.ids("casework_territory")
            chunk.add("casework_territory", (tid, f"charge-{tid}", f"Territoire de charge {i + 1}", False))
            slots = []
            for kind, _w in ORG_KINDS:
                oid = self.ids("casework_organisation")
                chunk.add(
                    "casework_organisation",
                    (oid, f"{kind} — territoire {tid}", kind, f"contact{oid}@partenaire.example", 80),
                )
                chunk.add(
                    "casework_organisation_territories", (self.ids("casework_organisation_territories"), oid, tid)
                )
                team_id = self.ids("casework_team")
                chunk.add("casework_team", (team_id, "Équipe insertion", oid))
                lead = self.professional(chunk, oid, team_id, lead=True, officer=kind == OrganisationKind.DEPARTEMENT)
                slots.append(OrgSlot(oid, kind, lead, team_id))
            territories.append((tid, slots))
        return territories

    def professional(self, chunk: Chunk, org_id: int, team_id: int, *, lead=False, officer=False, referent=False):
        uid = self.ids("auth_user")
        pid = self.ids("casework_professional")
        name = self.rng.choice(FIRST_NAMES), self.rng.choice(LAST_NAMES)
        chunk.add(
            "auth_user",
            (uid, "!", False, f"charge-{uid}", name[0], name[1], f"charge-{uid}@example.org", False, True, self.now),
        )
        chunk.add("casework_professional", (pid, uid, org_id, team_id, referent, lead, officer, False, False, False))
        return pid

    def referent_for(self, chunk: Chunk, slot: OrgSlot, *, count: bool = True) -> int:
        if slot.referent_id is None or slot.load >= slot.capacity:
            slot.referent_id = self.professional(chunk, slot.id, slot.team_id, referent=True)
            slot.capacity = self.ri(40, 120)
            slot.load = 0
        if count:
            slot.load += 1
        return slot.referent_id

    # --- deadlines ----------------------------------------------------------------------
    def open_deadline(self, chunk, p, code, *, lo=None, hi=None, ref="", status="open", starts_fixed=None):
        rule = self.rules[code]
        t = self.today
        for _attempt in range(8):
            off = self.ri(-BACKLOG_DAYS, max(rule.days, 1)) if lo is None else self.ri(lo, hi)
            due = t + dt.timedelta(days=off)
            days = self.alert_days(rule, due)
            if status != "open" or t not in days or self.rng.random() < self.keep_today:
                break
        starts = starts_fixed or (due - dt.timedelta(days=rule.days))
        did = self.ids("casework_deadline")
        suspended_on = p["suspended_on"] if status == "suspended" else None
        # Alerts of the days already past are written below; the next one still to fire is today or later.
        upcoming = [d for d in days if d is not None and d >= t] if status == "open" else []
        next_alert_on = upcoming[0] if upcoming else None
        chunk.add(
            "casework_deadline",
            (
                did,
                p["id"],
                rule.id,
                code,
                ref,
                starts,
                due,
                status,
                None,
                suspended_on,
                *days,
                self.now,
                next_alert_on,
            ),
        )
        if status == "open":
            self.stats["open"] += 1
            self.stats["due_today"] += t in days
            for level, day, role in zip(
                ("due_soon", "due", "overdue"), days, (rule.soon_to, rule.due_to, rule.over_to), strict=True
            ):
                if day is not None and day < t:
                    self.alert(chunk, p, did, code, level, due, role, day)
        return due

    def alert(self, chunk, p, deadline_id, code, level, due, role, day):
        role = role or RecipientRole.REFERENT
        recipient, org = None, p["organisation_id"]
        if role in (RecipientRole.REFERENT, RecipientRole.INCOMING_REFERENT) and p["referent_id"]:
            recipient = p["referent_id"]
        elif p["slot"] is not None:
            recipient = p["slot"].lead_id
        created = self.at(day, 7)
        chunk.add(
            "notifications_alert",
            (
                self.ids("notifications_alert"),
                deadline_id,
                p["id"],
                code,
                level,
                due,
                role,
                recipient,
                org,
                "open",
                created,
                None,
            ),
        )

    def closed_deadline(self, chunk, p, code, *, before: dt.date, status="met", ref=""):
        rule = self.rules[code]
        due = before - dt.timedelta(days=self.ri(0, 60))
        starts = due - dt.timedelta(days=rule.days)
        closed_on = min(due + dt.timedelta(days=self.ri(-rule.days, 10)), self.today - dt.timedelta(days=1))
        closed_on = max(closed_on, starts)
        days = self.alert_days(rule, due)
        chunk.add(
            "casework_deadline",
            (
                self.ids("casework_deadline"),
                p["id"],
                rule.id,
                code,
                ref,
                starts,
                due,
                status,
                closed_on,
                None,
                *days,
                self.now,
                None,
            ),
        )

    # --- one pathway ------------------------------------------------------------------------
    def pathway(self, chunk: Chunk, tid: int, slots: list[OrgSlot], state: str) -> None:
        rng, t, ri = self.rng, self.today, self.ri
        day = dt.timedelta(days=1)
        bid = self.ids("casework_beneficiary")
        pid = self.ids("casework_pathway")
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
                self.now,
            ),
        )
        if rng.random() < 0.4:
            for kind in rng.sample(BARRIERS, ri(1, 2)):
                chunk.add(
                    "casework_barrier",
                    (
                        self.ids("casework_barrier"),
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
            due = self.open_deadline(chunk, p, "orientation")
            entered = due - 42 * day
        needs_org = state != S.ORIENTATION
        queued = state == S.DIAGNOSTIC and rng.random() < 0.15
        closed_early = state == S.CLOSED and rng.random() < 0.2
        if needs_org and not closed_early:
            weights = [w for _k, w in ORG_KINDS]
            slot = rng.choices(slots, weights=weights)[0]
            p["slot"], p["organisation_id"] = slot, slot.id
            if not queued:
                p["referent_id"] = self.referent_for(chunk, slot, count=state != S.CLOSED)
        track_kind = "social" if state in (S.SOCIAL_TRACK, S.DIAGNOSTIC, S.ORIENTATION) else "professional"
        if state in (S.REORIENTATION, S.IN_WORK_FOLLOWUP, S.SUSPENDED, S.CLOSED):
            track_kind = rng.choice(["social", "professional"])
        track_id = None if state == S.ORIENTATION or closed_early else self.tracks[track_kind]

        log = [("enter", "", S.ORIENTATION, entered)]
        ref_id, org_id = p["referent_id"], p["organisation_id"]
        if state == S.ORIENTATION:
            pass
        elif closed_early:
            self.closed_deadline(chunk, p, "orientation", before=t - 30 * day, status="cancelled")
            log.append(("close", S.ORIENTATION, S.CLOSED, t - ri(1, 400) * day))
        else:
            self.closed_deadline(chunk, p, "orientation", before=oriented)
            log.append(("orient", S.ORIENTATION, S.DIAGNOSTIC, oriented))
            if ref_id:
                log.append(("assign_referent", S.DIAGNOSTIC, S.DIAGNOSTIC, assigned))
        resume_state = ""
        suspended_on = expected_resume = job_kind = job_started = closed_on = None
        close_reason = ""
        track_state = S.SOCIAL_TRACK if track_kind == "social" else S.PROFESSIONAL_TRACK
        if state == S.DIAGNOSTIC:
            if queued:
                self.open_deadline(chunk, p, "referent_assignment")
            else:
                self.closed_deadline(chunk, p, "referent_assignment", before=assigned)
                self.open_deadline(chunk, p, "first_appointment")
                self.open_deadline(chunk, p, "contact_gap")
            self.open_deadline(chunk, p, "contract")
        elif state in (S.SOCIAL_TRACK, S.PROFESSIONAL_TRACK, S.REORIENTATION, S.IN_WORK_FOLLOWUP, S.SUSPENDED):
            self.closed_deadline(chunk, p, "referent_assignment", before=assigned)
            self.closed_deadline(chunk, p, "contract", before=signed)
            log.append(("sign_contract", S.DIAGNOSTIC, track_state, signed))
            if state == S.IN_WORK_FOLLOWUP:
                job_started = t - ri(0, 182) * day
                job_kind = rng.choice(["cdi", "cdd_long", "cdd_short", "interim", "training"])
                self.closed_deadline(chunk, p, "contract_renewal", before=job_started, status="cancelled")
                log.append(("start_job", track_state, S.IN_WORK_FOLLOWUP, job_started))
                for months in (1, 3, 6):
                    due = job_started + dt.timedelta(days=round(months * 30.4))
                    if due < t - BACKLOG_DAYS * day:
                        self.closed_deadline(chunk, p, "in_work_checkin", before=due + day, ref=f"m{months}")
                    else:
                        off = (due - t).days
                        self.open_deadline(
                            chunk, p, "in_work_checkin", lo=off, hi=off, ref=f"m{months}", starts_fixed=job_started
                        )
                self.open_deadline(chunk, p, "contact_gap")
            elif state == S.SUSPENDED:
                suspended_on = t - ri(1, 120) * day
                p["suspended_on"] = suspended_on
                resume_state = track_state
                log.append(("suspend", track_state, S.SUSPENDED, suspended_on))
                self.open_deadline(chunk, p, "contract_renewal", lo=1, hi=365, status="suspended")
                self.open_deadline(chunk, p, "contact_gap", status="suspended")
                due = self.open_deadline(chunk, p, "suspension_end", lo=-BACKLOG_DAYS, hi=90)
                expected_resume = due
            else:
                self.open_deadline(chunk, p, "contract_renewal", lo=-BACKLOG_DAYS, hi=365)
                self.open_deadline(chunk, p, "contact_gap")
                if track_state == S.SOCIAL_TRACK:
                    self.open_deadline(chunk, p, "social_track_review")
                if state == S.REORIENTATION:
                    resume_state = track_state
                    log.append(("request_reorientation", track_state, S.REORIENTATION, t - ri(1, 40) * day))
        elif state == S.CLOSED and not closed_early:
            closed_on = t - ri(1, 400) * day
            self.closed_deadline(chunk, p, "contact_gap", before=closed_on, status="cancelled")
            log.append(("close", S.DIAGNOSTIC, S.CLOSED, closed_on))
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
                self.now,
                self.now,
            ),
        )
        if ref_id:
            chunk.add(
                "casework_referentperiod",
                (self.ids("casework_referentperiod"), pid, ref_id, assigned, closed_on),
            )
            for _ in range(ri(0, 3)):
                held = rng.random() < 0.8
                on = t - ri(0, 120) * day
                chunk.add(
                    "casework_contact",
                    (
                        self.ids("casework_contact"),
                        pid,
                        on,
                        "interview",
                        "held" if held else "missed",
                        False,
                        None,
                        self.now,
                    ),
                )
        for name, src, dst, on in log:
            chunk.add(
                "casework_transitionlog",
                (self.ids("casework_transitionlog"), pid, name, src, dst, on, self.at(on, 10), None, "", "{}"),
            )

    # --- driver -------------------------------------------------------------------------------
    def tune(self, territories) -> None:
        """Estimate how often an open deadline falls due today; thin those to hit `due_share`."""
        saved = dict(self.ids.next), self.rng.getstate(), dict(self.stats)
        states = [s for s, _w in STATE_WEIGHTS]
        weights = [w for _s, w in STATE_WEIGHTS]
        for _round in range(3):
            sample = Chunk()
            self.stats = {"open": 0, "due_today": 0}
            slots = [OrgSlot(s.id, s.kind, s.lead_id, s.team_id) for s in territories[0][1]]
            for _ in range(5000):
                self.pathway(sample, territories[0][0], slots, self.rng.choices(states, weights)[0])
            share = self.stats["due_today"] / max(self.stats["open"], 1)
            if share:
                self.keep_today = min(1.0, self.keep_today * self.due_share / share)
        self.ids.next, state, self.stats = saved[0], saved[1], saved[2]
        self.rng.setstate(state)

    def run(self, chunk_size: int, session_sql: list[str]) -> dict:
        """Generate chunk k+1 while a writer thread (its own connection) copies chunk k."""
        counts = {t: 0 for t in TABLE_ORDER}
        head = Chunk()
        territories = self.structure(head)
        self.tune(territories)
        self.flush(head, counts)
        states = [s for s, _w in STATE_WEIGHTS]
        weights = [w for _s, w in STATE_WEIGHTS]
        per_territory = math.ceil(self.n / len(territories))
        made = 0
        started = time.monotonic()
        if not self.writer.postgres or connection.in_atomic_block:
            # SQLite, or inside a caller's transaction (a test): one connection, inline.
            while made < self.n:
                chunk = Chunk()
                for _ in range(min(chunk_size, self.n - made)):
                    tid, slots = territories[min(made // per_territory, len(territories) - 1)]
                    self.pathway(chunk, tid, slots, self.rng.choices(states, weights)[0])
                    made += 1
                self.flush(chunk, counts)
            return counts
        chunks: queue.Queue = queue.Queue(maxsize=1)
        failure: list[BaseException] = []

        def writer() -> None:
            try:
                with connection.cursor() as cur:
                    for sql in session_sql:
                        cur.execute(sql)
                while (chunk := chunks.get()) is not None:
                    if not failure:
                        self.flush(chunk, counts)
                        elapsed = time.monotonic() - started
                        self.stdout.write(f"  {counts['casework_pathway']:>9,} pathways  ({elapsed:,.0f} s)")
            except BaseException as exc:  # re-raised in the main thread
                failure.append(exc)
                while chunks.get() is not None:
                    pass
            finally:
                connection.close()

        thread = threading.Thread(target=writer, name="generate_load-writer")
        thread.start()
        try:
            while made < self.n and not failure:
                chunk = Chunk()
                for _ in range(min(chunk_size, self.n - made)):
                    tid, slots = territories[min(made // per_territory, len(territories) - 1)]
                    self.pathway(chunk, tid, slots, self.rng.choices(states, weights)[0])
                    made += 1
                chunks.put(chunk)
        finally:
            chunks.put(None)
            thread.join()
        if failure:
            raise failure[0]
        return counts

    def flush(self, chunk: Chunk, counts: dict) -> None:
        with transaction.atomic():
            for table in TABLE_ORDER:
                self.writer.write(table, chunk.rows[table])
                counts[table] += len(chunk.rows[table])


MODELS = [
    Territory,
    Organisation,
    Organisation.territories.through,
    Team,
    Professional,
    Beneficiary,
    Barrier,
    Pathway,
    ReferentPeriod,
    Deadline,
    Contact,
    TransitionLog,
]


class Command(BaseCommand):
    help = "Generate realistic bulk data (N pathways with their deadlines, history, contacts) for benchmarks."

    def add_arguments(self, parser):
        parser.add_argument("--pathways", type=int, required=True, help="Number of pathways to create.")
        parser.add_argument("--today", type=dt.date.fromisoformat, help="The day the data is seen from (ISO).")
        parser.add_argument("--seed", type=int, default=7)
        parser.add_argument("--due-share", type=float, default=0.01, help="Share of open deadlines due today.")
        parser.add_argument("--chunk", type=int, default=25_000, help="Pathways per COPY chunk.")
        parser.add_argument("--check-fks", action="store_true", help="Keep foreign-key triggers (slower).")

    def handle(self, *args, **opts):
        from django.contrib.auth import get_user_model

        from notifications.models import Alert

        n = opts["pathways"]
        if n <= 0:
            raise CommandError("--pathways must be positive.")
        today = opts["today"] or last_working_day(timezone.localdate())
        started = time.monotonic()
        postgres = connection.vendor == "postgresql"
        replica = False
        session_sql = []
        if postgres:
            session_sql.append("SET synchronous_commit TO off")
            if not opts["check_fks"]:
                with connection.cursor() as cur:
                    cur.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
                    replica = cur.fetchone()[0]
                if replica:
                    session_sql.append("SET session_replication_role = replica")
        self.stdout.write(
            f"Generating {n:,} pathways seen from {today} on {connection.vendor}"
            + (" (COPY, FK triggers off)" if replica else "")
        )
        with connection.cursor() as cur:
            for sql in session_sql:
                cur.execute(sql)
        try:
            gen = Generator(n=n, today=today, seed=opts["seed"], due_share=opts["due_share"], stdout=self.stdout)
            counts = gen.run(opts["chunk"], session_sql)
        finally:
            if replica:
                with connection.cursor() as cur:
                    cur.execute("SET session_replication_role = DEFAULT")
        if postgres:
            with connection.cursor() as cur:
                cur.execute("SET synchronous_commit TO DEFAULT")
        models = [get_user_model(), *MODELS, Alert]
        with connection.cursor() as cur:
            for sql in connection.ops.sequence_reset_sql(no_style(), models):
                cur.execute(sql)
        loaded = time.monotonic() - started
        if postgres:
            # VACUUM sets the visibility map (index-only scans); it cannot run inside a transaction.
            verb = "ANALYZE" if connection.in_atomic_block else "VACUUM ANALYZE"
            with connection.cursor() as cur:
                for table in TABLE_ORDER:
                    cur.execute(f"{verb} {table}")
        total = time.monotonic() - started
        self.stdout.write("Rows: " + ", ".join(f"{t.split('_', 1)[1]}={c:,}" for t, c in counts.items() if c))
        self.stdout.write(
            f"Open deadlines {gen.stats['open']:,}, due today {gen.stats['due_today']:,} "
            f"({100 * gen.stats['due_today'] / max(gen.stats['open'], 1):.2f}%); "
            f"loaded in {loaded:,.1f} s, {total:,.1f} s with VACUUM ANALYZE."
        )
        self.result = {
            "pathways": n,
            "today": today.isoformat(),
            "rows": counts,
            "open_deadlines": gen.stats["open"],
            "due_today": gen.stats["due_today"],
            "seconds": round(total, 2),
        }

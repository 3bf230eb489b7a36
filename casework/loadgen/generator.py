"""The generator: reference data, deadlines and alerts, and the driver that writes chunks."""

from __future__ import annotations

import datetime as dt
import math
import queue
import random
import threading
import time

from django.core.management.base import CommandError
from django.db import connection, transaction
from django.utils import timezone

from casework.enums import DurationUnit, OrganisationKind, RecipientRole
from casework.loadgen.pathways import pathway_rows
from casework.loadgen.tables import (
    BACKLOG_DAYS,
    FIRST_NAMES,
    LAST_NAMES,
    ORG_KINDS,
    PATHWAYS_PER_TERRITORY,
    STATE_WEIGHTS,
    TABLE_ORDER,
    Chunk,
    Ids,
    OrgSlot,
    Rule,
    Writer,
)
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

    pathway = pathway_rows  # one pathway's rows (casework/loadgen/pathways.py)

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

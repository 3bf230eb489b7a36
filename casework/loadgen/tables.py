"""The generated tables: their order and columns, the ids handed out, the chunk of rows and its writer."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db import connection

from casework.enums import OrganisationKind, PathwayState
from casework.services.calendar import alert_day
from casework.vendor_sql import is_postgresql

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
        self.postgres = is_postgresql()

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

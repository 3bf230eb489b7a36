"""A small world to test in: one territory, a Département office, a partner organisation,
their people, and `advance()` that moves a pathway to any state through the real service."""

from __future__ import annotations

import contextlib
import datetime as dt
import socket
from dataclasses import dataclass

from django.utils import timezone

from casework.enums import OrganisationKind, PathwayState
from casework.models import Organisation, Pathway, Professional, Territory
from config.celery import app as celery_app
from workflows.flows.sync import pathways_tasks_sync
from workflows.services.events import pathway_enter
from workflows.services.transitions import pathway_transition

from .factories import BeneficiaryFactory, OrganisationFactory, ProfessionalFactory, TerritoryFactory, track


def at(day: dt.date, hour: int = 9) -> dt.datetime:
    """An aware datetime in Europe/Paris on `day`."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, 0)))


@dataclass
class World:
    territory: Territory
    dept: Organisation
    partner_org: Organisation
    officer: Professional
    lead: Professional
    referent: Professional
    referent2: Professional
    partner_lead: Professional
    partner_referent: Professional
    outsider: Professional  # another organisation, another territory

    def enter(self, entered_on: dt.date, **beneficiary) -> Pathway:
        b = BeneficiaryFactory.build(territory=self.territory, **beneficiary)
        data = {f: getattr(b, f) for f in ("first_name", "last_name", "birth_date", "territory", "publics")}
        pathway = pathway_enter(beneficiary_data=data, entered_on=entered_on, by=self.officer.user, now=at(entered_on))
        pathways_tasks_sync([pathway.pk])  # as the worker would after commit (no commit in a test)
        return pathway

    def t(self, pathway: Pathway, name: str, on: dt.date, by: Professional | None = None, reason: str = "", **params):
        actor = by or self.default_actor(pathway, name)
        moved = pathway_transition(
            pathway.pk, name, by=actor.user, occurred_on=on, now=at(on), reason=reason, params=params
        )
        pathways_tasks_sync([pathway.pk])  # as the worker would after commit (no commit in a test)
        return moved

    def default_actor(self, pathway: Pathway, name: str) -> Professional:
        pathway.refresh_from_db()
        if name in ("orient", "decide_reorientation", "reopen"):
            return self.officer
        if name == "assign_referent":
            return Professional.objects.get(organisation_id=pathway.organisation_id, is_team_lead=True)
        if name in ("accept_handover", "refuse_handover"):
            return pathway.handover_to
        if pathway.referent_id:
            return pathway.referent
        return self.officer


def make_world(code: str = "niortais", *, alsace_moselle: bool = False) -> World:
    territory = TerritoryFactory(code=code, alsace_moselle=alsace_moselle)
    elsewhere = TerritoryFactory(code=f"{code}-ailleurs")
    dept = OrganisationFactory(name=f"Département {code}", kind=OrganisationKind.DEPARTEMENT, territories=[territory])
    partner_org = OrganisationFactory(
        name=f"France Travail {code}", kind=OrganisationKind.FRANCE_TRAVAIL, territories=[territory]
    )
    other_org = OrganisationFactory(name=f"Autre {code}", kind=OrganisationKind.DEPARTEMENT, territories=[elsewhere])
    return World(
        territory=territory,
        dept=dept,
        partner_org=partner_org,
        officer=ProfessionalFactory(organisation=dept, orientation_officer=True, user__username=f"officer-{code}"),
        lead=ProfessionalFactory(organisation=dept, team_lead=True, user__username=f"lead-{code}"),
        referent=ProfessionalFactory(organisation=dept, referent=True, user__username=f"ref-{code}"),
        referent2=ProfessionalFactory(organisation=dept, referent=True, user__username=f"ref2-{code}"),
        partner_lead=ProfessionalFactory(organisation=partner_org, team_lead=True, user__username=f"ftlead-{code}"),
        partner_referent=ProfessionalFactory(organisation=partner_org, referent=True, user__username=f"ftref-{code}"),
        outsider=ProfessionalFactory(
            organisation=other_org,
            referent=True,
            team_lead=True,
            orientation_officer=True,
            user__username=f"out-{code}",
        ),
    )


S = PathwayState


# The shortest path from `orientation` to each state, as (transition, params builder) steps.
def advance(world: World, pathway: Pathway, target: str, start: dt.date, *, social: bool = True) -> Pathway:
    """Move `pathway` to `target` through the service, one day per step from `start`."""
    day = start
    track_code = "social" if social else "professional"
    steps: list[tuple[str, dict]] = []
    if target == S.ORIENTATION:
        return Pathway.objects.get(pk=pathway.pk)
    steps.append(("orient", {"organisation": world.dept, "track": track(track_code)}))
    steps.append(("assign_referent", {"referent": world.referent}))
    if target in (S.SOCIAL_TRACK, S.PROFESSIONAL_TRACK, S.REORIENTATION, S.IN_WORK_FOLLOWUP, S.CLOSED):
        steps.append(("sign_contract", {"kind": "cer", "starts_on": None, "ends_on": None}))
    if target == S.REORIENTATION:
        steps.append(("request_reorientation", {}))
    if target == S.IN_WORK_FOLLOWUP:
        steps.append(("start_job", {"job_kind": "cdi"}))
    if target == S.SUSPENDED:
        steps.append(("suspend", {"suspension_reason": "health", "expected_resume_on": None}))
    if target == S.CLOSED:
        steps.append(("close", {"close_reason": "moved_away"}))
    for name, params in steps:
        if "starts_on" in params:
            params = {**params, "starts_on": day, "ends_on": day + dt.timedelta(days=180)}
        if "expected_resume_on" in params:
            params = {**params, "expected_resume_on": day + dt.timedelta(days=60)}
        world.t(pathway, name, day, **params)
        day += dt.timedelta(days=1)
    return Pathway.objects.get(pk=pathway.pk)


def reset_publisher_pool() -> None:
    """Forget pooled broker connections so the next publish connects to the current broker_url."""
    from kombu import pools

    pools.reset()
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


def free_port() -> int:
    """A local TCP port nothing listens on (a private server's, or a dead broker's)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def routes_reload() -> None:
    """Celery builds its router from `task_routes` at the first publish and keeps it: a change
    made afterwards (the bench's own queue, a test's) needs the router rebuilt."""
    celery_app.amqp.flush_routes()
    celery_app.amqp.__dict__.pop("router", None)


@contextlib.contextmanager
def broker_used(url: str, *, routes: dict | None = None):
    """Publish for real (not eagerly) to the broker at `url`, with these `task_routes`;
    the project app's settings and pooled connections are restored afterwards."""
    import pytest

    conf = celery_app.conf
    saved = (conf.broker_url, conf.task_always_eager, conf.task_routes)
    with pytest.MonkeyPatch.context() as env:
        # Celery reads the CELERY_BROKER_URL environment variable before its own setting (CI sets it).
        env.setenv("CELERY_BROKER_URL", url)
        conf.broker_url, conf.task_always_eager = url, False
        if routes is not None:
            conf.task_routes = routes
        routes_reload()
        reset_publisher_pool()
        try:
            yield
        finally:
            conf.broker_url, conf.task_always_eager, conf.task_routes = saved
            routes_reload()
            reset_publisher_pool()


def ago(days: int) -> dt.date:
    return timezone.localdate() - dt.timedelta(days=days)


def late_pathways(world: World, departement: tuple[tuple[str, Professional, int], ...]) -> dict[str, Pathway]:
    """The dashboard's fixture: Département pathways entered 100 days ago, oriented at 90 and
    assigned `days` ago to their referent (by name); one France Travail pathway assigned 60 days
    ago ("ft"); one waiting for orientation for 50 days ("waiting")."""
    out = {}
    for name, referent, assigned in departement:
        p = world.enter(ago(100), last_name=name)
        world.t(p, "orient", ago(90), organisation=world.dept, track=track("social"))
        world.t(p, "assign_referent", ago(assigned), referent=referent)
        out[name] = Pathway.objects.get(pk=p.pk)
    ft = world.enter(ago(100), last_name="ft")
    world.t(ft, "orient", ago(90), organisation=world.partner_org, track=track("professional"))
    world.t(ft, "assign_referent", ago(60), referent=world.partner_referent)
    out["ft"] = ft
    out["waiting"] = world.enter(ago(50), last_name="waiting")
    return out


def open_tasks(pathway, flow_class=None) -> list:
    """The pathway's human viewflow tasks still to do (new, assigned or started)."""
    from viewflow.workflow import STATUS
    from viewflow.workflow.models import Task

    qs = Task.objects.filter(
        process__pathwayprocess__pathway=pathway,
        flow_task_type="HUMAN",
        status__in=[STATUS.NEW, STATUS.ASSIGNED, STATUS.STARTED],
    )
    if flow_class is not None:
        qs = qs.filter(process__flow_class=flow_class)
    return list(qs)


def api_token_for(user, *, label: str = "tests", days: int = 30) -> str:
    """A knox API token key for `user` (a professional), issued through the one service."""
    from accounts.services import api_token_issue

    return api_token_issue(user, label=label, days=days, now=timezone.now())[1]

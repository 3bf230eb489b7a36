"""Measure 3: the referent's caseload queue, page "/" and API, p50/p95 server time and queries.

Requests go through Django's test Client in-process (server time: middleware, view, SQL,
template or serializer), as a referent whose open caseload is closest to 80 pathways.
"""

from __future__ import annotations

from django.conf import settings
from django.db import connection
from django.test import Client

from casework.models import Professional

from .util import percentile, timed

REQUESTS_PER_RUN = 20


def pick_referent(target: int = 80):
    with connection.cursor() as cur:
        cur.execute(
            "SELECT referent_id, count(*) FROM casework_pathway WHERE referent_id IS NOT NULL AND state <> 'closed' "
            "GROUP BY referent_id ORDER BY abs(count(*) - %s), referent_id LIMIT 1",
            [target],
        )
        row = cur.fetchone()
    if row is None:
        return None, 0
    return Professional.objects.select_related("user").get(pk=row[0]), row[1]


def _series(client: Client, url: str, runs: int, requests: int) -> dict:
    for _ in range(3):  # warm-up: caches, connections, templates
        response = client.get(url)
    status = response.status_code
    # Count with an execute wrapper (independent of DEBUG and of the bounded query log).
    executed: list[str] = []

    def count(execute, sql, params, many, context):
        executed.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        client.get(url)
    p50s, p95s = [], []
    for _ in range(runs):
        times = [timed(lambda: client.get(url))[0] for _ in range(requests)]
        p50s.append(percentile(times, 50))
        p95s.append(percentile(times, 95))
    p50s.sort()
    p95s.sort()
    return {
        "url": url,
        "status": status,
        "p50_ms": round(p50s[len(p50s) // 2], 2),
        "p95_ms": round(p95s[len(p95s) // 2], 2),
        "queries": len(executed),
        "requests": runs * requests,
    }


def measure(*, runs: int, requests: int = REQUESTS_PER_RUN) -> dict:
    pro, caseload = pick_referent()
    if pro is None:
        return {"status": "no referent"}
    if "testserver" not in settings.ALLOWED_HOSTS:
        settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    client = Client()
    client.force_login(pro.user)
    page = _series(client, "/", runs, requests)
    api = _series(client, f"/api/v1/pathways/?referent={pro.pk}", runs, requests)
    page.update(target_p95_ms=50, target_queries_max=10)
    api.update(target_p95_ms=20, target_queries_max=10)
    return {"referent_id": pro.pk, "open_caseload": caseload, "page": page, "api": api}

"""A throwaway Celery app for the ETA/countdown comparison (never the project's app).

Broker from BENCH_ETA_BROKER; visibility timeout from BENCH_ETA_VISIBILITY (seconds).
Each execution increments a Redis counter, so redeliveries can be counted.
"""

import os

import redis
from celery import Celery

BROKER = os.environ.get("BENCH_ETA_BROKER", "redis://127.0.0.1:6379/15")
# Creating it makes it Celery's current app, the one every `shared_task` of the process
# resolves to: `bench.eta.measure` gives the project's app back when it is done (else the
# project's after-commit messages would go to this app's stopped broker).
app = Celery("bench_eta", broker=BROKER)
app.conf.update(
    broker_transport_options={"visibility_timeout": int(os.environ.get("BENCH_ETA_VISIBILITY", "3600"))},
    task_ignore_result=True,
    worker_hijack_root_logger=False,
    broker_connection_retry_on_startup=True,
)
_redis = None


@app.task(name="bench_eta.deadline_alert")
def deadline_alert(deadline_id: int) -> None:
    global _redis
    if _redis is None:
        _redis = redis.Redis.from_url(BROKER)
    _redis.incr(f"bench:executed:{deadline_id}")

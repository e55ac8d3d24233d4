"""The job queue's consumers: they know every job, and report a heartbeat /healthz reads."""

from __future__ import annotations

import time

from django.utils.module_loading import autodiscover_modules
from huey.contrib.djhuey import HUEY

HEARTBEAT_KEY = "tandem:consumer-heartbeat"
HEARTBEAT_STALE_SECONDS = 180


def discover_jobs() -> None:
    """Import every app's `tasks` module, so this consumer knows each job by name.

    A job is enqueued by name from whichever process did the work (`tandem demo`, a web
    request) and run by a consumer that may never have imported its module; djhuey only
    discovers them in its own `run_huey` command, which `serve` and `worker` are not.
    """
    autodiscover_modules("tasks")


def make_consumer(workers: int):
    """The consumer `tandem serve` embeds and `tandem worker` runs: every job known, threads,
    periodic jobs on, stale locks cleared."""
    discover_jobs()
    consumer = HUEY.create_consumer(
        workers=workers, worker_type="thread", periodic=True, check_worker_health=True
    )
    start_consumer_cleanly()
    return consumer


def start_consumer_cleanly() -> None:
    """Locks are held by running jobs; a consumer starting now means any left were orphaned
    by a killed process and would block those periodic jobs for good."""
    HUEY.flush_locks()
    beat()


def beat() -> None:
    HUEY.storage.put_data(HEARTBEAT_KEY, str(time.time()).encode())


def jobs_status() -> str:
    """'ok', or a short reason the job system cannot do work right now."""
    try:
        raw = HUEY.storage.peek_data(HEARTBEAT_KEY)
    except Exception as error:  # the queue's storage itself is unreachable
        return f"down: queue unreachable ({type(error).__name__})"
    if HUEY.immediate:
        return "ok"
    from huey.constants import EmptyData

    if raw is EmptyData or raw is None:
        return "down: no job consumer has reported"
    age = time.time() - float(raw)
    if age > HEARTBEAT_STALE_SECONDS:
        return f"down: last consumer heartbeat {int(age)} s ago"
    return "ok"

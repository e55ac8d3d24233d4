"""The consumer `tandem serve` and `tandem worker` start knows every job of every app.

Jobs are enqueued by name from whichever process did the work and run by a consumer that
may never have imported their module. Each check runs in a fresh interpreter, because
this test process has long imported every module the suite touches.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]

PERIODIC = {
    "tandem.core.tasks.consumer_heartbeat",
    "tandem.core.tasks.search_catch_up",
    "tandem.mail.tasks.poll_imap_mailboxes",
    "tandem.mail.tasks.sweep_mail",
    "tandem.portal.tasks.purge_old_sign_in_links",
    "tandem.workflow.tasks.check_sla_alarms",
    "tandem.workflow.automation_tasks.run_automations_task",
    "tandem.workflow.assignment_tasks.lower_idle_agents_availability",
}
ON_DEMAND = {
    "tandem.workflow.tasks.recompute_open_tickets_sla",
    "tandem.mail.tasks.process_inbound_mail",
    "tandem.mail.tasks.send_outbound_mail",
    "tandem.portal.tasks.mail_sign_in_link",
    "tandem.workflow.automation_tasks.deliver_webhook_task",
}

SCRIPT = """
import json, django
django.setup()
from huey.contrib.djhuey import HUEY
{start}
registry = HUEY._registry
print(json.dumps({{
    "known": sorted(registry._registry),
    "periodic": sorted(registry.task_to_string(t) for t in registry._periodic_tasks),
}}))
"""


def _registry_after(start: str, tmp_path) -> dict:
    env = {
        "PATH": "/usr/bin:/bin",
        "DJANGO_SETTINGS_MODULE": "tandem.settings",
        "TANDEM_HOME": str(tmp_path),
    }
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT.format(start=start)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_the_consumer_serve_and_worker_start_knows_every_job(tmp_path):
    from_serve = _registry_after(
        "from tandem.core.management.commands.serve import Command\n"
        "Command()._start_consumer(1).stop(graceful=True)",
        tmp_path,
    )
    assert set(from_serve["periodic"]) >= PERIODIC
    assert set(from_serve["known"]) >= PERIODIC | ON_DEMAND
    from_worker = _registry_after(
        "from tandem.core.jobs import make_consumer\nmake_consumer(1)", tmp_path
    )
    assert set(from_worker["known"]) >= PERIODIC | ON_DEMAND


def test_without_discovery_a_fresh_process_misses_jobs(tmp_path):
    # Why discovery is needed: Django's start-up alone leaves most jobs unknown.
    bare = _registry_after("", tmp_path)
    assert not set(bare["known"]) >= ON_DEMAND

"""Huey jobs of the workflow app: thin wrappers over its actions."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task, lock_task


@db_periodic_task(crontab(minute="*"))
@lock_task("workflow-sla-alarms")
def check_sla_alarms():
    """Each minute: SLA warnings and breaches that have come due, written once each."""
    from tandem.workflow.actions import fire_sla_alarms

    fire_sla_alarms()


@db_task()
@lock_task("workflow-sla-recompute")
def recompute_open_tickets_sla():
    """After a policy or calendar changed: every open ticket's SLA, recomputed."""
    from tandem.workflow.actions import refresh_open_tickets_sla

    refresh_open_tickets_sla()


# Automations and webhook deliveries keep their jobs in their own module; importing it here
# is what registers them with Huey (which discovers each app's `tasks`).
from tandem.workflow import automation_tasks  # noqa: E402, F401

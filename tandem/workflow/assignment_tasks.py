"""Periodic job: agents who stopped working drop to away, then offline (imported by the app)."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, lock_task

from tandem.workflow.assignment_availability import lower_idle_availability


@db_periodic_task(crontab(minute="*"))
@lock_task("workflow-idle-availability")
def lower_idle_agents_availability():
    lower_idle_availability()

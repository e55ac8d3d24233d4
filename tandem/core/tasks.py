"""Periodic housekeeping jobs of the core."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from tandem.core.jobs import beat


@db_periodic_task(crontab(minute="*"))
def consumer_heartbeat():
    beat()

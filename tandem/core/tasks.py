"""Periodic housekeeping jobs of the core."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, lock_task

from tandem.core.jobs import beat
from tandem.core.search.maintenance import catch_up


@db_periodic_task(crontab(minute="*"))
def consumer_heartbeat():
    beat()


@db_periodic_task(crontab(minute="*/5"))
@lock_task("search-catch-up")
def search_catch_up():
    # Writes inside event_bus.quiet() (imports, the demo) reach no subscriber.
    catch_up()

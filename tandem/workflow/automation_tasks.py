"""Jobs of triggers and automations: the minute's automation run, webhook delivery and retries."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task, lock_task

from tandem.workflow import automations, webhooks


@db_periodic_task(crontab(minute="*"))
@lock_task("workflow-automations")
def run_automations_task():
    automations.run_automations()


@db_task()
def deliver_webhook_task(delivery_id: int):
    webhooks.deliver_webhook(delivery_id)


@db_periodic_task(crontab(minute="*"))
@lock_task("workflow-webhook-retries")
def retry_webhooks_task():
    from django.utils import timezone

    for delivery_id in webhooks.due_deliveries(timezone.now()):
        webhooks.deliver_webhook(delivery_id)

"""Huey jobs of the email channel: thin wrappers that take ids and call the channel's code."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task, lock_task


@db_task(retries=3, retry_delay=30)
def process_inbound_mail(inbound_id: int, skip_rate_limit: bool = False):
    from tandem.mail.ingest.processing import process_inbound

    process_inbound(inbound_id=inbound_id, skip_rate_limit=skip_rate_limit)


@db_task()
def send_outbound_mail(outbound_id: int):
    # Retries are the outbox's own (back-off kept on the row), not Huey's.
    from tandem.mail.outbox.sending import send_outbound

    send_outbound(outbound_id=outbound_id)


@db_periodic_task(crontab(minute="*"))
@lock_task("mail-sweep")
def sweep_mail():
    """Recover what a crash left between "row written" and "job ran", both ways."""
    from tandem.mail.ingest.processing import sweep_received
    from tandem.mail.outbox.sending import sweep_due

    sweep_received()
    sweep_due()


@db_periodic_task(crontab(minute="*"))
def poll_imap_mailboxes():
    # No Huey lock: each mailbox's poll takes an expiring lease of its own
    # (tandem.mail.imap.poller), which a killed worker cannot leave stuck.
    from tandem.mail.imap.poller import poll_due_mailboxes

    poll_due_mailboxes()

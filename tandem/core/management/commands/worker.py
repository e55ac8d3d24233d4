"""`tandem worker`: a job consumer on its own (the many-machine shape)."""

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Consume background jobs (Huey) until stopped."

    def add_arguments(self, parser):
        parser.add_argument("--workers", type=int, default=2)
        parser.add_argument(
            "--no-imap-idle",
            action="store_true",
            help="Do not watch IMAP mailboxes with IDLE here (they are still polled).",
        )

    def handle(self, *args, **options):
        from tandem.core.jobs import make_consumer

        consumer = make_consumer(options["workers"])
        watchers = None
        if not options["no_imap_idle"]:
            # One watcher per mailbox across every process: each holds the mailbox's lease.
            from tandem.mail.imap.watcher import start_watchers

            watchers = start_watchers()
        try:
            consumer.run()
        finally:
            if watchers is not None:
                watchers.stop()

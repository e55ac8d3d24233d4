"""`tandem worker`: a job consumer on its own (the many-machine shape)."""

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Consume background jobs (Huey) until stopped."

    def add_arguments(self, parser):
        parser.add_argument("--workers", type=int, default=2)

    def handle(self, *args, **options):
        from huey.contrib.djhuey import HUEY

        from tandem.core.jobs import start_consumer_cleanly

        start_consumer_cleanly()
        consumer = HUEY.create_consumer(
            workers=options["workers"], worker_type="thread", periodic=True
        )
        consumer.run()

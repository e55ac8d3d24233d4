"""`tandem serve`: the whole desk in one process (HTTP + WebSocket, and the job consumer)."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.management.base import BaseCommand

log = logging.getLogger("tandem.serve")


class Command(BaseCommand):
    help = "Serve the desk over HTTP and WebSocket, with the embedded job consumer."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=settings.TANDEM_PORT)
        parser.add_argument(
            "--no-worker",
            action="store_true",
            help="Do not consume jobs here (the many-machine shape: run `tandem worker`).",
        )
        parser.add_argument("--workers", type=int, default=2, help="Job consumer threads.")

    def handle(self, *args, **options):
        import uvicorn
        from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler

        from tandem.asgi import application

        consumer = None
        if not options["no_worker"]:
            consumer = self._start_consumer(options["workers"])
        # Static files come from the installed apps themselves: no collectstatic step, no CDN.
        app = ASGIStaticFilesHandler(application)
        self.stdout.write(f"Tandem is serving at http://{options['host']}:{options['port']}/")
        try:
            uvicorn.run(
                app,
                host=options["host"],
                port=options["port"],
                log_level="info",
                lifespan="off",
                ws="websockets-sansio" if _has_sansio() else "auto",
            )
        finally:
            if consumer is not None:
                consumer.stop(graceful=True)

    def _start_consumer(self, workers: int):
        from huey.contrib.djhuey import HUEY

        from tandem.core.jobs import beat

        consumer = HUEY.create_consumer(
            workers=workers, worker_type="thread", periodic=True, check_worker_health=True
        )
        consumer.start()
        beat()
        log.info("embedded job consumer started with %d threads", workers)
        return consumer


def _has_sansio() -> bool:
    try:
        import websockets.sansio  # noqa: F401
    except ImportError:
        return False
    return True

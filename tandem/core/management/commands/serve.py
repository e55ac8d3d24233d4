"""`tandem serve`: the whole desk in one process (HTTP + WebSocket, jobs, the SMTP listener)."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

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
        parser.add_argument(
            "--processes",
            type=int,
            default=settings.WEB_PROCESSES,
            help="Web processes answering HTTP and WebSocket (default TANDEM_WEB_PROCESSES, 1). "
            "More than one needs TANDEM_REDIS_URL: pushes to open pages cross processes "
            "only through Redis. Jobs, SMTP and IMAP stay in this process.",
        )
        parser.add_argument(
            "--no-smtp",
            action="store_true",
            help="Do not receive mail over SMTP here (run `tandem smtpd`, or set "
            "TANDEM_SMTP_LISTEN to an empty value).",
        )
        parser.add_argument(
            "--access-log",
            action="store_true",
            help="Log every HTTP request (off by default: at API rates the log line costs "
            "a good share of a request).",
        )
        parser.add_argument(
            "--no-imap-idle",
            action="store_true",
            help="Do not watch IMAP mailboxes with IDLE here (they are still polled).",
        )

    def handle(self, *args, **options):
        import uvicorn

        processes = options["processes"]
        if processes < 1:
            raise CommandError("--processes must be at least 1.")
        if processes > 1 and not settings.REDIS_URL:
            raise CommandError(
                f"--processes {processes} needs TANDEM_REDIS_URL: without Redis the channel "
                "layer lives in one process, and a change made in one web process would never "
                "reach pages open on another. Set TANDEM_REDIS_URL or serve with one process."
            )
        if processes == 1:
            from tandem.asgi import served_application as app
        else:
            # Each web process imports the application itself (uvicorn spawns them).
            app = "tandem.asgi:served_application"
        listener = None
        if not options["no_smtp"] and settings.SMTP_LISTEN:
            listener = self._start_smtp(settings.SMTP_LISTEN)
        consumer = None
        watchers = None
        if not options["no_worker"]:
            consumer = self._start_consumer(options["workers"])
            if not options["no_imap_idle"]:
                from tandem.mail.imap.watcher import start_watchers

                watchers = start_watchers()
        where = f"http://{options['host']}:{options['port']}/"
        if processes > 1:
            where += f" with {processes} web processes"
        self.stdout.write(f"Tandem is serving at {where}")
        try:
            uvicorn.run(
                app,
                host=options["host"],
                port=options["port"],
                log_level="info",
                access_log=options["access_log"],
                workers=processes,
                lifespan="off",
                ws="websockets-sansio" if _has_sansio() else "auto",
            )
        finally:
            if watchers is not None:
                watchers.stop()
            if consumer is not None:
                consumer.stop(graceful=True)
            if listener is not None:
                listener.stop()

    def _start_smtp(self, listen: str):
        # Failing loudly beats a desk that silently receives no mail.
        from tandem.mail.smtp.listener import parse_listen, start_listener

        try:
            host, port = parse_listen(listen)
            listener = start_listener(host, port)
        except (ValueError, OSError) as error:
            raise CommandError(
                f"Cannot receive mail over SMTP at TANDEM_SMTP_LISTEN={listen!r}: {error}. "
                "Set it to a free HOST:PORT, to an empty value, or pass --no-smtp."
            ) from None
        self.stdout.write(f"Receiving mail over SMTP at {host}:{port}")
        return listener

    def _start_consumer(self, workers: int):
        from tandem.core.jobs import make_consumer

        consumer = make_consumer(workers)
        consumer.start()
        log.info("embedded job consumer started with %d threads", workers)
        return consumer


def _has_sansio() -> bool:
    try:
        import websockets.sansio  # noqa: F401
    except ImportError:
        return False
    return True

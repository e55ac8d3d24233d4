"""`tandem smtpd`: the SMTP listener on its own, for when `tandem serve` runs without it."""

from __future__ import annotations

import signal
import threading

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from tandem.mail.smtp.listener import parse_listen, start_listener


class Command(BaseCommand):
    help = "Receive mail for the desk's SMTP mailboxes until stopped (Ctrl-C or SIGTERM)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--listen",
            default=settings.SMTP_LISTEN,
            help="HOST:PORT to listen on (default: TANDEM_SMTP_LISTEN, %(default)s).",
        )

    def handle(self, *args, **options):
        if not options["listen"]:
            raise CommandError("Nothing to listen on: pass --listen HOST:PORT.")
        try:
            host, port = parse_listen(options["listen"])
        except ValueError as error:
            raise CommandError(f"--listen: {error}") from None
        try:
            listener = start_listener(host, port)
        except OSError as error:
            raise CommandError(f"Cannot listen for SMTP on {host}:{port}: {error}") from None
        stop = threading.Event()
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, lambda *_: stop.set())
        self.stdout.write(f"Receiving mail over SMTP at {host}:{port} (Ctrl-C stops).")
        try:
            stop.wait()
        finally:
            listener.stop()
        self.stdout.write("SMTP listener stopped.")

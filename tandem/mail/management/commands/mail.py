"""`tandem mail import PATH [--mailbox ADDRESS]`: bring mail history into the desk."""

from __future__ import annotations

import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from tandem.mail.ingest.importing import ImportStats, import_mail
from tandem.mail.ingest.parse_pool import default_workers
from tandem.mail.models import Mailbox

_PROGRESS_EVERY = 0.2  # seconds between progress line updates


class Command(BaseCommand):
    help = "Email channel tools. `mail import PATH`: import an mbox, a Maildir or .eml files."

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        importing = actions.add_parser(
            "import",
            help="Import mail history: keeps dates, threads replies, sends nothing, "
            "and skips what an earlier run imported.",
        )
        importing.add_argument("path", type=Path, help="an mbox file, a Maildir, .eml files")
        importing.add_argument(
            "--mailbox",
            metavar="ADDRESS",
            help="the mailbox the mail was sent to (default team and track); by default "
            "each message's recipients name it",
        )
        importing.add_argument(
            "--parse-workers",
            type=int,
            default=None,
            metavar="N",
            help="processes that parse the next batch while this one writes (default: one "
            "when a second core is free, else none; 0 parses here)",
        )

    def handle(self, *args, action: str, **options):
        if action == "import":
            workers = options.get("parse_workers")
            if workers is None:
                workers = default_workers()
            if workers < 0:
                raise CommandError("--parse-workers cannot be negative")
            self._import(options["path"], options.get("mailbox"), workers)

    def _import(self, path: Path, address: str | None, parse_workers: int) -> None:
        if not path.exists():
            raise CommandError(f"{path} does not exist")
        mailbox = None
        if address:
            mailbox = Mailbox.objects.filter(address__iexact=address.strip()).first()
            if mailbox is None:
                raise CommandError(f"no mailbox with the address {address}")
        tty = self.stdout.isatty()
        last = 0.0

        def progress(stats: ImportStats) -> None:
            nonlocal last
            now = time.monotonic()
            if tty and now - last >= _PROGRESS_EVERY:
                last = now
                self.stdout.write(f"\r{stats.progress_line()}\033[K", ending="")
                self.stdout.flush()

        stats = import_mail(path, mailbox=mailbox, progress=progress, parse_workers=parse_workers)
        if tty:
            self.stdout.write(f"\r{stats.progress_line()}\033[K")
        self.stdout.write(f"Imported {path}: {stats.summary()}")
        if stats.quarantined:
            self.stdout.write(
                "Quarantined mail keeps its reason and can be retried or dismissed "
                "(settings area, or GET /api/v1/mail/quarantine)."
            )

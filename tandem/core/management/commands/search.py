"""`tandem search rebuild [--kind KIND]`: rebuild the full-text index from the stored data."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError

from tandem.core import search
from tandem.core.search.maintenance import REBUILD_BATCH, catch_up, rebuild

_PROGRESS_EVERY = 0.2  # seconds between progress bar redraws
_BAR_WIDTH = 30


def progress_bar(kind: str, done: int, total: int) -> str:
    share = min(1.0, done / total) if total else 1.0
    filled = round(share * _BAR_WIDTH)
    bar = "#" * filled + "-" * (_BAR_WIDTH - filled)
    return f"{kind:<13} [{bar}] {share:4.0%} {done:,}/{total:,}"


class Command(BaseCommand):
    help = "Search index tools. `search rebuild`: rebuild it; `search catch-up`: index stale rows."

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        rebuilding = actions.add_parser(
            "rebuild", help="Rebuild the index of every kind (tickets, contacts, articles, ...)."
        )
        rebuilding.add_argument(
            "--kind",
            action="append",
            dest="kinds",
            metavar="KIND",
            help="only this kind (repeatable); default: every kind",
        )
        rebuilding.add_argument(
            "--batch-size", type=int, default=REBUILD_BATCH, help="documents per write"
        )
        actions.add_parser(
            "catch-up", help="Index what changed without the index (what the 5-minute job does)."
        )

    def handle(self, *args, action: str, **options):
        if action == "rebuild":
            self._rebuild(options.get("kinds"), options["batch_size"])
        elif action == "catch-up":
            counts = catch_up()
            self.stdout.write(
                "Indexed " + ", ".join(f"{count:,} {kind}" for kind, count in counts.items())
            )

    def _rebuild(self, kinds: list[str] | None, batch_size: int) -> None:
        known = sorted(source.kind for source in search.sources())
        if kinds and set(kinds) - set(known):
            unknown = ", ".join(sorted(set(kinds) - set(known)))
            raise CommandError(f"unknown kind {unknown}; the kinds are {', '.join(known)}")
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1")
        tty = self.stdout.isatty()
        last = 0.0
        started = time.monotonic()

        def on_progress(kind: str, done: int, total: int) -> None:
            nonlocal last
            now = time.monotonic()
            if tty and (now - last >= _PROGRESS_EVERY or done >= total):
                last = now
                self.stdout.write(f"\r{progress_bar(kind, done, total)}\033[K", ending="")
                self.stdout.flush()

        for kind in kinds or known:
            indexed = rebuild([kind], batch_size=batch_size, on_progress=on_progress)
            if tty:
                self.stdout.write("")
            self.stdout.write(f"Indexed {indexed[kind]:,} {kind} documents")
        self.stdout.write(f"Search index rebuilt in {time.monotonic() - started:.1f} s")

"""`tandem demo`: load the generated demo desk, or print how to sign in to it.

Every demo agent's password is `demo-password`: this is a demo desk, never a real one.
"""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from tandem.core.demo import DEFAULT_SEED, DeskNotEmpty, desk_has_tickets, load_demo, wipe_desk
from tandem.core.demo.signins import sign_in_lines


class Command(BaseCommand):
    help = (
        "Load the demo desk (about 20 agents, 2,000 contacts, 10,000 tickets over 90 days). "
        "Every demo agent signs in with the password 'demo-password'."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--force", action="store_true", help="Delete every ticket and person first, then load."
        )
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Load only when the desk has no tickets (and TANDEM_DEMO is "
            "not 0); otherwise do nothing. `make run` uses this.",
        )
        parser.add_argument(
            "--sign-ins",
            action="store_true",
            help="Print the demo sign-ins and a portal link; load nothing.",
        )
        parser.add_argument(
            "--small",
            action="store_true",
            help="About 300 tickets instead of 10,000 (tests, quick looks).",
        )
        parser.add_argument(
            "--seed",
            type=int,
            default=DEFAULT_SEED,
            help=f"Random seed; the same seed gives the same desk (default {DEFAULT_SEED}).",
        )

    def handle(self, *args, **options):
        if options["sign_ins"]:
            for line in sign_in_lines():
                self.stdout.write(line)
            return
        if options["if_empty"]:
            if not settings.DEMO:
                return  # TANDEM_DEMO=0: a real desk, `make run` must not fill it with fakes
            if desk_has_tickets():
                return
        if options["force"]:
            self.stdout.write("Deleting every ticket and person on this desk...")
            wipe_desk()
        size = "small" if options["small"] else "full"
        self.stdout.write(f"Loading the {size} demo desk (seed {options['seed']})...")
        try:
            summary = load_demo(
                seed=options["seed"],
                size=size,
                progress=lambda line: self.stdout.write(f"  {line}"),
            )
        except DeskNotEmpty as error:
            raise CommandError(
                f"Not loading the demo: {error}. Use --force to delete everything first."
            ) from error
        self.stdout.write(self.style.SUCCESS(summary.text()))

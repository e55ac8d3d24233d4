"""`tandem loginlink EMAIL`: print a fresh one-time portal sign-in URL for that customer."""

from django.core.management.base import BaseCommand, CommandError

from tandem.portal.queries import contact_with_email
from tandem.portal.signin import create_sign_in_url, link_lifetime, safe_next_path


class Command(BaseCommand):
    help = "Print a one-time portal sign-in URL for the contact with this email address."

    def add_arguments(self, parser):
        parser.add_argument("email")
        parser.add_argument("--next", default="", help="A /portal/ path to open after sign-in.")

    def handle(self, *args, **options):
        contact = contact_with_email(options["email"])
        if contact is None:
            raise CommandError(f"No contact has the email address {options['email']!r}.")
        next_path = options["next"]
        if next_path and not safe_next_path(next_path):
            raise CommandError("--next must be a path under /portal/.")
        url = create_sign_in_url(contact, next_path=next_path)
        minutes = int(link_lifetime().total_seconds() // 60)
        self.stdout.write(url)
        self.stderr.write(f"Works once, for {minutes} minutes, for {contact.display_name}.")

"""`tandem createtoken EMAIL`: print a new API token for an agent (shown this once)."""

from django.core.management.base import BaseCommand, CommandError

from tandem.api.tokens import create_token
from tandem.core.errors import InvalidInput
from tandem.people.models import Agent


class Command(BaseCommand):
    help = "Create an API token acting as the agent with this email."

    def add_arguments(self, parser):
        parser.add_argument("email")
        parser.add_argument("--name", default="command line")
        parser.add_argument("--scope", choices=["read", "write"], default="write")

    def handle(self, *args, **options):
        agent = Agent.objects.filter(email=options["email"].strip().lower()).first()
        if agent is None:
            raise CommandError(f"No agent with email {options['email']}")
        try:
            _, secret = create_token(agent=agent, name=options["name"], scope=options["scope"])
        except InvalidInput as error:
            raise CommandError(str(error)) from error
        self.stdout.write(secret)

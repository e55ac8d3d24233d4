"""`tandem createagent EMAIL --role admin|agent|light`: add a desk user and print a password."""

import secrets

from django.core.management.base import BaseCommand, CommandError

from tandem.core.errors import InvalidInput
from tandem.people import actions
from tandem.people.models import Agent

ROLE_NAMES = {"admin": Agent.Role.ADMIN, "agent": Agent.Role.AGENT, "light": Agent.Role.LIGHT}


class Command(BaseCommand):
    help = "Create an agent; prints the generated password unless --password is given."

    def add_arguments(self, parser):
        parser.add_argument("email")
        parser.add_argument("--role", choices=sorted(ROLE_NAMES), default="agent")
        parser.add_argument("--name", default="")
        parser.add_argument("--password", default="")

    def handle(self, *args, **options):
        password = options["password"] or secrets.token_urlsafe(12)
        try:
            agent = actions.create_agent(
                email=options["email"],
                name=options["name"],
                role=ROLE_NAMES[options["role"]],
                password=password,
            )
        except InvalidInput as error:
            raise CommandError(str(error)) from error
        self.stdout.write(f"Created {agent.get_role_display().lower()} {agent.email}")
        if not options["password"]:
            self.stdout.write(f"Password: {password}")

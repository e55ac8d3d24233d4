"""The desk's own addresses (mailboxes) and its agents, as processing needs them.

Loaded once per message for live mail, once per batch for imports and sweeps
(`Desk.load(preload_agents=True)`), so a batch costs no query per message for them.
"""

from __future__ import annotations

from collections.abc import Iterable

from tandem.mail.ingest.recipients import untagged
from tandem.mail.models import Mailbox
from tandem.people.models import Agent


class Desk:
    def __init__(self, mailboxes: Iterable[Mailbox], agents: Iterable[Agent] | None = None):
        self.mailboxes = {mailbox.address.lower(): mailbox for mailbox in mailboxes}
        self.addresses = frozenset(self.mailboxes)
        self._complete = agents is not None  # every agent is known: no lookups needed
        self._agents: dict[str, Agent | None] = {a.email.lower(): a for a in agents or ()}

    @classmethod
    def load(cls, *, preload_agents: bool = False) -> Desk:
        mailboxes = list(Mailbox.objects.select_related("default_team"))
        agents = list(Agent.objects.select_related("user")) if preload_agents else None
        return cls(mailboxes, agents)

    def learn_agents(self, addresses: Iterable[str]) -> None:
        """Look up, in one query, whichever of these addresses are not known yet."""
        if self._complete:
            return
        missing = {a for a in addresses if a and a not in self._agents}
        if not missing:
            return
        for agent in Agent.objects.select_related("user").filter(email__in=missing):
            self._agents[agent.email.lower()] = agent
        for address in missing:
            self._agents.setdefault(address, None)

    def agent(self, address: str) -> Agent | None:
        """Any agent (active or not) with this address; call learn_agents first."""
        return self._agents.get(address)

    def active_agent(self, address: str) -> Agent | None:
        agent = self.agent(address)
        return agent if agent is not None and agent.user.is_active else None

    def is_agent(self, address: str) -> bool:
        return self.agent(address) is not None

    def mailbox_for(self, addresses: Iterable[str]) -> Mailbox | None:
        """The first of these addresses that is one of the desk's mailboxes."""
        for address in addresses:
            address = address.lower()
            mailbox = self.mailboxes.get(address) or self.mailboxes.get(untagged(address))
            if mailbox is not None:
                return mailbox
        return None

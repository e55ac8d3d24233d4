"""Who performs an action: every write names its actor so the event log can say who did what."""

from __future__ import annotations

from dataclasses import dataclass

from tandem.people.models import Agent, Contact


@dataclass(frozen=True)
class Actor:
    kind: str  # "agent" | "contact" | "system" | "api" (TicketEvent.ActorKind values)
    agent: Agent | None = None
    contact: Contact | None = None

    @classmethod
    def for_agent(cls, agent: Agent) -> Actor:
        return cls("agent", agent=agent)

    @classmethod
    def for_api(cls, agent: Agent) -> Actor:
        """An integrator's token acts with its agent's rights but is logged as the API."""
        return cls("api", agent=agent)

    @classmethod
    def for_contact(cls, contact: Contact) -> Actor:
        return cls("contact", contact=contact)

    @classmethod
    def system(cls) -> Actor:
        return cls("system")

    @property
    def is_agent(self) -> bool:
        return self.agent is not None

    @property
    def is_contact(self) -> bool:
        return self.kind == "contact"

    @property
    def is_light_agent(self) -> bool:
        return self.agent is not None and self.agent.role == Agent.Role.LIGHT

    def event_fields(self) -> dict:
        return {"actor_kind": self.kind, "actor_agent": self.agent, "actor_contact": self.contact}

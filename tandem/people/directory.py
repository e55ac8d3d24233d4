"""Teams and agents every workspace page offers in its pickers, cached (core.directory_cache)."""

from __future__ import annotations

from tandem.core.directory_cache import cached_list, forget
from tandem.people.models import Agent, Team

TEAMS = "teams"
ASSIGNABLE_AGENTS = "assignable-agents"


def teams() -> list[Team]:
    return cached_list(TEAMS, lambda: list(Team.objects.order_by("name")))


def assignable_agents() -> list[Agent]:
    """Who a ticket can be given to: active agents and admins (never light agents)."""
    return cached_list(
        ASSIGNABLE_AGENTS,
        lambda: list(
            Agent.objects.filter(user__is_active=True)
            .exclude(role=Agent.Role.LIGHT)
            .select_related("user")
            .order_by("name", "id")
        ),
    )


def forget_teams() -> None:
    forget(TEAMS)


def forget_agents() -> None:
    forget(ASSIGNABLE_AGENTS)

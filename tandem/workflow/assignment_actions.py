"""Changing assignment settings: a team's strategy, an agent's capacity and skills."""

from __future__ import annotations

from django.db import transaction

from tandem.core.errors import InvalidInput
from tandem.people import directory
from tandem.people.models import Agent, Team


def clean_skills(skills) -> list[str]:
    cleaned: list[str] = []
    for raw in skills:
        skill = str(raw).strip().casefold()[:60]
        if skill and skill not in cleaned:
            cleaned.append(skill)
    return cleaned


@transaction.atomic
def update_team_assignment(
    *, team: Team, strategy: str | None = None, reassign_when_offline: bool | None = None
) -> Team:
    fields = []
    if strategy is not None:
        if strategy not in Team.Assignment.values:
            raise InvalidInput.single(
                "assignment_strategy", f"must be one of {', '.join(Team.Assignment.values)}"
            )
        team.assignment_strategy = strategy
        fields.append("assignment_strategy")
    if reassign_when_offline is not None:
        team.reassign_when_offline = reassign_when_offline
        fields.append("reassign_when_offline")
    if fields:
        team.save(update_fields=fields)
        directory.forget_teams()
    return team


@transaction.atomic
def update_agent_assignment(
    *, agent: Agent, capacity: int | None, skills: list[str] | None = None
) -> Agent:
    if capacity is not None and capacity < 0:
        raise InvalidInput.single("capacity", "must be 0 or more, or empty for no limit")
    agent.capacity = capacity
    fields = ["capacity"]
    if skills is not None:
        agent.skills = clean_skills(skills)
        fields.append("skills")
    agent.save(update_fields=fields)
    return agent

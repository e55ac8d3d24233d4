"""Which macros an agent may use and manage: the only ways to list or fetch one.

Scopes: `everyone` macros are managed by admins and used by every agent; `team` macros
are managed by admins and by the team's (full) agents and used by its members (admins
use them all); `personal` macros belong to their owner alone. Light agents write notes
only and neither use nor manage macros. A macro an agent may not use reads as absent (404).
"""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.http import Http404

from tandem.kb.models import Macro
from tandem.people.models import Agent

Scope = Macro.Scope


def macros_usable_by(agent: Agent) -> QuerySet[Macro]:
    """Most used first, then by title."""
    if agent.role == Agent.Role.LIGHT:
        return Macro.objects.none()
    shared = Q(scope=Scope.EVERYONE) | Q(scope=Scope.PERSONAL, owner=agent)
    if agent.is_admin:
        shared |= Q(scope=Scope.TEAM)
    else:
        shared |= Q(scope=Scope.TEAM, team__in=agent.teams.all())
    return Macro.objects.filter(shared).select_related("team", "owner", "set_team")


def search_macros(agent: Agent, text: str = "") -> QuerySet[Macro]:
    macros = macros_usable_by(agent)
    text = text.strip()
    if text:
        macros = macros.filter(Q(title__icontains=text) | Q(body__icontains=text))
    return macros.order_by("-usage_count", "title", "id")


def macro_for(agent: Agent, pk: int | str) -> Macro:
    try:
        return macros_usable_by(agent).get(pk=int(pk))
    except (Macro.DoesNotExist, TypeError, ValueError) as error:
        raise Http404("No such macro") from error


def may_manage(agent: Agent, *, scope: str, team_id: int | None, owner_id: int | None) -> bool:
    """May `agent` create or change a macro with this scope (before or after the change)?"""
    if agent.role == Agent.Role.LIGHT:
        return False
    if scope == Scope.PERSONAL:
        return owner_id == agent.pk
    if agent.is_admin:
        return True
    if scope == Scope.TEAM:
        return team_id is not None and agent.teams.filter(pk=team_id).exists()
    return False


def may_manage_macro(agent: Agent, macro: Macro) -> bool:
    return may_manage(agent, scope=macro.scope, team_id=macro.team_id, owner_id=macro.owner_id)

"""Settings pages for the desk's agents and teams (admins only)."""

from __future__ import annotations

import secrets

from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe

from tandem.core.errors import InvalidInput
from tandem.core.permissions import admin_required
from tandem.people import actions, queries
from tandem.people.forms import AgentCreateForm, AgentEditForm, TeamForm, add_action_errors

INVALID = 422  # a form with errors: base.html tells htmx to swap these in


# --- agents -----------------------------------------------------------------------------


@admin_required
@require_safe
def agent_list(request):
    agents = queries.agents_for_settings(request.agent)
    active_admins = [a for a in agents if a.is_admin and a.user.is_active]
    return render(
        request,
        "people/settings/agents.html",
        {
            "section": "agents",
            "agents": agents,
            "last_admin": active_admins[0] if len(active_admins) == 1 else None,
        },
    )


@admin_required
@never_cache
def agent_create(request):
    form = AgentCreateForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        generated = "" if data["password"] else secrets.token_urlsafe(12)
        try:
            agent = actions.create_agent(
                email=data["email"],
                name=data["name"],
                role=data["role"],
                ticket_access=data["ticket_access"],
                teams=data["teams"],
                password=data["password"] or generated,
            )
        except InvalidInput as error:
            add_action_errors(form, error)
        else:
            # Rendered, not redirected: the generated password exists only in this response.
            return render(
                request,
                "people/settings/agent_created.html",
                {
                    "section": "agents",
                    "new_agent": agent,
                    "password": generated,
                },
            )
    return render(
        request,
        "people/settings/agent_form.html",
        {"section": "agents", "form": form, "creating": True},
        status=INVALID if form.is_bound else 200,
    )


@admin_required
def agent_edit(request, pk: int):
    agent = queries.agent_for_settings(request.agent, pk)
    form = AgentEditForm(request.POST if request.method == "POST" else None, agent=agent)
    if request.method == "POST" and form.is_valid():
        try:
            actions.update_agent(agent=agent, **form.cleaned_data)
        except InvalidInput as error:
            agent.refresh_from_db()  # the action may have changed it in memory
            add_action_errors(form, error)
        else:
            messages.success(request, f"{agent.name} saved.")
            return redirect("settings:agents")
    return render(
        request,
        "people/settings/agent_form.html",
        {
            "section": "agents",
            "form": form,
            "edited": agent,
            "last_admin": queries.is_last_active_admin(agent),
        },
        status=INVALID if form.is_bound else 200,
    )


@admin_required
@require_POST
def agent_set_active(request, pk: int):
    """Deactivate or reactivate: agents are never deleted, their history refers to them."""
    agent = queries.agent_for_settings(request.agent, pk)
    active = request.POST.get("active") == "1"
    refusal = (
        f"{agent.name} is the desk's last active admin: make another agent an admin "
        "before deactivating them."
    )
    if not active and queries.is_last_active_admin(agent):
        messages.error(request, refusal)
        return redirect("settings:agents")
    try:
        actions.update_agent(agent=agent, active=active)
    except InvalidInput as error:  # the action's own guard, should it refuse first
        messages.error(request, f"{agent.name}: {error.errors[0].message}")
    else:
        messages.success(request, f"{agent.name} {'reactivated' if active else 'deactivated'}.")
    return redirect("settings:agents")


# --- teams ------------------------------------------------------------------------------


@admin_required
def team_list(request):
    """The list, with the new-team form; POST creates."""
    form = TeamForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            team = actions.create_team(**form.cleaned_data)
        except InvalidInput as error:
            add_action_errors(form, error)
        else:
            messages.success(request, f"Team {team.name} created.")
            return redirect("settings:teams")
    return render(
        request,
        "people/settings/teams.html",
        {
            "section": "teams",
            "teams": queries.teams_for_settings(request.agent),
            "form": form,
        },
        status=INVALID if form.is_bound else 200,
    )


@admin_required
def team_edit(request, pk: int):
    team = queries.team_for_settings(request.agent, pk)
    form = TeamForm.for_team(team, data=request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.update_team(team=team, **form.cleaned_data)
        except InvalidInput as error:
            team.refresh_from_db()  # the action may have changed it in memory
            add_action_errors(form, error)
        else:
            messages.success(request, f"Team {team.name} saved.")
            return redirect("settings:teams")
    return render(
        request,
        "people/settings/team_form.html",
        {
            "section": "teams",
            "form": form,
            "team": team,
            "ticket_count": team.tickets.count(),
        },
        status=INVALID if form.is_bound else 200,
    )


@admin_required
@require_POST
def team_delete(request, pk: int):
    team = queries.team_for_settings(request.agent, pk)
    actions.delete_team(team=team)
    messages.success(request, f"Team {team.name} deleted; its tickets are kept without a team.")
    return redirect("settings:teams")

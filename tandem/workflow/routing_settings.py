"""Settings pages (admins): routing rules, and each team's and agent's assignment settings."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from tandem.core.errors import InvalidInput
from tandem.core.permissions import admin_required
from tandem.people.forms import add_action_errors
from tandem.people.models import Agent, Team
from tandem.workflow import assignment_actions, routing_actions
from tandem.workflow.models import RoutingRule
from tandem.workflow.routing_forms import (
    AgentAssignmentForm,
    RoutingRuleForm,
    TeamAssignmentForm,
)

INVALID = 422


def _show_errors(form, error: InvalidInput) -> None:
    for item in error.errors:
        if item.field.startswith("conditions"):
            where = item.field.removeprefix("conditions.")
            form.add_error("conditions", f"{where}: {item.message}")
        elif item.field in form.fields:
            form.add_error(item.field, item.message)
        else:
            form.add_error(None, item.message)


@admin_required
def rule_list(request):
    form = RoutingRuleForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            rule = routing_actions.create_routing_rule(**form.rule_values())
        except InvalidInput as error:
            _show_errors(form, error)
        else:
            messages.success(request, f"Routing rule {rule.name} created.")
            return redirect("settings:routing_rules")
    return render(
        request,
        "workflow/settings/routing_rules.html",
        {
            "section": "routing",
            "rules": RoutingRule.objects.select_related("set_team"),
            "form": form,
        },
        status=INVALID if form.is_bound else 200,
    )


@admin_required
def rule_edit(request, pk: int):
    rule = get_object_or_404(RoutingRule, pk=pk)
    form = RoutingRuleForm.for_rule(rule, data=request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            routing_actions.update_routing_rule(rule=rule, **form.rule_values())
        except InvalidInput as error:
            rule.refresh_from_db()
            _show_errors(form, error)
        else:
            messages.success(request, f"Routing rule {rule.name} saved.")
            return redirect("settings:routing_rules")
    return render(
        request,
        "workflow/settings/routing_rule_form.html",
        {"section": "routing", "rule": rule, "form": form},
        status=INVALID if form.is_bound else 200,
    )


@admin_required
@require_POST
def rule_delete(request, pk: int):
    rule = get_object_or_404(RoutingRule, pk=pk)
    routing_actions.delete_routing_rule(rule=rule)
    messages.success(request, f"Routing rule {rule.name} deleted.")
    return redirect("settings:routing_rules")


def _assignment_page(request, *, team_forms=None, agent_forms=None, status=200):
    teams = Team.objects.order_by("name")
    agents = Agent.objects.filter(user__is_active=True).exclude(role=Agent.Role.LIGHT)
    team_forms = team_forms or {}
    agent_forms = agent_forms or {}
    return render(
        request,
        "workflow/settings/assignment.html",
        {
            "section": "assignment",
            "team_rows": [
                (
                    team,
                    team_forms.get(team.pk)
                    or TeamAssignmentForm(
                        initial={
                            "assignment_strategy": team.assignment_strategy,
                            "reassign_when_offline": team.reassign_when_offline,
                        },
                        auto_id=f"team-{team.pk}-%s",
                    ),
                )
                for team in teams
            ],
            "agent_rows": [
                (
                    agent,
                    agent_forms.get(agent.pk)
                    or AgentAssignmentForm(
                        initial={"capacity": agent.capacity, "skills": ", ".join(agent.skills)},
                        auto_id=f"agent-{agent.pk}-%s",
                    ),
                )
                for agent in agents
            ],
        },
        status=status,
    )


@admin_required
def assignment(request):
    return _assignment_page(request)


@admin_required
def team_assignment(request, pk: int):
    """POST saves one row; GET shows the whole page."""
    if request.method != "POST":
        return _assignment_page(request)
    team = get_object_or_404(Team, pk=pk)
    form = TeamAssignmentForm(request.POST, auto_id=f"team-{team.pk}-%s")
    if form.is_valid():
        try:
            assignment_actions.update_team_assignment(
                team=team,
                strategy=form.cleaned_data["assignment_strategy"],
                reassign_when_offline=form.cleaned_data["reassign_when_offline"],
            )
        except InvalidInput as error:
            add_action_errors(form, error)
        else:
            messages.success(request, f"Assignment for {team.name} saved.")
            return redirect("settings:assignment")
    return _assignment_page(request, team_forms={team.pk: form}, status=INVALID)


@admin_required
def agent_assignment(request, pk: int):
    """POST saves one row; GET shows the whole page."""
    if request.method != "POST":
        return _assignment_page(request)
    agent = get_object_or_404(Agent, pk=pk)
    form = AgentAssignmentForm(request.POST, auto_id=f"agent-{agent.pk}-%s")
    if form.is_valid():
        skills = [s for s in form.cleaned_data["skills"].split(",") if s.strip()]
        try:
            assignment_actions.update_agent_assignment(
                agent=agent, capacity=form.cleaned_data["capacity"], skills=skills
            )
        except InvalidInput as error:
            add_action_errors(form, error)
        else:
            messages.success(request, f"Capacity and skills of {agent.name} saved.")
            return redirect("settings:assignment")
    return _assignment_page(request, agent_forms={agent.pk: form}, status=INVALID)

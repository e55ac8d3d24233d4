"""Settings pages for business-hours calendars and SLA policies (admins only).

Each page parses a form and calls one workflow action; open tickets are recomputed by a
job after any change, so a page never waits on the whole backlog.
"""

from __future__ import annotations

from django.contrib import messages
from django.db import transaction
from django.db.models import Count
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from tandem.core.business_time import WEEKDAYS
from tandem.core.errors import InvalidInput
from tandem.core.models import Calendar
from tandem.core.permissions import admin_required
from tandem.people.forms import add_action_errors
from tandem.people.models import Team
from tandem.tickets.models import Priority
from tandem.workflow import actions
from tandem.workflow.forms import DAY_NAMES, CalendarForm, PolicyForm, intervals_text
from tandem.workflow.models import SlaPolicy

INVALID = 422  # a form with errors: base.html tells htmx to swap these in


def _or_404(model, pk: int):
    found = model.objects.filter(pk=pk).first()
    if found is None:
        raise Http404(f"No such {model._meta.verbose_name}")
    return found


# --- calendars ----------------------------------------------------------------------------


@admin_required
def calendar_list(request):
    calendars = Calendar.objects.annotate(team_count=Count("teams")).order_by("name")
    rows = [
        (
            calendar,
            [
                (DAY_NAMES[day], intervals_text(calendar.weekly_hours.get(day, [])))
                for day in WEEKDAYS
                if calendar.weekly_hours.get(day)
            ],
        )
        for calendar in calendars
    ]
    return render(
        request, "workflow/settings/calendars.html", {"section": "calendars", "rows": rows}
    )


@transaction.atomic
def _assign_teams(calendar: Calendar, teams) -> None:
    chosen = {team.pk for team in teams}
    for team in Team.objects.filter(calendar=calendar).exclude(pk__in=chosen):
        actions.set_team_calendar(team=team, calendar=None)
    for team in teams:
        actions.set_team_calendar(team=team, calendar=calendar)


def _on_its_weekday(error: InvalidInput) -> InvalidInput:
    """Weekly-hours errors name their weekday first ("tue: intervals overlap"): show them
    on that day's row."""
    for item in error.errors:
        day = item.message.split(" ", 1)[0].rstrip(":")
        if item.field == "weekly_hours" and day in WEEKDAYS:
            item.field = day
    return error


def _calendar_arguments(form: CalendarForm) -> dict:
    data = form.cleaned_data
    return {
        "name": data["name"],
        "time_zone": data["time_zone"],
        "weekly_hours": data["weekly_hours"],
        "holidays": data["holidays"],
    }


@admin_required
def calendar_edit(request, pk: int | None = None):
    """Create (no pk) or change a calendar and the teams that use it."""
    calendar = _or_404(Calendar, pk) if pk is not None else None
    form = CalendarForm(request.POST if request.method == "POST" else None, calendar=calendar)
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                if calendar is None:
                    calendar = actions.create_calendar(**_calendar_arguments(form))
                else:
                    actions.update_calendar(calendar=calendar, **_calendar_arguments(form))
                _assign_teams(calendar, form.cleaned_data["teams"])
        except InvalidInput as error:
            add_action_errors(form, _on_its_weekday(error))
            if pk is None:
                calendar = None
        else:
            messages.success(request, f"Calendar {calendar.name} saved.")
            return redirect("settings:calendars")
    return render(
        request,
        "workflow/settings/calendar_form.html",
        {"section": "calendars", "calendar": calendar, "form": form},
        status=INVALID if form.is_bound else 200,
    )


@admin_required
@require_POST
def calendar_delete(request, pk: int):
    calendar = _or_404(Calendar, pk)
    actions.delete_calendar(calendar=calendar)
    messages.success(request, f"Calendar {calendar.name} deleted; its teams now count 24/7.")
    return redirect("settings:calendars")


# --- SLA policies -------------------------------------------------------------------------


def _condition_summary(conditions: dict) -> list[str]:
    parts = []
    for key, label in (
        ("plans", "plan"),
        ("tracks", "track"),
        ("priorities", "priority"),
        ("channels", "channel"),
        ("tags", "tag"),
    ):
        if conditions.get(key):
            parts.append(f"{label} {' or '.join(conditions[key])}")
    for key, value in (conditions.get("custom_fields") or {}).items():
        parts.append(f"{key} = {value}")
    return parts


@admin_required
def policy_list(request):
    policies = list(SlaPolicy.objects.prefetch_related("targets").order_by("position", "id"))
    rows = []
    for policy in policies:
        minutes = {(t.priority, t.metric): t.minutes for t in policy.targets.all()}
        rows.append(
            {
                "policy": policy,
                "conditions": _condition_summary(policy.conditions or {}),
                "covered": sorted({p for p, _ in minutes}, key=Priority.values.index),
                "target_count": len(minutes),
            }
        )
    return render(request, "workflow/settings/policies.html", {"section": "sla", "rows": rows})


@admin_required
def policy_edit(request, pk: int | None = None):
    """Create (no pk) or change a policy with its conditions and targets."""
    policy = _or_404(SlaPolicy, pk) if pk is not None else None
    form = PolicyForm(request.POST if request.method == "POST" else None, policy=policy)
    if request.method == "POST" and form.is_valid():
        try:
            if policy is None:
                policy = actions.create_sla_policy(**form.action_arguments())
            else:
                actions.update_sla_policy(policy=policy, **form.action_arguments())
        except InvalidInput as error:
            if pk is None:
                policy = None
            else:
                policy.refresh_from_db()
            add_action_errors(form, error)
        else:
            messages.success(request, f"SLA policy {policy.name} saved.")
            return redirect("settings:sla_policies")
    return render(
        request,
        "workflow/settings/policy_form.html",
        {
            "section": "sla",
            "policy": policy,
            "form": form,
            "priorities": Priority.choices,
        },
        status=INVALID if form.is_bound else 200,
    )


@admin_required
@require_POST
def policy_move(request, pk: int):
    policy = _or_404(SlaPolicy, pk)
    actions.move_sla_policy(policy=policy, up=request.POST.get("direction") != "down")
    return redirect("settings:sla_policies")


@admin_required
@require_POST
def policy_delete(request, pk: int):
    policy = _or_404(SlaPolicy, pk)
    actions.delete_sla_policy(policy=policy)
    messages.success(request, f"SLA policy {policy.name} deleted.")
    return redirect("settings:sla_policies")

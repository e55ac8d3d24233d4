"""Settings pages (admins): triggers and automations, in order, with on/off, move up/down,
create/edit/delete, a dry run against a ticket and each rule's activity log.

Every write goes through workflow.actions, the same functions the API calls."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from tandem.core.errors import InvalidInput
from tandem.core.permissions import admin_required
from tandem.tickets.models import Ticket
from tandem.workflow import actions, triggers
from tandem.workflow.models import Automation, Trigger
from tandem.workflow.triggers_forms import (
    AutomationForm,
    TriggerForm,
    actions_the_form_cannot_show,
    conditions_to_lines,
)

INVALID = 422
RUNS_SHOWN = 50


def _save(request, form, save, *, label: str, back: str):
    """Validate the form, call the write action, show its errors next to the fields."""
    if request.method != "POST" or not form.is_valid():
        return None
    values = form.rule_values()
    try:
        rule = save(**values)
    except InvalidInput as error:
        form.show_errors(error, values["actions"])
        return None
    messages.success(request, f"{label} {rule.name} saved.")
    return redirect(back)


def _move(request, move, **rule) -> None:
    """One place up or down; a bad direction (a hand-made POST) is told, nothing moves."""
    try:
        move(**rule, direction=request.POST.get("direction", ""))
    except InvalidInput as error:
        messages.error(request, str(error))


# --- triggers -------------------------------------------------------------------------------


@admin_required
def trigger_list(request):
    return render(
        request,
        "workflow/settings/triggers.html",
        {"section": "triggers", "rules": Trigger.objects.order_by("position", "id")},
    )


@admin_required
def trigger_new(request):
    form = TriggerForm(request.POST if request.method == "POST" else None)
    done = _save(request, form, actions.create_trigger, label="Trigger", back="settings:triggers")
    return done or render(
        request,
        "workflow/settings/trigger_form.html",
        {"section": "triggers", "rule": None, "form": form},
        status=INVALID if form.is_bound else 200,
    )


def _trigger_page(request, trigger: Trigger, form, *, dry_run=None, dry_run_error="", status=200):
    runs = trigger.runs.select_related("ticket").order_by("-ran_at", "-id")[:RUNS_SHOWN]
    return render(
        request,
        "workflow/settings/trigger_form.html",
        {
            "section": "triggers",
            "rule": trigger,
            "form": form,
            "runs": runs,
            "form_drops": actions_the_form_cannot_show(trigger.actions),
            "dry_run": dry_run,
            "dry_run_error": dry_run_error,
            "dry_run_ticket": request.POST.get("ticket", "") if dry_run_error or dry_run else "",
        },
        status=status,
    )


@admin_required
def trigger_edit(request, pk: int):
    trigger = get_object_or_404(Trigger, pk=pk)
    form = TriggerForm.for_trigger(trigger, data=request.POST if request.method == "POST" else None)

    def save(**values):
        return actions.update_trigger(trigger=trigger, **values)

    done = _save(request, form, save, label="Trigger", back="settings:triggers")
    if done:
        return done
    trigger.refresh_from_db()
    return _trigger_page(request, trigger, form, status=INVALID if form.is_bound else 200)


@admin_required
@require_POST
def trigger_delete(request, pk: int):
    trigger = get_object_or_404(Trigger, pk=pk)
    actions.delete_trigger(trigger=trigger)
    messages.success(request, f"Trigger {trigger.name} deleted.")
    return redirect("settings:triggers")


@admin_required
@require_POST
def trigger_active(request, pk: int):
    trigger = get_object_or_404(Trigger, pk=pk)
    actions.update_trigger(trigger=trigger, active=not trigger.active)
    state = "on" if trigger.active else "off"
    messages.success(request, f"Trigger {trigger.name} is {state}.")
    return redirect("settings:triggers")


@admin_required
@require_POST
def trigger_move(request, pk: int):
    trigger = get_object_or_404(Trigger, pk=pk)
    _move(request, actions.move_trigger, trigger=trigger)
    return redirect("settings:triggers")


@admin_required
@require_POST
def trigger_dry_run(request, pk: int):
    """Evaluate the trigger against a ticket's latest matching event; nothing is written."""
    trigger = get_object_or_404(Trigger, pk=pk)
    form = TriggerForm.for_trigger(trigger)
    number = request.POST.get("ticket", "").strip().lstrip("#")
    ticket = Ticket.objects.filter(pk=int(number)).first() if number.isdigit() else None
    if ticket is None:
        error = f"No ticket #{number}." if number else "Enter a ticket number."
        return _trigger_page(request, trigger, form, dry_run_error=error, status=INVALID)
    result = triggers.dry_run(trigger=trigger, ticket=ticket)
    for row in result["conditions"]:
        row["text"] = conditions_to_lines([row["condition"]])
    return _trigger_page(request, trigger, form, dry_run=result)


# --- automations ----------------------------------------------------------------------------


@admin_required
def automation_list(request):
    return render(
        request,
        "workflow/settings/automations.html",
        {"section": "automations", "rules": Automation.objects.order_by("position", "id")},
    )


@admin_required
def automation_new(request):
    form = AutomationForm(request.POST if request.method == "POST" else None)
    done = _save(
        request,
        form,
        actions.create_automation,
        label="Automation",
        back="settings:automations",
    )
    return done or render(
        request,
        "workflow/settings/automation_form.html",
        {"section": "automations", "rule": None, "form": form},
        status=INVALID if form.is_bound else 200,
    )


@admin_required
def automation_edit(request, pk: int):
    automation = get_object_or_404(Automation, pk=pk)
    form = AutomationForm.for_automation(
        automation, data=request.POST if request.method == "POST" else None
    )

    def save(**values):
        return actions.update_automation(automation=automation, **values)

    done = _save(request, form, save, label="Automation", back="settings:automations")
    if done:
        return done
    automation.refresh_from_db()
    runs = automation.runs.select_related("ticket").order_by("-ran_at", "-id")[:RUNS_SHOWN]
    return render(
        request,
        "workflow/settings/automation_form.html",
        {
            "section": "automations",
            "rule": automation,
            "form": form,
            "runs": runs,
            "form_drops": actions_the_form_cannot_show(automation.actions),
        },
        status=INVALID if form.is_bound else 200,
    )


@admin_required
@require_POST
def automation_delete(request, pk: int):
    automation = get_object_or_404(Automation, pk=pk)
    actions.delete_automation(automation=automation)
    messages.success(request, f"Automation {automation.name} deleted.")
    return redirect("settings:automations")


@admin_required
@require_POST
def automation_active(request, pk: int):
    automation = get_object_or_404(Automation, pk=pk)
    actions.update_automation(automation=automation, active=not automation.active)
    state = "on" if automation.active else "off"
    messages.success(request, f"Automation {automation.name} is {state}.")
    return redirect("settings:automations")


@admin_required
@require_POST
def automation_move(request, pk: int):
    automation = get_object_or_404(Automation, pk=pk)
    _move(request, actions.move_automation, automation=automation)
    return redirect("settings:automations")

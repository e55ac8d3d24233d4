"""Every write of the workflow app, one module per area: SLA (sla.py) and the rules that act
on tickets, triggers and automations (rules.py). Callers use `workflow.actions.<name>`."""

from tandem.workflow.actions.rules import (
    create_automation,
    create_trigger,
    delete_automation,
    delete_trigger,
    move_automation,
    move_trigger,
    update_automation,
    update_trigger,
)
from tandem.workflow.actions.sla import (
    TargetInput,
    create_calendar,
    create_sla_policy,
    delete_calendar,
    delete_sla_policy,
    fire_sla_alarms,
    fire_ticket_sla_alarms,
    move_sla_policy,
    refresh_open_tickets_sla,
    refresh_ticket_sla,
    set_team_calendar,
    update_calendar,
    update_sla_policy,
)

__all__ = [
    "TargetInput",
    "create_automation",
    "create_calendar",
    "create_sla_policy",
    "create_trigger",
    "delete_automation",
    "delete_calendar",
    "delete_sla_policy",
    "delete_trigger",
    "fire_sla_alarms",
    "fire_ticket_sla_alarms",
    "move_automation",
    "move_sla_policy",
    "move_trigger",
    "refresh_open_tickets_sla",
    "refresh_ticket_sla",
    "set_team_calendar",
    "update_automation",
    "update_calendar",
    "update_sla_policy",
    "update_trigger",
]

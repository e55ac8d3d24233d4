"""Ticket-page helper: `{% ticket_rule_runs ticket as runs %}`, the latest trigger and
automation runs on the ticket (what fired, when, what it changed)."""

from django import template

from tandem.workflow.models import TriggerRun

register = template.Library()

RUNS_SHOWN = 10


@register.simple_tag
def ticket_rule_runs(ticket) -> list[TriggerRun]:
    return list(
        TriggerRun.objects.filter(ticket_id=ticket.pk, dry_run=False)
        .select_related("trigger", "automation")
        .order_by("-ran_at", "-id")[:RUNS_SHOWN]
    )

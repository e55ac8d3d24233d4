"""Workflow tables, one module per responsibility; Django finds them through this package."""

from tandem.workflow.models.notifications import *  # noqa: F403
from tandem.workflow.models.routing import RoutingRule, TicketRouting
from tandem.workflow.models.sla import SlaMetric, SlaPolicy, SlaTarget, TicketSla
from tandem.workflow.models.triggers import *  # noqa: F403

__all__ = [
    "RoutingRule",
    "SlaMetric",
    "SlaPolicy",
    "SlaTarget",
    "TicketRouting",
    "TicketSla",
]

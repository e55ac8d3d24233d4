from django.apps import AppConfig


class WorkflowConfig(AppConfig):
    """SLA policies, routing, assignment, escalation, triggers and automations."""

    name = "tandem.workflow"
    label = "workflow"

    def ready(self) -> None:
        from tandem.core import event_bus
        from tandem.workflow.triggers import SUBSCRIBER_NAME, on_ticket_events

        event_bus.subscribe(SUBSCRIBER_NAME, on_ticket_events)

from django.apps import AppConfig


class WorkflowConfig(AppConfig):
    """SLA policies, routing, assignment, escalation, triggers and automations."""

    name = "tandem.workflow"
    label = "workflow"

    def ready(self):
        from tandem.core import event_bus
        from tandem.workflow.notification_subscriber import on_ticket_events

        event_bus.subscribe("workflow.notifications", on_ticket_events)

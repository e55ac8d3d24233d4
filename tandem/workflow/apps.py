from django.apps import AppConfig


class WorkflowConfig(AppConfig):
    """SLA policies, routing, assignment, escalation, triggers and automations."""

    name = "tandem.workflow"
    label = "workflow"

    def ready(self):
        from tandem.core import event_bus
        from tandem.workflow import assignment_tasks, routing  # noqa: F401 (registers the job)

        event_bus.subscribe("routing", routing.on_ticket_events)

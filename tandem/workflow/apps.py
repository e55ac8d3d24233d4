from django.apps import AppConfig


class WorkflowConfig(AppConfig):
    """SLA policies, routing, assignment, escalation, triggers and automations."""

    name = "tandem.workflow"
    label = "workflow"

    def ready(self) -> None:
        from tandem.core import event_bus
        from tandem.workflow import (  # noqa: F401 (assignment_tasks registers its job)
            assignment_tasks,
            notification_subscriber,
            routing,
            sla_subscriber,
            triggers,
        )

        # Subscribers run in this order. Routing first: it sets the team, priority and tags
        # the SLA policy matches on (its own changes are published, and heard, in turn).
        # SLA clocks next, so that triggers see the due times as they stand; notifications
        # last, so that what triggers changed is notified too.
        event_bus.subscribe("routing", routing.on_ticket_events)
        event_bus.subscribe(sla_subscriber.SUBSCRIBER_NAME, sla_subscriber.on_ticket_events)
        event_bus.subscribe(triggers.SUBSCRIBER_NAME, triggers.on_ticket_events)
        event_bus.subscribe("workflow.notifications", notification_subscriber.on_ticket_events)

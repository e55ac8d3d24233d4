from django.apps import AppConfig


class WorkflowConfig(AppConfig):
    """SLA policies, routing, assignment, escalation, triggers and automations."""

    name = "tandem.workflow"
    label = "workflow"

    def ready(self) -> None:
        from tandem.core import event_bus
        from tandem.workflow import notification_subscriber, sla_subscriber

        # Subscribers run in this order. SLA clocks first, so that everything after them
        # (and the notifications last) sees the ticket's due times as they now stand.
        event_bus.subscribe(sla_subscriber.SUBSCRIBER_NAME, sla_subscriber.on_ticket_events)
        event_bus.subscribe("workflow.notifications", notification_subscriber.on_ticket_events)

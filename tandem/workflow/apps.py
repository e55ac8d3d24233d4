from django.apps import AppConfig


class WorkflowConfig(AppConfig):
    """SLA policies, routing, assignment, escalation, triggers and automations."""

    name = "tandem.workflow"
    label = "workflow"

"""The demo desk's routing rules, triggers and automations: a desk a newcomer can watch work.

They are written after the history, which is replayed quietly, so they act only on what
happens from now on: mail to support@demo.test, portal requests, agents' changes, and the
automations' own clock (a demo solved for four days gets closed, like the stories do).
"""

from __future__ import annotations

from tandem.people.models import Team
from tandem.workflow import actions as workflow
from tandem.workflow.routing_actions import create_routing_rule

DAY = 24 * 60


def _contains_any(field: str, words: tuple[str, ...]) -> dict:
    rules = [{"field": field, "op": "contains", "value": word} for word in words]
    return {"match": "any", "rules": rules}


def write_demo_rules(teams: dict[str, Team]) -> dict[str, int]:
    """Routing rules, triggers and automations; answers how many of each were written."""
    billing, tier1, tier2 = teams["Billing"], teams["Support Tier 1"], teams["Support Tier 2"]
    routing = [
        create_routing_rule(
            name="Invoices and refunds go to Billing",
            conditions=_contains_any("subject", ("invoice", "refund", "charged", "payment")),
            set_team=billing,
            set_track="service",
        ),
        create_routing_rule(
            name="Outages are urgent support",
            conditions=_contains_any("subject", ("outage", "is down", "not loading")),
            set_team=tier1,
            set_track="support",
            set_priority="urgent",
            add_tags=["outage"],
        ),
    ]
    triggers = [
        workflow.create_trigger(
            name="Enterprise customers are tagged vip",
            events=["ticket_created"],
            conditions={"all": [{"field": "organization_plan", "op": "is", "value": "Enterprise"}]},
            actions=[{"type": "add_tags", "tags": ["vip"]}],
        ),
        workflow.create_trigger(
            name="Urgent support tickets alert Tier 2",
            events=["ticket_created", "priority_changed"],
            conditions={
                "all": [
                    {"field": "priority", "op": "is", "value": "urgent"},
                    {"field": "track", "op": "is", "value": "support"},
                ]
            },
            actions=[
                {
                    "type": "notify",
                    "team": tier2.pk,
                    "subject": "Urgent ticket #{{ ticket.number }}",
                    "body": "{{ ticket.subject }}",
                }
            ],
        ),
        workflow.create_trigger(
            name="A missed SLA climbs a support tier",
            events=["sla_breached"],
            conditions={"all": [{"field": "track", "op": "is", "value": "support"}]},
            actions=[
                {"type": "escalate", "note": "Missed its SLA target; escalated automatically."}
            ],
        ),
    ]
    automations = [
        workflow.create_automation(
            name="Remind the customer after 3 days pending",
            time_condition="status_for",
            status="pending",
            minutes=3 * DAY,
            actions=[
                {
                    "type": "email_customer",
                    "body": "Hello {{ contact.name }}, we are still waiting for your answer on "
                    "request #{{ ticket.number }} ({{ ticket.subject }}). Just reply to this "
                    "message and we will pick it up.",
                }
            ],
        ),
        workflow.create_automation(
            name="Close tickets solved for 4 days",
            time_condition="solved_for",
            minutes=4 * DAY,
            actions=[{"type": "set_fields", "fields": {"status": "closed"}}],
        ),
        workflow.create_automation(
            name="Unassigned for 30 business minutes: tell the team",
            time_condition="unassigned_for",
            minutes=30,
            business_hours=True,
            actions=[
                {
                    "type": "notify",
                    "team": tier1.pk,
                    "subject": "#{{ ticket.number }} waits for an owner",
                    "body": "{{ ticket.subject }}",
                }
            ],
        ),
    ]
    return {
        "routing rules": len(routing),
        "triggers": len(triggers),
        "automations": len(automations),
    }

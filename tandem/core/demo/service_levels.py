"""The demo desk's business hours and SLA policies, and the clocks of its open tickets.

The tickets are written as history (nothing on the bus reacts), so once they are in,
each open ticket's clocks are computed from its history as if the policies had always
applied, and the periodic check runs once to record what is already overdue.
"""

from __future__ import annotations

import datetime as dt

from tandem.core import event_bus
from tandem.core.models import Calendar
from tandem.people.models import Team
from tandem.tickets.models import Ticket
from tandem.workflow import actions
from tandem.workflow.actions import TargetInput
from tandem.workflow.models import SlaPolicy

CALENDAR_NAME = "Business hours"
# The hours the demo's conversations are generated in (tandem.core.demo.calendar).
WEEKLY_HOURS = {day: [["08:00", "18:00"]] for day in ("mon", "tue", "wed", "thu", "fri")}
HOLIDAYS = [
    {"date": "2026-01-01", "yearly": True, "name": "New Year's Day"},
    {"date": "2026-12-25", "yearly": True, "name": "Christmas Day"},
    {"date": "2026-12-26", "yearly": True, "name": "Boxing Day"},
]

# Business minutes per priority: (first response, next response, resolution).
POLICIES = (
    (
        "Enterprise",
        {"plans": ["Enterprise"]},
        {
            "urgent": (30, 60, 240),
            "high": (60, 120, 480),
            "normal": (120, 240, 960),
            "low": (240, 480, 1920),
        },
    ),
    (
        "Standard",
        {},
        {
            "urgent": (60, 120, 480),
            "high": (120, 240, 960),
            "normal": (240, 480, 1920),
            "low": (480, 960, 2880),
        },
    ),
)
METRICS = ("first_response", "next_response", "resolution")


def configure_service_levels(teams: dict[str, Team]) -> None:
    """The calendar on every team and the policies, unless an earlier load left them."""
    calendar = Calendar.objects.filter(name=CALENDAR_NAME).first() or actions.create_calendar(
        name=CALENDAR_NAME, time_zone="UTC", weekly_hours=WEEKLY_HOURS, holidays=HOLIDAYS
    )
    for team in teams.values():
        actions.set_team_calendar(team=team, calendar=calendar)
    for name, conditions, per_priority in POLICIES:
        if SlaPolicy.objects.filter(name=name).exists():
            continue
        actions.create_sla_policy(
            name=name,
            conditions=conditions,
            warning_minutes=30,
            targets=[
                TargetInput(priority=priority, metric=metric, minutes=minutes)
                for priority, minutes_per_metric in per_priority.items()
                for metric, minutes in zip(METRICS, minutes_per_metric, strict=True)
            ],
        )


def start_open_ticket_clocks(now: dt.datetime) -> int:
    """Clocks for every open ticket, then the breaches and warnings already due at `now`."""
    numbers = Ticket.objects.filter(unsolved=True).values_list("number", flat=True)
    with event_bus.quiet():
        for number in numbers:
            actions.refresh_ticket_sla(ticket=Ticket(number=number), at=now, record=False)
        actions.fire_sla_alarms(at=now)
    return len(numbers)

"""The pure clock replay and policy matching, with hand-computed times in two time zones."""

from __future__ import annotations

import datetime as dt

from tandem.core.business_time import ALWAYS_OPEN, build_schedule
from tandem.workflow.sla_clocks import (
    AGENT_REPLY,
    CUSTOMER_MESSAGE,
    STATUS,
    Happening,
    TargetRule,
    next_alarm,
    replay,
)
from tandem.workflow.sla_matching import TicketFacts, clean_conditions, first_matching, matches

UTC = dt.UTC
WORKDAYS = {day: [["09:00", "17:00"]] for day in ("mon", "tue", "wed", "thu", "fri")}
NEW_YORK = build_schedule(time_zone="America/New_York", weekly_hours=WORKDAYS, holidays=[])
BERLIN = build_schedule(
    time_zone="Europe/Berlin",
    weekly_hours={**WORKDAYS, "mon": [["09:00", "12:00"], ["13:00", "17:00"]]},
    holidays=[{"date": "2026-12-25", "yearly": True}],
)
TARGETS = {
    "first_response": TargetRule(60, True),
    "next_response": TargetRule(120, True),
    "resolution": TargetRule(600, True),
}


def utc(*args):
    return dt.datetime(*args, tzinfo=UTC)


def test_new_york_resolution_across_the_spring_forward_weekend():
    # Fri 2026-03-06 16:00 EST = 21:00Z: 1 open hour left. DST starts Sun 03-08, so
    # Monday opens 09:00 EDT = 13:00Z; 9 more hours -> Mon 8h (17:00 EDT = 21:00Z), then
    # Tue 09:00 EDT + 1h = 14:00Z.
    clocks = replay(
        targets=TARGETS, schedule=NEW_YORK, created_at=utc(2026, 3, 6, 21), happenings=[]
    )
    assert clocks["first_response"].due_at == utc(2026, 3, 6, 22)
    assert clocks["resolution"].due_at == utc(2026, 3, 10, 14)


def test_berlin_lunch_break_and_yearly_holiday():
    # Mon 2026-12-21 11:30 CET = 10:30Z: 30 min before lunch, then 13:00 CET -> 13:30 CET.
    clocks = replay(
        targets=TARGETS, schedule=BERLIN, created_at=utc(2026, 12, 21, 10, 30), happenings=[]
    )
    assert clocks["first_response"].due_at == utc(2026, 12, 21, 12, 30)
    # Thu 12-24 16:30 CET = 15:30Z: 30 min that day; Fri 12-25 is a yearly holiday, then
    # the weekend; Monday 12-28 opens 09:00 CET = 08:00Z -> the other 30 min end 08:30Z.
    late = replay(
        targets=TARGETS, schedule=BERLIN, created_at=utc(2026, 12, 24, 15, 30), happenings=[]
    )
    assert late["first_response"].due_at == utc(2026, 12, 28, 8, 30)


def test_pause_keeps_remaining_business_seconds_over_a_weekend():
    # Open Fri 2026-03-06 10:00 EST (15:00Z); pending at 12:00 EST: 8h of 10h left.
    happenings = [
        Happening(utc(2026, 3, 6, 16), AGENT_REPLY),
        Happening(utc(2026, 3, 6, 17), STATUS, "pending"),
        # The customer answers Sunday; the clock resumes at once but counts from Monday.
        Happening(utc(2026, 3, 8, 18), CUSTOMER_MESSAGE),
        Happening(utc(2026, 3, 8, 18), STATUS, "open"),
    ]
    clocks = replay(
        targets=TARGETS, schedule=NEW_YORK, created_at=utc(2026, 3, 6, 15), happenings=happenings
    )
    assert clocks["resolution"].due_at == utc(2026, 3, 9, 21)  # Mon 17:00 EDT
    assert clocks["resolution"].paused_seconds == 49 * 3600
    assert clocks["next_response"].cycle == 1
    assert clocks["next_response"].due_at == utc(2026, 3, 9, 15)  # Mon 11:00 EDT


def test_calendar_time_target_ignores_the_calendar():
    rule = {"resolution": TargetRule(600, False)}
    clocks = replay(targets=rule, schedule=NEW_YORK, created_at=utc(2026, 3, 6, 21), happenings=[])
    assert clocks["resolution"].due_at == utc(2026, 3, 7, 7)
    assert set(clocks) == {"resolution"}


def test_overdue_paused_clock_stays_overdue_when_it_resumes():
    happenings = [
        Happening(utc(2026, 3, 2, 2), STATUS, "on_hold"),
        Happening(utc(2026, 3, 2, 5), STATUS, "open"),
    ]
    clocks = replay(
        targets={"first_response": TargetRule(60, False)},
        schedule=ALWAYS_OPEN,
        created_at=utc(2026, 3, 2, 0),
        happenings=happenings,
    )
    assert clocks["first_response"].due_at == utc(2026, 3, 2, 4)  # 1h overdue at the pause


def test_next_alarm_is_the_warning_then_the_due_time():
    clocks = replay(
        targets=TARGETS, schedule=ALWAYS_OPEN, created_at=utc(2026, 3, 2), happenings=[]
    )
    assert next_alarm(clocks, warning_minutes=15, warned={}, breached={}) == utc(2026, 3, 2, 0, 45)
    warned = {"first_response": 1}
    assert next_alarm(clocks, warning_minutes=15, warned=warned, breached={}) == utc(2026, 3, 2, 1)
    done = {"first_response": 1}
    assert next_alarm(
        clocks, warning_minutes=15, warned={**done, "resolution": 1}, breached=done
    ) == utc(2026, 3, 2, 10)


def test_conditions_all_must_hold_and_empty_ones_match_anything():
    facts = TicketFacts(
        plan="Enterprise",
        track="support",
        priority="high",
        channel="email",
        tags=frozenset({"vip", "billing"}),
        custom_fields={"contract": "gold"},
    )
    assert matches({}, facts)
    assert matches({"plans": ["Enterprise"], "tags": ["vip", "other"], "tracks": []}, facts)
    assert not matches({"plans": ["Starter"]}, facts)
    assert not matches({"channels": ["chat"]}, facts)
    assert not matches({"tags": ["other"]}, facts)
    assert matches({"custom_fields": {"contract": "gold"}}, facts)
    assert not matches({"custom_fields": {"contract": "silver"}}, facts)


def test_first_active_matching_policy_wins():
    class Policy:
        def __init__(self, name, active, conditions):
            self.name, self.active, self.conditions = name, active, conditions

    policies = [
        Policy("off", False, {}),
        Policy("vip", True, {"tags": ["vip"]}),
        Policy("all", True, {}),
    ]
    assert first_matching(policies, TicketFacts(tags=frozenset({"vip"}))).name == "vip"
    assert first_matching(policies, TicketFacts()).name == "all"
    assert first_matching(policies[:2], TicketFacts()) is None


def test_clean_conditions_refuses_unknown_keys_and_tidies_lists():
    assert clean_conditions({"tags": [" vip ", "vip", ""], "plans": []}) == {"tags": ["vip"]}
    for bad in ({"colour": ["red"]}, {"tags": "vip"}, {"custom_fields": ["x"]}):
        try:
            clean_conditions(bad)
        except ValueError:
            continue
        raise AssertionError(f"{bad} was accepted")

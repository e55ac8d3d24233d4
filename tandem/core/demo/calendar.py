"""When the demo desk works: business hours arithmetic for generated timings (pure, no Django)."""

from __future__ import annotations

import datetime as dt

OPENS = dt.time(8, 0)
CLOSES = dt.time(18, 0)
WORKDAYS = frozenset({0, 1, 2, 3, 4})  # Monday..Friday


def is_business_time(moment: dt.datetime) -> bool:
    return moment.weekday() in WORKDAYS and OPENS <= moment.time() < CLOSES


def next_opening(moment: dt.datetime) -> dt.datetime:
    """`moment` itself during business hours, otherwise the next time the desk opens."""
    if is_business_time(moment):
        return moment
    day = moment
    if moment.weekday() in WORKDAYS and moment.time() < OPENS:
        return day.replace(hour=OPENS.hour, minute=OPENS.minute, second=0, microsecond=0)
    while True:
        day = (day + dt.timedelta(days=1)).replace(
            hour=OPENS.hour, minute=OPENS.minute, second=0, microsecond=0
        )
        if day.weekday() in WORKDAYS:
            return day


def add_business_minutes(start: dt.datetime, minutes: float) -> dt.datetime:
    """`start` plus `minutes` of open desk time, skipping nights and weekends."""
    moment = next_opening(start)
    remaining = dt.timedelta(minutes=minutes)
    while True:
        closing = moment.replace(hour=CLOSES.hour, minute=CLOSES.minute, second=0, microsecond=0)
        if moment + remaining < closing:
            return moment + remaining
        remaining -= closing - moment
        moment = next_opening(closing)

"""Business-hours arithmetic on a weekly schedule with holidays, in the schedule's time zone.

Pure functions, no Django: add business time to an instant, measure business time between
two instants, tell whether the desk is open. Intervals are laid out on each local day and
converted to UTC, so a day on which the clocks change is as long as it really is.
Overnight intervals (end before start) are rejected: split them at midnight instead.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

UTC = dt.UTC
# A schedule with no open hour in this many days can never reach a due time.
MAX_SEARCH_DAYS = 3 * 366
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True)
class Schedule:
    """Weekly open intervals (weekday 0 = Monday -> [(start, end)]), holidays, time zone.

    An interval's end of `None` means midnight at the end of the day (24:00).
    """

    time_zone: str = "UTC"
    weekly: Mapping[int, tuple[tuple[dt.time, dt.time | None], ...]] = field(default_factory=dict)
    holidays: frozenset[dt.date] = frozenset()
    yearly_holidays: frozenset[tuple[int, int]] = frozenset()  # (month, day)
    always_open: bool = False

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)

    def is_holiday(self, day: dt.date) -> bool:
        return day in self.holidays or (day.month, day.day) in self.yearly_holidays


ALWAYS_OPEN = Schedule(always_open=True)


def parse_time(text: str, *, allow_midnight_end: bool = False) -> dt.time | None:
    """'09:00' -> time(9, 0); '24:00' -> None (end of day) where allowed."""
    if allow_midnight_end and text.strip() == "24:00":
        return None
    try:
        return dt.time.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(f"{text!r} is not a time like 09:00") from None


def build_schedule(
    *, time_zone: str, weekly_hours: Mapping[str, Sequence[Sequence[str]]], holidays: Sequence
) -> Schedule:
    """Check and convert stored calendar data; raises ValueError naming what is wrong.

    weekly_hours: {"mon": [["09:00", "12:00"], ["13:00", "17:00"]], ...}
    holidays: [{"date": "2026-12-25", "yearly": true, "name": "Christmas"}, ...]
    """
    try:
        ZoneInfo(time_zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {time_zone!r}") from None
    weekly: dict[int, tuple] = {}
    for name, intervals in weekly_hours.items():
        if name not in WEEKDAYS:
            raise ValueError(f"unknown weekday {name!r}; use {', '.join(WEEKDAYS)}")
        parsed = []
        for interval in intervals:
            if len(interval) != 2:
                raise ValueError(f"{name}: an interval is a start and an end")
            start = parse_time(interval[0])
            end = parse_time(interval[1], allow_midnight_end=True)
            if end is not None and end <= start:
                raise ValueError(
                    f"{name} {interval[0]}-{interval[1]}: the end must be after the start "
                    "(split overnight hours at midnight)"
                )
            parsed.append((start, end))
        parsed.sort()
        for (_, end), (start, _) in zip(parsed, parsed[1:], strict=False):
            if end is None or end > start:
                raise ValueError(f"{name}: intervals overlap")
        if parsed:
            weekly[WEEKDAYS.index(name)] = tuple(parsed)
    one_off, yearly = set(), set()
    for holiday in holidays:
        try:
            day = dt.date.fromisoformat(str(holiday["date"]))
        except (KeyError, TypeError, ValueError):
            raise ValueError(f"holiday {holiday!r}: date must be like 2026-12-25") from None
        if holiday.get("yearly"):
            yearly.add((day.month, day.day))
        else:
            one_off.add(day)
    return Schedule(
        time_zone=time_zone,
        weekly=weekly,
        holidays=frozenset(one_off),
        yearly_holidays=frozenset(yearly),
    )


def _local_instant(day: dt.date, at: dt.time | None, zone: ZoneInfo) -> dt.datetime:
    if at is None:
        day, at = day + dt.timedelta(days=1), dt.time(0)
    # A wall time in a spring-forward gap resolves (fold=0) to the instant after the gap.
    return dt.datetime.combine(day, at, tzinfo=zone).astimezone(UTC)


def _open_intervals(schedule: Schedule, day: dt.date) -> Iterator[tuple[dt.datetime, dt.datetime]]:
    """The UTC intervals in which the desk is open on local `day`."""
    if schedule.is_holiday(day):
        return
    zone = schedule.zone
    for start, end in schedule.weekly.get(day.weekday(), ()):
        start_at = _local_instant(day, start, zone)
        end_at = _local_instant(day, end, zone)
        if end_at > start_at:
            yield start_at, end_at


def _require_aware(instant: dt.datetime) -> dt.datetime:
    if instant.tzinfo is None:
        raise ValueError("business time needs aware datetimes")
    return instant.astimezone(UTC)


def add_business_time(schedule: Schedule, start: dt.datetime, amount: dt.timedelta) -> dt.datetime:
    """The instant at which `amount` of open time has passed since `start`."""
    start = _require_aware(start)
    if amount < dt.timedelta(0):
        raise ValueError("amount must not be negative")
    if schedule.always_open:
        return start + amount
    remaining = amount
    day = start.astimezone(schedule.zone).date() - dt.timedelta(days=1)
    for _ in range(MAX_SEARCH_DAYS):
        for open_at, close_at in _open_intervals(schedule, day):
            if close_at <= start:
                continue
            begin = max(open_at, start)
            available = close_at - begin
            if remaining <= available:
                return begin + remaining
            remaining -= available
        day += dt.timedelta(days=1)
    raise ValueError("the calendar has no open hours: a business-time target can never be due")


def business_time_between(schedule: Schedule, start: dt.datetime, end: dt.datetime) -> dt.timedelta:
    """Open time from `start` to `end` (zero when end is not after start)."""
    start, end = _require_aware(start), _require_aware(end)
    if end <= start:
        return dt.timedelta(0)
    if schedule.always_open:
        return end - start
    zone = schedule.zone
    total = dt.timedelta(0)
    day = start.astimezone(zone).date() - dt.timedelta(days=1)
    last = end.astimezone(zone).date()
    while day <= last:
        for open_at, close_at in _open_intervals(schedule, day):
            overlap = min(close_at, end) - max(open_at, start)
            if overlap > dt.timedelta(0):
                total += overlap
        day += dt.timedelta(days=1)
    return total


def is_open_at(schedule: Schedule, instant: dt.datetime) -> bool:
    instant = _require_aware(instant)
    if schedule.always_open:
        return True
    day = instant.astimezone(schedule.zone).date()
    for candidate in (day - dt.timedelta(days=1), day):
        for open_at, close_at in _open_intervals(schedule, candidate):
            if open_at <= instant < close_at:
                return True
    return False


def add_business_minutes(schedule: Schedule, start: dt.datetime, minutes: int) -> dt.datetime:
    return add_business_time(schedule, start, dt.timedelta(minutes=minutes))


def business_minutes_between(schedule: Schedule, start: dt.datetime, end: dt.datetime) -> float:
    return business_time_between(schedule, start, end).total_seconds() / 60

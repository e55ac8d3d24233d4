"""Business-time arithmetic: hand-computed cases in Berlin and New York, and properties."""

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tandem.core.business_time import (
    ALWAYS_OPEN,
    add_business_minutes,
    build_schedule,
    business_minutes_between,
    is_open_at,
)

UTC = dt.UTC
WORKDAYS = {day: [["09:00", "17:00"]] for day in ("mon", "tue", "wed", "thu", "fri")}


def utc(*args):
    return dt.datetime(*args, tzinfo=UTC)


def berlin(**extra):
    return build_schedule(
        time_zone="Europe/Berlin", weekly_hours=extra.pop("weekly", WORKDAYS), holidays=[]
    )


def new_york(weekly=WORKDAYS, holidays=()):
    return build_schedule(time_zone="America/New_York", weekly_hours=weekly, holidays=holidays)


def test_friday_afternoon_plus_two_hours_lands_monday_morning_berlin():
    # Fri 2026-03-27 16:00 CET (15:00Z): 1h left on Friday, the weekend carries the DST
    # switch, Monday opens 09:00 CEST (07:00Z) -> due 10:00 CEST = 08:00Z.
    due = add_business_minutes(berlin(), utc(2026, 3, 27, 15, 0), 120)
    assert due == utc(2026, 3, 30, 8, 0)
    assert business_minutes_between(berlin(), utc(2026, 3, 27, 15, 0), due) == 120


def test_spring_forward_gap_inside_open_hours_berlin():
    # Sunday 2026-03-29 01:00-05:00 local: 01:00 CET = 00:00Z, 05:00 CEST = 03:00Z -> 3h open.
    schedule = berlin(weekly={"sun": [["01:00", "05:00"]]})
    start = utc(2026, 3, 28, 12, 0)
    assert add_business_minutes(schedule, start, 120) == utc(2026, 3, 29, 2, 0)  # 04:00 CEST
    assert business_minutes_between(schedule, start, utc(2026, 3, 30, 0, 0)) == 180


def test_whole_day_on_spring_forward_is_23_hours_berlin():
    schedule = berlin(weekly={"sun": [["00:00", "24:00"]]})
    assert business_minutes_between(schedule, utc(2026, 3, 28), utc(2026, 3, 31)) == 23 * 60


def test_whole_day_on_fall_back_is_25_hours_new_york():
    # Sunday 2026-11-01: 00:00 EDT = 04:00Z to 24:00 EST = 05:00Z next day.
    schedule = new_york(weekly={"sun": [["00:00", "24:00"]]})
    assert business_minutes_between(schedule, utc(2026, 10, 31), utc(2026, 11, 3)) == 25 * 60
    assert add_business_minutes(schedule, utc(2026, 10, 31), 25 * 60) == utc(2026, 11, 2, 5, 0)


def test_fall_back_repeated_hour_counts_twice_new_york():
    # 00:00-03:00 local on 2026-11-01: 00:00 EDT = 04:00Z, 03:00 EST = 08:00Z -> 4h open.
    schedule = new_york(weekly={"sun": [["00:00", "03:00"]]})
    assert business_minutes_between(schedule, utc(2026, 10, 31), utc(2026, 11, 2)) == 240
    assert add_business_minutes(schedule, utc(2026, 10, 31), 150) == utc(2026, 11, 1, 6, 30)


def test_holidays_one_off_and_yearly_are_skipped_new_york():
    schedule = new_york(
        holidays=[{"date": "2026-12-24"}, {"date": "2020-12-25", "yearly": True, "name": "Xmas"}]
    )
    # Wed 2026-12-23 16:30 EST = 21:30Z: 30 min Wednesday, Thu 24 and Fri 25 closed,
    # weekend, Monday 28 opens 09:00 EST = 14:00Z -> due 09:30 EST = 14:30Z.
    assert add_business_minutes(schedule, utc(2026, 12, 23, 21, 30), 60) == utc(
        2026, 12, 28, 14, 30
    )
    assert not is_open_at(schedule, utc(2026, 12, 25, 15, 0))
    assert is_open_at(schedule, utc(2026, 12, 28, 14, 0))


def test_several_intervals_a_day_and_lunch_break_berlin():
    schedule = berlin(weekly={"mon": [["09:00", "12:00"], ["13:00", "17:00"]]})
    # Mon 2026-06-01 11:30 CEST = 09:30Z + 60 min -> 30 min before lunch, 30 after: 13:30 CEST.
    assert add_business_minutes(schedule, utc(2026, 6, 1, 9, 30), 60) == utc(2026, 6, 1, 11, 30)
    assert not is_open_at(schedule, utc(2026, 6, 1, 10, 30))  # 12:30 CEST


def test_start_before_opening_and_across_midnight_new_york():
    # Tue 2026-06-02 06:00 EDT = 10:00Z: waits for 09:00 EDT (13:00Z); 9h = 8h Tue + 1h Wed.
    due = add_business_minutes(new_york(), utc(2026, 6, 2, 10, 0), 9 * 60)
    assert due == utc(2026, 6, 3, 14, 0)


def test_zero_minutes_at_a_closed_moment_is_the_next_opening():
    assert add_business_minutes(berlin(), utc(2026, 6, 6, 12, 0), 0) == utc(2026, 6, 8, 7, 0)


def test_always_open_is_plain_arithmetic():
    assert add_business_minutes(ALWAYS_OPEN, utc(2026, 3, 29, 0, 0), 90) == utc(2026, 3, 29, 1, 30)


@pytest.mark.parametrize(
    ("weekly", "message"),
    [
        ({"mon": [["22:00", "06:00"]]}, "split overnight"),
        ({"mon": [["09:00", "13:00"], ["12:00", "17:00"]]}, "overlap"),
        ({"monday": [["09:00", "17:00"]]}, "unknown weekday"),
        ({"mon": [["9am", "17:00"]]}, "not a time"),
    ],
)
def test_bad_weekly_hours_are_rejected_clearly(weekly, message):
    with pytest.raises(ValueError, match=message):
        build_schedule(time_zone="UTC", weekly_hours=weekly, holidays=[])


def test_unknown_time_zone_and_bad_holiday_are_rejected():
    with pytest.raises(ValueError, match="time zone"):
        build_schedule(time_zone="Mars/Olympus", weekly_hours={}, holidays=[])
    with pytest.raises(ValueError, match="holiday"):
        build_schedule(time_zone="UTC", weekly_hours={}, holidays=[{"date": "25/12"}])


def test_calendar_without_open_hours_cannot_be_due():
    with pytest.raises(ValueError, match="no open hours"):
        add_business_minutes(berlin(weekly={}), utc(2026, 1, 1), 1)


instants = st.integers(min_value=0, max_value=2 * 366 * 24 * 3600).map(
    lambda seconds: utc(2026, 1, 1) + dt.timedelta(seconds=seconds)
)
schedules = st.sampled_from(
    [
        berlin(),
        new_york(holidays=[{"date": "2026-07-03"}, {"date": "2026-12-25", "yearly": True}]),
        new_york(weekly={"sun": [["00:00", "03:00"]], "sat": [["01:30", "24:00"]]}),
    ]
)


@settings(max_examples=150, deadline=None)
@given(schedule=schedules, start=instants, minutes=st.integers(min_value=0, max_value=30_000))
def test_adding_then_measuring_returns_the_amount(schedule, start, minutes):
    due = add_business_minutes(schedule, start, minutes)
    assert due >= start
    assert business_minutes_between(schedule, start, due) == minutes


@settings(max_examples=100, deadline=None)
@given(
    schedule=schedules,
    start=instants,
    first=st.integers(min_value=0, max_value=20_000),
    second=st.integers(min_value=0, max_value=20_000),
)
def test_adding_is_monotonic(schedule, start, first, second):
    low, high = sorted((first, second))
    assert add_business_minutes(schedule, start, low) <= add_business_minutes(schedule, start, high)


def test_calendar_model_validates_and_builds_its_schedule():
    from django.core.exceptions import ValidationError

    from tandem.core.models import Calendar

    calendar = Calendar(name="Berlin office", time_zone="Europe/Berlin", weekly_hours=WORKDAYS)
    calendar.clean()
    assert calendar.schedule().weekly[0] == ((dt.time(9), dt.time(17)),)
    calendar.weekly_hours = {"mon": [["18:00", "02:00"]]}
    with pytest.raises(ValidationError, match="overnight"):
        calendar.clean()

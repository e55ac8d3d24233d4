"""Forms of the workflow settings pages: calendars and SLA policies, in words an admin reads."""

from __future__ import annotations

import datetime as dt
import json
from zoneinfo import available_timezones

from django import forms

from tandem.core.business_time import WEEKDAYS
from tandem.people.forms import WorkspaceForm
from tandem.people.models import Team, Track
from tandem.tickets.models import Channel, Priority
from tandem.workflow.actions import TargetInput
from tandem.workflow.models import SlaMetric

DAY_NAMES = dict(
    zip(
        WEEKDAYS,
        ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
        strict=True,
    )
)
# Yearly holidays are stored with this (leap) year, so 29 February can be one.
YEARLY_YEAR = 2000


def _split_list(text: str) -> list[str]:
    return [item.strip() for item in (text or "").replace("\n", ",").split(",") if item.strip()]


def intervals_text(intervals) -> str:
    return ", ".join(f"{start}-{end}" for start, end in intervals)


class CalendarForm(WorkspaceForm):
    name = forms.CharField(max_length=120)
    time_zone = forms.ChoiceField(
        choices=[(zone, zone) for zone in sorted(available_timezones())],
        initial="UTC",
        help_text="Opening hours and holidays are read in this zone, daylight saving included.",
    )
    one_off_holidays = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        help_text="One per line, a date and a name: 2026-04-03 Good Friday",
    )
    yearly_holidays = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        help_text="Every year on the same day, one per line: 12-25 Christmas Day",
    )
    teams = forms.ModelMultipleChoiceField(
        queryset=Team.objects.order_by("name"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Teams whose SLA targets count these hours. A team without a calendar is 24/7.",
    )

    def __init__(self, *args, calendar=None, **kwargs):
        if calendar is not None:
            kwargs.setdefault("initial", self.initial_for(calendar))
        super().__init__(*args, **kwargs)
        # Weekday rows go between the time zone and the holidays.
        fields = dict(self.fields)
        ordered = {key: fields.pop(key) for key in ("name", "time_zone")}
        for day in WEEKDAYS:
            ordered[day] = forms.CharField(
                label=DAY_NAMES[day],
                required=False,
                help_text="Open intervals like 09:00-12:30, 13:30-17:00; empty means closed.",
            )
        ordered.update(fields)
        self.fields = ordered

    @staticmethod
    def initial_for(calendar) -> dict:
        initial = {
            "name": calendar.name,
            "time_zone": calendar.time_zone,
            "teams": list(calendar.teams.values_list("pk", flat=True)),
        }
        for day in WEEKDAYS:
            initial[day] = intervals_text(calendar.weekly_hours.get(day, []))
        one_off, yearly = [], []
        for holiday in calendar.holidays:
            day = dt.date.fromisoformat(holiday["date"])
            if holiday.get("yearly"):
                yearly.append(f"{day:%m-%d} {holiday.get('name', '')}".strip())
            else:
                one_off.append(f"{day.isoformat()} {holiday.get('name', '')}".strip())
        initial["one_off_holidays"] = "\n".join(one_off)
        initial["yearly_holidays"] = "\n".join(yearly)
        return initial

    def _clean_day(self, day: str) -> list[list[str]]:
        intervals = []
        for part in _split_list(self.cleaned_data.get(day, "")):
            start, sep, end = part.partition("-")
            if not sep:
                raise forms.ValidationError(f"{part!r}: write an interval as 09:00-17:00")
            intervals.append([start.strip(), end.strip()])
        return intervals

    def _clean_holidays(self, name: str, *, yearly: bool) -> list[dict]:
        holidays = []
        for line in (self.cleaned_data.get(name) or "").splitlines():
            if not line.strip():
                continue
            date_text, _, label = line.strip().partition(" ")
            try:
                if yearly:
                    month, day = (int(part) for part in date_text.split("-"))
                    date = dt.date(YEARLY_YEAR, month, day)
                else:
                    date = dt.date.fromisoformat(date_text)
            except ValueError:
                example = "12-25 Christmas Day" if yearly else "2026-04-03 Good Friday"
                self.add_error(name, f"{line.strip()!r}: write it like {example}")
                continue
            holidays.append({"date": date.isoformat(), "yearly": yearly, "name": label.strip()})
        return holidays

    def clean(self):
        cleaned = super().clean()
        weekly = {}
        for day in WEEKDAYS:
            try:
                intervals = self._clean_day(day)
            except forms.ValidationError as error:
                self.add_error(day, error)
                continue
            if intervals:
                weekly[day] = intervals
        cleaned["weekly_hours"] = weekly
        cleaned["holidays"] = self._clean_holidays(
            "one_off_holidays", yearly=False
        ) + self._clean_holidays("yearly_holidays", yearly=True)
        return cleaned


class PolicyForm(WorkspaceForm):
    """A policy's settings, conditions and its grid of targets (minutes per priority)."""

    name = forms.CharField(max_length=120)
    active = forms.BooleanField(required=False, initial=True, help_text="Off: never applied.")
    plans = forms.CharField(
        required=False,
        label="Organization plans",
        help_text="Comma-separated, e.g. Enterprise, Business. Empty: any plan.",
    )
    tracks = forms.MultipleChoiceField(
        choices=Track.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="None ticked: any track.",
    )
    priorities = forms.MultipleChoiceField(
        choices=Priority.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="None ticked: any priority.",
    )
    channels = forms.MultipleChoiceField(
        choices=Channel.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="None ticked: any channel.",
    )
    tags = forms.CharField(
        required=False, help_text="Comma-separated; the ticket needs any one of them. Empty: any."
    )
    custom_fields = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        label="Custom field values",
        help_text="One per line, key = value (e.g. contract = gold). All must hold.",
    )
    warning_minutes = forms.IntegerField(
        min_value=0,
        initial=30,
        help_text="An 'SLA warning' event this many minutes before a target is due (0: none).",
    )
    pause_when_pending = forms.BooleanField(
        required=False, initial=True, help_text="Clocks stop while waiting for the customer."
    )
    pause_when_on_hold = forms.BooleanField(
        required=False, initial=True, help_text="Clocks stop while the ticket is on hold."
    )

    def __init__(self, *args, policy=None, **kwargs):
        if policy is not None:
            kwargs.setdefault("initial", self.initial_for(policy))
        super().__init__(*args, **kwargs)
        for metric in SlaMetric.values:
            self.fields[f"business_hours_{metric}"] = forms.BooleanField(
                required=False, initial=True, label="Business hours"
            )
            for priority in Priority.values:
                self.fields[self.target_name(priority, metric)] = forms.IntegerField(
                    required=False, min_value=1, label=f"{priority} {metric}"
                )

    @staticmethod
    def target_name(priority: str, metric: str) -> str:
        return f"target_{priority}_{metric}"

    @classmethod
    def initial_for(cls, policy) -> dict:
        conditions = policy.conditions or {}
        initial = {
            "name": policy.name,
            "active": policy.active,
            "plans": ", ".join(conditions.get("plans", [])),
            "tracks": conditions.get("tracks", []),
            "priorities": conditions.get("priorities", []),
            "channels": conditions.get("channels", []),
            "tags": ", ".join(conditions.get("tags", [])),
            "custom_fields": "\n".join(
                f"{key} = {json.dumps(value) if not isinstance(value, str) else value}"
                for key, value in (conditions.get("custom_fields") or {}).items()
            ),
            "warning_minutes": policy.warning_minutes,
            "pause_when_pending": policy.pause_when_pending,
            "pause_when_on_hold": policy.pause_when_on_hold,
        }
        for target in policy.targets.all():
            initial[cls.target_name(target.priority, target.metric)] = target.minutes
            initial[f"business_hours_{target.metric}"] = target.business_hours
        return initial

    def grid(self):
        """Rows for the template: (metric label, business-hours field, [field per priority])."""
        return [
            (
                label,
                self[f"business_hours_{metric}"],
                [self[self.target_name(priority, metric)] for priority in Priority.values],
            )
            for metric, label in SlaMetric.choices
        ]

    def clean_custom_fields(self):
        values = {}
        for line in (self.cleaned_data.get("custom_fields") or "").splitlines():
            if not line.strip():
                continue
            key, sep, value = line.partition("=")
            if not sep or not key.strip():
                raise forms.ValidationError(f"{line.strip()!r}: write it as key = value")
            value = value.strip()
            try:
                values[key.strip()] = json.loads(value)
            except ValueError:
                values[key.strip()] = value
        return values

    def action_arguments(self) -> dict:
        data = self.cleaned_data
        conditions = {
            "plans": _split_list(data["plans"]),
            "tracks": data["tracks"],
            "priorities": data["priorities"],
            "channels": data["channels"],
            "tags": _split_list(data["tags"]),
            "custom_fields": data["custom_fields"],
        }
        targets = [
            TargetInput(
                priority=priority,
                metric=metric,
                minutes=data[self.target_name(priority, metric)],
                business_hours=data[f"business_hours_{metric}"],
            )
            for metric in SlaMetric.values
            for priority in Priority.values
            if data.get(self.target_name(priority, metric))
        ]
        return {
            "name": data["name"],
            "active": data["active"],
            "conditions": conditions,
            "targets": targets,
            "warning_minutes": data["warning_minutes"],
            "pause_when_pending": data["pause_when_pending"],
            "pause_when_on_hold": data["pause_when_on_hold"],
        }

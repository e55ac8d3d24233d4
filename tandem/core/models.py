"""Shared tables: typed custom-field definitions used by tickets, contacts and organizations."""

from django.db import models


class CustomField(models.Model):
    """An admin-defined, typed field; values live in the owner's `custom_fields` JSON by key."""

    class Entity(models.TextChoices):
        TICKET = "ticket", "Ticket"
        CONTACT = "contact", "Contact"
        ORGANIZATION = "organization", "Organization"

    class Kind(models.TextChoices):
        TEXT = "text", "Text"
        NUMBER = "number", "Number"
        DATE = "date", "Date"
        CHOICE = "choice", "Choice"
        CHECKBOX = "checkbox", "Checkbox"

    entity = models.CharField(max_length=16, choices=Entity.choices)
    key = models.SlugField(max_length=64, help_text="Stable name used in the API and in rules.")
    label = models.CharField(max_length=120)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    choices = models.JSONField(default=list, blank=True)
    required = models.BooleanField(default=False)
    position = models.PositiveIntegerField(default=0)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["entity", "position", "label"]
        constraints = [
            models.UniqueConstraint(fields=["entity", "key"], name="custom_field_unique_key"),
        ]

    def __str__(self) -> str:
        return f"{self.get_entity_display()}: {self.label}"


class Calendar(models.Model):
    """Business hours: a time zone, weekly open intervals and holidays (a team has one).

    weekly_hours: {"mon": [["09:00", "17:00"]], ...}; holidays: [{"date", "yearly", "name"}].
    The arithmetic lives in `tandem.core.business_time`.
    """

    name = models.CharField(max_length=120, unique=True)
    time_zone = models.CharField(max_length=64, default="UTC")
    weekly_hours = models.JSONField(default=dict, blank=True)
    holidays = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def schedule(self):
        from tandem.core.business_time import build_schedule

        return build_schedule(
            time_zone=self.time_zone, weekly_hours=self.weekly_hours, holidays=self.holidays
        )

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        try:
            self.schedule()
        except ValueError as error:
            raise ValidationError({"weekly_hours": str(error)}) from error


# The search table lives with its engine code; Django finds core's models through here.
from tandem.core.search.models import SearchDocument  # noqa: E402,F401

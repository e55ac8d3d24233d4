"""Response templates (macros) and their usage."""

from __future__ import annotations

from django.db import models

from tandem.people.models import Agent, Team

__all__ = ["Macro"]


class Macro(models.Model):
    """A reply template an agent picks in the composer, with optional changes to the ticket.

    Written only through tandem/kb/macro_actions.py; `body` and `internal_note` are
    sandboxed templates (tandem/kb/macro_sandbox.py), checked when the macro is saved.
    """

    class Scope(models.TextChoices):
        EVERYONE = "everyone", "Everyone"
        TEAM = "team", "A team"
        PERSONAL = "personal", "Personal"

    title = models.CharField(max_length=200)
    body = models.TextField(help_text="Plain-text template of the reply.")
    scope = models.CharField(max_length=16, choices=Scope.choices, default=Scope.EVERYONE)
    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.CASCADE, related_name="macros"
    )
    owner = models.ForeignKey(
        Agent, null=True, blank=True, on_delete=models.CASCADE, related_name="personal_macros"
    )

    # What applying the macro changes on the ticket; empty means "leave as it is".
    set_status = models.CharField(max_length=16, blank=True)
    set_priority = models.CharField(max_length=16, blank=True)
    set_team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    add_tags = models.JSONField(default=list, blank=True)
    remove_tags = models.JSONField(default=list, blank=True)
    internal_note = models.TextField(blank=True, help_text="Template of an internal note to add.")

    usage_count = models.PositiveIntegerField(default=0)
    last_used_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        Agent, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-usage_count", "title", "id"]
        indexes = [models.Index(fields=["-usage_count", "title"], name="kb_macro_most_used")]
        constraints = [
            models.CheckConstraint(
                name="kb_macro_scope_owner",
                condition=(
                    models.Q(scope="everyone", team__isnull=True, owner__isnull=True)
                    | models.Q(scope="team", team__isnull=False, owner__isnull=True)
                    | models.Q(scope="personal", team__isnull=True, owner__isnull=False)
                ),
            )
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def has_ticket_changes(self) -> bool:
        return bool(
            self.set_status
            or self.set_priority
            or self.set_team_id
            or self.add_tags
            or self.remove_tags
        )

    @property
    def has_actions(self) -> bool:
        return self.has_ticket_changes or bool(self.internal_note.strip())

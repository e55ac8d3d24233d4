"""Admin-managed vocabularies: tags and typed custom fields."""

from __future__ import annotations

from django.db import transaction
from django.utils.text import slugify

from tandem.core.errors import FieldError, InvalidInput
from tandem.core.field_definitions import forget_definitions
from tandem.core.models import CustomField
from tandem.tickets.actions.changes import clean_tag_names
from tandem.tickets.models import Tag


@transaction.atomic
def create_tag(*, name: str) -> Tag:
    (slug,) = clean_tag_names([name], field="name")
    tag, _ = Tag.objects.get_or_create(name=slug)
    return tag


@transaction.atomic
def delete_tag(*, tag: Tag) -> None:
    # Tickets lose the tag; their tags_changed history keeps what they had.
    tag.delete()


def _clean_choices(kind: str, choices) -> list[str]:
    if kind != CustomField.Kind.CHOICE:
        return []
    if isinstance(choices, str):
        choices = [c.strip() for c in choices.splitlines() if c.strip()]
    if not isinstance(choices, list) or not choices:
        raise InvalidInput.single("choices", "a choice field needs at least one choice")
    cleaned = []
    for choice in choices:
        text = str(choice).strip()
        if text and text not in cleaned:
            cleaned.append(text)
    if not cleaned:
        raise InvalidInput.single("choices", "a choice field needs at least one choice")
    return cleaned


@transaction.atomic
def create_custom_field(
    *,
    entity: str,
    label: str,
    kind: str,
    key: str = "",
    choices=None,
    required: bool = False,
    position: int = 0,
) -> CustomField:
    errors = []
    if entity not in CustomField.Entity.values:
        errors.append(
            FieldError("entity", f"must be one of {', '.join(CustomField.Entity.values)}")
        )
    if kind not in CustomField.Kind.values:
        errors.append(FieldError("kind", f"must be one of {', '.join(CustomField.Kind.values)}"))
    label = (label or "").strip()
    if not label:
        errors.append(FieldError("label", "may not be empty"))
    key = slugify(key or label).replace("-", "_")[:64]
    if label and not key:
        errors.append(FieldError("key", "needs letters or digits"))
    if errors:
        raise InvalidInput(errors)
    if CustomField.objects.filter(entity=entity, key=key).exists():
        raise InvalidInput.single("key", f"{key} is already used")
    forget_definitions()
    return CustomField.objects.create(
        entity=entity,
        key=key,
        label=label,
        kind=kind,
        choices=_clean_choices(kind, choices),
        required=required,
        position=position,
    )


@transaction.atomic
def update_custom_field(
    *,
    field: CustomField,
    label: str | None = None,
    choices=None,
    required: bool | None = None,
    position: int | None = None,
    active: bool | None = None,
) -> CustomField:
    # The key and type stay: stored values and rules refer to them.
    if label is not None:
        if not label.strip():
            raise InvalidInput.single("label", "may not be empty")
        field.label = label.strip()
    if choices is not None:
        field.choices = _clean_choices(field.kind, choices)
    if required is not None:
        field.required = required
    if position is not None:
        field.position = position
    if active is not None:
        field.active = active
    field.save()
    forget_definitions()
    return field

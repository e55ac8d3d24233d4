"""Settings pages for the ticket vocabularies (admins only): tags and typed custom fields."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.db.models import Count
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST, require_safe

from tandem.core.errors import InvalidInput
from tandem.core.models import CustomField
from tandem.core.permissions import admin_required
from tandem.people.forms import WorkspaceForm, add_action_errors
from tandem.tickets import actions
from tandem.tickets.models import Tag

INVALID = 422  # a form with errors: base.html tells htmx to swap these in


# --- tags ---------------------------------------------------------------------------------


class TagForm(WorkspaceForm):
    name = forms.CharField(max_length=64, help_text="Lower-case words joined by hyphens.")


@admin_required
def tag_list(request):
    """Every tag with its ticket count in one grouped query; POST creates a tag."""
    form = TagForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            tag = actions.create_tag(name=form.cleaned_data["name"])
        except InvalidInput as error:
            add_action_errors(form, error)
        else:
            messages.success(request, f"Tag {tag.name} is ready.")
            return redirect("settings:tags")
    tags = Tag.objects.annotate(ticket_count=Count("tickets")).order_by("name")
    return render(
        request,
        "tickets/settings/tags.html",
        {
            "section": "tags",
            "tags": tags,
            "form": form,
        },
        status=INVALID if form.is_bound else 200,
    )


@admin_required
@require_POST
def tag_delete(request, pk: int):
    tag = Tag.objects.filter(pk=pk).first()
    if tag is None:
        raise Http404("No such tag")
    actions.delete_tag(tag=tag)
    messages.success(request, f"Tag {tag.name} deleted and removed from its tickets.")
    return redirect("settings:tags")


# --- custom fields ------------------------------------------------------------------------

ENTITY_NOTES = {
    CustomField.Entity.TICKET: "Agents fill them on the ticket; a required ticket field must be "
    "filled before the ticket can be solved.",
    CustomField.Entity.CONTACT: "Shown and edited on the contact's profile.",
    CustomField.Entity.ORGANIZATION: "Shown and edited on the organization's page.",
}


def _choices_text(choices) -> str:
    return "\n".join(str(c) for c in choices)


class CustomFieldCreateForm(WorkspaceForm):
    label = forms.CharField(max_length=120)
    key = forms.CharField(
        max_length=64,
        required=False,
        help_text="The name used by the API and rules; left empty, made from the label. "
        "It cannot be changed later.",
    )
    kind = forms.ChoiceField(
        label="Type", choices=CustomField.Kind.choices, help_text="It cannot be changed later."
    )
    choices = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        help_text="Choice fields only: one choice per line.",
    )
    required = forms.BooleanField(required=False)
    position = forms.IntegerField(
        min_value=0, initial=0, help_text="Fields are shown in increasing position."
    )


class CustomFieldEditForm(WorkspaceForm):
    label = forms.CharField(max_length=120)
    choices = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}), required=False, help_text="One choice per line."
    )
    required = forms.BooleanField(required=False)
    position = forms.IntegerField(min_value=0)
    active = forms.BooleanField(
        required=False,
        help_text="An inactive field is hidden everywhere; stored values are kept.",
    )

    def __init__(self, *args, field: CustomField, **kwargs):
        kwargs.setdefault(
            "initial",
            {
                "label": field.label,
                "choices": _choices_text(field.choices),
                "required": field.required,
                "position": field.position,
                "active": field.active,
            },
        )
        super().__init__(*args, **kwargs)
        if field.kind != CustomField.Kind.CHOICE:
            del self.fields["choices"]


def _entity(entity: str) -> str:
    if entity not in CustomField.Entity.values:
        raise Http404("No such kind of custom field")
    return entity


@admin_required
@require_safe
def field_index(request):
    return redirect("settings:fields_entity", entity=CustomField.Entity.TICKET)


@admin_required
def field_list(request, entity: str):
    """One entity's fields, inactive ones included; POST creates a field."""
    entity = _entity(entity)
    form = CustomFieldCreateForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            field = actions.create_custom_field(entity=entity, **form.cleaned_data)
        except InvalidInput as error:
            add_action_errors(form, error)
        else:
            messages.success(request, f"Field {field.label} ({field.key}) created.")
            return redirect("settings:fields_entity", entity=entity)
    return render(
        request,
        "tickets/settings/fields.html",
        {
            "section": "fields",
            "entity": entity,
            "entity_label": CustomField.Entity(entity).label,
            "entities": CustomField.Entity.choices,
            "note": ENTITY_NOTES[entity],
            "fields": CustomField.objects.filter(entity=entity).order_by("position", "label"),
            "form": form,
        },
        status=INVALID if form.is_bound else 200,
    )


@admin_required
def field_edit(request, pk: int):
    field = CustomField.objects.filter(pk=pk).first()
    if field is None:
        raise Http404("No such custom field")
    form = CustomFieldEditForm(request.POST if request.method == "POST" else None, field=field)
    if request.method == "POST" and form.is_valid():
        try:
            actions.update_custom_field(field=field, **form.cleaned_data)
        except InvalidInput as error:
            field.refresh_from_db()  # the action may have changed it in memory
            add_action_errors(form, error)
        else:
            messages.success(request, f"Field {field.label} saved.")
            return redirect("settings:fields_entity", entity=field.entity)
    return render(
        request,
        "tickets/settings/field_form.html",
        {
            "section": "fields",
            "field": field,
            "form": form,
        },
        status=INVALID if form.is_bound else 200,
    )

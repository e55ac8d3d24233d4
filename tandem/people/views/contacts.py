"""Contact and organization pages of the workspace: every agent reads, light agents only read."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST, require_safe

from tandem.core.errors import InvalidInput
from tandem.core.models import CustomField
from tandem.core.permissions import agent_required, full_agent_required
from tandem.people import actions, queries
from tandem.people.forms import (
    ContactForm,
    IdentityForm,
    NewContactForm,
    OrganizationForm,
    add_action_errors,
)
from tandem.people.models import Agent

INVALID = 422  # a form with errors: base.html tells htmx to swap these in


def _may_edit(agent: Agent) -> bool:
    return agent.role != Agent.Role.LIGHT


def _is_partial(request) -> bool:
    """An htmx swap of the results (not a history restore, which wants the whole page)."""
    return bool(request.htmx) and not request.htmx.history_restore_request


def _int_param(request, name: str) -> int | None:
    try:
        return int(request.GET.get(name, ""))
    except ValueError:
        return None


# --- contacts -----------------------------------------------------------------------------


@agent_required
@require_safe
def contact_list(request):
    agent = request.agent
    organization = None
    organization_id = _int_param(request, "organization")
    if organization_id is not None:
        organization = queries.organization_for(agent, organization_id)
    page = queries.contacts_page(
        agent,
        query=request.GET.get("q", ""),
        organization=organization,
        cursor=request.GET.get("after", ""),
    )
    context = {"page": page, "organization": organization}
    if _is_partial(request):
        return render(request, "people/contacts/_results.html", context)
    context["may_edit"] = _may_edit(agent)
    return render(request, "people/contacts/list.html", context)


@full_agent_required
def contact_create(request):
    # Its own page: the organization picker lists every organization, the list page should not.
    form = NewContactForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            contact = actions.create_contact(**form.action_arguments())
        except InvalidInput as error:
            add_action_errors(form, error)
        else:
            messages.success(request, f"Contact {contact.display_name} created.")
            return redirect("people:contact", pk=contact.pk)
    return render(
        request,
        "people/contacts/new.html",
        {"form": form},
        status=INVALID if form.is_bound else 200,
    )


def _contact_page(
    request, contact, *, identity_form: IdentityForm | None = None, status: int = 200
):
    agent = request.agent
    context = {
        "contact": contact,
        "profile": queries.contact_profile(agent, contact),
        "may_edit": _may_edit(agent),
    }
    if context["may_edit"]:
        context["identity_form"] = identity_form or IdentityForm()
    return render(request, "people/contacts/detail.html", context, status=status)


@agent_required
@require_safe
def contact_detail(request, pk: int):
    return _contact_page(request, queries.contact_for(request.agent, pk))


@full_agent_required
def contact_edit(request, pk: int):
    contact = queries.contact_for(request.agent, pk)
    definitions = queries.custom_field_definitions(CustomField.Entity.CONTACT)
    form = ContactForm.for_contact(
        contact, definitions, data=request.POST if request.method == "POST" else None
    )
    if request.method == "POST" and form.is_valid():
        try:
            actions.update_contact(contact=contact, **form.action_arguments())
        except InvalidInput as error:
            contact.refresh_from_db()  # the action may have changed it in memory
            add_action_errors(form, error)
        else:
            messages.success(request, "Contact saved.")
            return redirect("people:contact", pk=contact.pk)
    status = INVALID if form.is_bound else 200
    return render(
        request, "people/contacts/edit.html", {"contact": contact, "form": form}, status=status
    )


@full_agent_required
@require_POST
def identity_add(request, pk: int):
    contact = queries.contact_for(request.agent, pk)
    form = IdentityForm(request.POST)
    if form.is_valid():
        try:
            identity = actions.add_identity(contact=contact, **form.cleaned_data)
        except InvalidInput as error:
            add_action_errors(form, error)
        else:
            messages.success(
                request, f"Added {identity.get_kind_display().lower()} {identity.value}."
            )
            return redirect("people:contact", pk=contact.pk)
    return _contact_page(request, contact, identity_form=form, status=INVALID)


@full_agent_required
@require_POST
def identity_remove(request, pk: int, identity_pk: int):
    contact = queries.contact_for(request.agent, pk)
    identity = queries.identity_of(contact, identity_pk)
    actions.remove_identity(identity=identity)
    messages.success(request, f"Removed {identity.value}.")
    return redirect("people:contact", pk=contact.pk)


@full_agent_required
@require_POST
def contact_delete(request, pk: int):
    contact = queries.contact_for(request.agent, pk)
    try:
        actions.delete_contact(contact=contact)
    except InvalidInput as error:
        messages.error(request, f"Not deleted: this contact {error.errors[0].message}.")
        return redirect("people:contact", pk=contact.pk)
    messages.success(request, f"Contact {contact.display_name} deleted.")
    return redirect("people:contacts")


# --- organizations ------------------------------------------------------------------------


def _organization_list(request, *, new_form: OrganizationForm | None = None, status: int = 200):
    agent = request.agent
    page = queries.organizations_page(
        agent, query=request.GET.get("q", ""), cursor=request.GET.get("after", "")
    )
    context = {"page": page}
    if _is_partial(request):
        return render(request, "people/organizations/_results.html", context)
    if _may_edit(agent):
        context["new_form"] = new_form or OrganizationForm(
            definitions=queries.custom_field_definitions(CustomField.Entity.ORGANIZATION)
        )
    return render(request, "people/organizations/list.html", context, status=status)


@agent_required
@require_safe
def organization_list(request):
    return _organization_list(request)


@full_agent_required
@require_POST
def organization_create(request):
    form = OrganizationForm(
        request.POST,
        definitions=queries.custom_field_definitions(CustomField.Entity.ORGANIZATION),
    )
    if form.is_valid():
        try:
            organization = actions.create_organization(**form.action_arguments())
        except InvalidInput as error:
            add_action_errors(form, error)
        else:
            messages.success(request, f"Organization {organization.name} created.")
            return redirect("people:organization", pk=organization.pk)
    return _organization_list(request, new_form=form, status=INVALID)


@agent_required
@require_safe
def organization_detail(request, pk: int):
    agent = request.agent
    organization = queries.organization_for(agent, pk)
    return render(
        request,
        "people/organizations/detail.html",
        {
            "organization": organization,
            "profile": queries.organization_profile(agent, organization),
            "may_edit": _may_edit(agent),
        },
    )


@full_agent_required
def organization_edit(request, pk: int):
    organization = queries.organization_for(request.agent, pk)
    definitions = queries.custom_field_definitions(CustomField.Entity.ORGANIZATION)
    form = OrganizationForm.for_organization(
        organization, definitions, data=request.POST if request.method == "POST" else None
    )
    if request.method == "POST" and form.is_valid():
        try:
            actions.update_organization(organization=organization, **form.action_arguments())
        except InvalidInput as error:
            organization.refresh_from_db()  # the action may have changed it in memory
            add_action_errors(form, error)
        else:
            messages.success(request, "Organization saved.")
            return redirect("people:organization", pk=organization.pk)
    status = INVALID if form.is_bound else 200
    return render(
        request,
        "people/organizations/edit.html",
        {"organization": organization, "form": form},
        status=status,
    )


@full_agent_required
@require_POST
def organization_delete(request, pk: int):
    organization = queries.organization_for(request.agent, pk)
    actions.delete_organization(organization=organization)
    messages.success(
        request,
        f"Organization {organization.name} deleted; its contacts and "
        "tickets are kept without an organization.",
    )
    return redirect("people:organizations")

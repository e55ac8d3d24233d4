"""Settings pages for API tokens: admins manage every token, agents their own.

A new token's secret is in the one response that creates it (never in the session, a
message or a redirect) and only its hash is stored, so it cannot be shown again.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from tandem.api.models import ApiToken
from tandem.api.tokens import create_token, revoke_token
from tandem.core.errors import InvalidInput
from tandem.core.permissions import admin_required, full_agent_required
from tandem.people.forms import WorkspaceForm, add_action_errors
from tandem.people.models import Agent

INVALID = 422  # a form with errors: base.html tells htmx to swap these in


class TokenForm(WorkspaceForm):
    name = forms.CharField(
        max_length=120, help_text="What uses it, e.g. “billing system” or “status page”."
    )
    scope = forms.ChoiceField(
        choices=ApiToken.Scope.choices,
        initial=ApiToken.Scope.READ,
        help_text="Read only can list and fetch; read and write can also "
        "create and change, within the agent's own rights.",
    )


class AgentTokenForm(TokenForm):
    agent = forms.ModelChoiceField(
        queryset=Agent.objects.filter(user__is_active=True).order_by("name", "pk"),
        help_text="The token acts with this agent's rights; changes are logged as made by the API.",
    )

    field_order = ["agent", "name", "scope"]


def _token_rows(tokens):
    return tokens.select_related("agent", "agent__user").order_by("-created_at", "-pk")


def _tokens_page(
    request, *, mine: bool, tokens, form: forms.Form, created: tuple[ApiToken, str] | None = None
):
    context = {
        "section": "my_tokens" if mine else "tokens",
        "mine": mine,
        "tokens": _token_rows(tokens),
        "form": form,
    }
    if created:
        context["created"], context["secret"] = created
    return render(
        request, "api/settings/tokens.html", context, status=INVALID if form.errors else 200
    )


def _create(request, form: TokenForm, agent: Agent) -> tuple[ApiToken, str] | None:
    try:
        return create_token(
            agent=agent, name=form.cleaned_data["name"], scope=form.cleaned_data["scope"]
        )
    except InvalidInput as error:
        add_action_errors(form, error)
        return None


# --- every token (admins) -------------------------------------------------------------------


@admin_required
@never_cache
def token_list(request):
    form = AgentTokenForm(request.POST if request.method == "POST" else None)
    created = None
    if request.method == "POST" and form.is_valid():
        created = _create(request, form, form.cleaned_data["agent"])
        if created:
            form = AgentTokenForm()
    return _tokens_page(
        request, mine=False, tokens=ApiToken.objects.all(), form=form, created=created
    )


@admin_required
@require_POST
def token_revoke(request, pk: int):
    token = ApiToken.objects.select_related("agent").filter(pk=pk).first()
    if token is None:
        raise Http404("No such token")
    revoke_token(token=token)
    messages.success(
        request,
        f"Token {token.name} ({token.prefix}…) of {token.agent.name} revoked; it no longer works.",
    )
    return redirect("settings:tokens")


# --- one's own tokens (agents and admins; not light agents) ---------------------------------


@full_agent_required
@never_cache
def my_token_list(request):
    form = TokenForm(request.POST if request.method == "POST" else None)
    created = None
    if request.method == "POST" and form.is_valid():
        created = _create(request, form, request.agent)
        if created:
            form = TokenForm()
    return _tokens_page(
        request, mine=True, tokens=request.agent.api_tokens.all(), form=form, created=created
    )


@full_agent_required
@require_POST
def my_token_revoke(request, pk: int):
    # Someone else's token is "not found", not "forbidden": its existence is not confirmed.
    token = request.agent.api_tokens.filter(pk=pk).first()
    if token is None:
        raise Http404("No such token")
    revoke_token(token=token)
    messages.success(request, f"Token {token.name} ({token.prefix}…) revoked; it no longer works.")
    return redirect("settings:my_tokens")

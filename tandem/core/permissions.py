"""Who may open which page: agent, admin and light-agent checks shared by every app's views."""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied

from tandem.people.models import Agent


def current_agent(request) -> Agent | None:
    """The signed-in, active agent, cached on the request; None for anyone else."""
    if hasattr(request, "_tandem_agent"):
        return request._tandem_agent
    agent = None
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated and user.is_active:
        try:
            agent = user.agent  # loaded with the user by core.auth.AgentAwareBackend
        except Agent.DoesNotExist:
            agent = None
    request._tandem_agent = agent
    return agent


def agent_required(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        agent = current_agent(request)
        if agent is None:
            if request.user.is_authenticated:
                raise PermissionDenied("This account is not an agent of this desk.")
            return redirect_to_login(request.get_full_path())
        request.agent = agent
        return view(request, *args, **kwargs)

    return wrapper


def admin_required(view):
    @agent_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.agent.is_admin:
            raise PermissionDenied("Only admins can change the desk's settings.")
        return view(request, *args, **kwargs)

    return wrapper


def full_agent_required(view):
    """Agents and admins, not light agents (for pages that change tickets in bulk, say)."""

    @agent_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.agent.role == Agent.Role.LIGHT:
            raise PermissionDenied("Light agents can read tickets and add internal notes only.")
        return view(request, *args, **kwargs)

    return wrapper

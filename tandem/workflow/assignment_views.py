"""The agent's own availability switch (online, away, offline) in the workspace header."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponseRedirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from tandem.core.errors import InvalidInput
from tandem.core.permissions import agent_required
from tandem.workflow.assignment_availability import set_agent_availability


@agent_required
@require_POST
def set_availability(request):
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        back = "/"
    try:
        agent = set_agent_availability(
            agent=request.agent, availability=request.POST.get("availability", "")
        )
    except InvalidInput as error:
        messages.error(request, str(error.errors[0].message).capitalize() + ".")
    else:
        messages.success(request, f"You are {agent.get_availability_display().lower()}.")
    return HttpResponseRedirect(back)

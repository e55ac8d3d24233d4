"""The bell and the notifications page: list, mark read (one, all), open, follow, email choice.

Each write is a plain POST with a redirect, and answers an htmx request with the partial it
changed; the bell's list is its own request, so no page pays for it in its query budget.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from tandem.core.errors import InvalidInput
from tandem.core.permissions import agent_required
from tandem.tickets.queries import ticket_for
from tandem.workflow import notification_actions as actions
from tandem.workflow.models import EmailChoice, NotificationPreference
from tandem.workflow.notification_queries import (
    BELL_LIMIT,
    is_following,
    notification_for,
    notifications_of,
    unread_count,
)

PAGE_SIZE = 50


@agent_required
@require_GET
def bell(request):
    """The bell's dropdown (newest first) and, out of band, its unread count."""
    return _bell_menu(request)


def _bell_menu(request):
    agent = request.agent
    return render(
        request,
        "workflow/_bell_menu.html",
        {"items": list(notifications_of(agent)[:BELL_LIMIT]), "unread": unread_count(agent)},
    )


@agent_required
@require_GET
def notification_list(request):
    agent = request.agent
    page = Paginator(notifications_of(agent), PAGE_SIZE).get_page(request.GET.get("page"))
    preference = NotificationPreference.objects.filter(agent=agent).first()
    return render(
        request,
        "workflow/notifications.html",
        {
            "page": page,
            "unread": unread_count(agent),
            "email_choices": EmailChoice.choices,
            "email_choice": preference.email
            if preference
            else NotificationPreference.DEFAULT_EMAIL,
        },
    )


@agent_required
@require_POST
def open_notification(request, notification_id: int):
    """Mark it read and go to its ticket."""
    notification = notification_for(request.agent, notification_id)
    actions.mark_notification_read(agent=request.agent, notification=notification)
    return HttpResponseRedirect(reverse("tickets:detail", args=[notification.ticket_id]))


@agent_required
@require_POST
def mark_read(request, notification_id: int):
    notification = notification_for(request.agent, notification_id)
    actions.mark_notification_read(agent=request.agent, notification=notification)
    return _back(request, "Marked read.")


@agent_required
@require_POST
def mark_all_read(request):
    count = actions.mark_all_notifications_read(agent=request.agent)
    return _back(request, f"Marked {count} read." if count else "Nothing unread.")


@agent_required
@require_POST
def email_preference(request):
    try:
        actions.set_email_preference(agent=request.agent, email=request.POST.get("email", ""))
    except InvalidInput as error:
        messages.error(request, f"Email notifications: {error.errors[0].message}.")
        return HttpResponseRedirect(reverse("notifications:list"))
    messages.success(request, "Email notifications saved.")
    return HttpResponseRedirect(reverse("notifications:list"))


@agent_required
def follow(request, number: int):
    """GET: the follow button for the ticket page; POST: follow or unfollow (`follow=0|1`)."""
    agent = request.agent
    ticket = ticket_for(agent, number)
    if request.method == "POST":
        if request.POST.get("follow") == "1":
            actions.follow_ticket(agent=agent, ticket=ticket)
        else:
            actions.unfollow_ticket(agent=agent, ticket=ticket)
        if not request.htmx:
            return HttpResponseRedirect(reverse("tickets:detail", args=[number]))
    elif request.method != "GET":
        return HttpResponseRedirect(reverse("tickets:detail", args=[number]))
    return render(
        request,
        "workflow/_follow_button.html",
        {"ticket": ticket, "following": is_following(agent, ticket)},
    )


def _back(request, done: str):
    if request.htmx and request.POST.get("from") == "bell":
        return _bell_menu(request)
    messages.success(request, done)
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = reverse("notifications:list")
    return HttpResponseRedirect(target)

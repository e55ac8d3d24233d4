"""Who the portal's visitor is: a contact signed in by link, kept in the session apart from
Django auth, which belongs to agents. An agent's login never makes them a customer here,
and a customer's portal session never opens the workspace.
"""

from __future__ import annotations

import datetime as dt
from functools import wraps
from urllib.parse import urlencode

from django.conf import settings
from django.shortcuts import redirect
from django.urls import reverse

from tandem.people.models import Contact

SESSION_KEY = "_portal_contact_id"


def sign_in(request, contact: Contact) -> None:
    """Bind the session to this contact under a new session key (no fixation)."""
    request.session.cycle_key()
    request.session[SESSION_KEY] = contact.pk
    request.session.set_expiry(dt.timedelta(days=settings.PORTAL_SESSION_DAYS))
    request._portal_contact = contact


def sign_out(request) -> None:
    # Only the portal's key goes: an agent signed in in the same browser stays signed in.
    request.session.pop(SESSION_KEY, None)
    request.session.cycle_key()
    request._portal_contact = None


def current_contact(request) -> Contact | None:
    """The signed-in contact, cached on the request; None for anyone else (agents included)."""
    if hasattr(request, "_portal_contact"):
        return request._portal_contact
    contact = None
    contact_id = request.session.get(SESSION_KEY)
    if contact_id is not None:
        contact = Contact.objects.select_related("organization").filter(pk=contact_id).first()
        if contact is None:  # the contact was deleted or merged away
            request.session.pop(SESSION_KEY, None)
    request._portal_contact = contact
    return contact


def sign_in_url(next_path: str = "") -> str:
    url = reverse("portal:sign_in")
    return f"{url}?{urlencode({'next': next_path})}" if next_path else url


def contact_required(view):
    """Signed-in customers only; everyone else goes to the portal's sign-in page."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        contact = current_contact(request)
        if contact is None:
            next_path = request.get_full_path() if request.method == "GET" else ""
            return redirect(sign_in_url(next_path))
        request.contact = contact
        return view(request, *args, **kwargs)

    return wrapper

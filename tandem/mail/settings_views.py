"""Settings pages of the email channel (admins only): mailboxes, and mail held back for review."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.contrib import messages
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe

from tandem.core.errors import InvalidInput
from tandem.core.permissions import admin_required
from tandem.mail import actions
from tandem.mail.forms import MailboxForm
from tandem.mail.imap.connection import ImapProblem, check_connection
from tandem.mail.imap.lease import is_leased
from tandem.mail.imap.watcher import fetch_mode
from tandem.mail.models import InboundMail, Mailbox
from tandem.mail.quarantine import REVIEWABLE, dismiss_inbound, retry_inbound, reviewable_mail
from tandem.mail.secrets import UNREADABLE, secret_readable
from tandem.people.forms import add_action_errors
from tandem.tickets.queries import decode_cursor, encode_cursor

INVALID = 422  # a form with errors: base.html tells htmx to swap these in
QUARANTINE_PAGE = 50
HEADER_LIMIT = 64 * 1024
_HEADER_END = re.compile(rb"\r?\n\r?\n")


# --- mailboxes ------------------------------------------------------------------------------


@dataclass
class MailboxRow:
    mailbox: Mailbox
    polling_now: bool
    password_unreadable: bool

    @property
    def fetch_mode(self) -> str:
        return fetch_mode(self.mailbox, leased=self.polling_now)


def _mailbox(pk: int) -> Mailbox:
    mailbox = Mailbox.objects.select_related("default_team").filter(pk=pk).first()
    if mailbox is None:
        raise Http404("No such mailbox")
    return mailbox


def _password_unreadable(mailbox: Mailbox) -> bool:
    return bool(mailbox.imap_password_encrypted) and not secret_readable(
        mailbox.imap_password_encrypted
    )


@admin_required
@require_safe
def mailbox_list(request):
    now = timezone.now()
    rows = [
        MailboxRow(
            mailbox=mailbox,
            polling_now=mailbox.receive_via == Mailbox.Inbound.IMAP and is_leased(mailbox, now),
            password_unreadable=mailbox.receive_via == Mailbox.Inbound.IMAP
            and _password_unreadable(mailbox),
        )
        for mailbox in Mailbox.objects.select_related("default_team").order_by("address")
    ]
    return render(
        request,
        "mail/settings/mailboxes.html",
        {
            "section": "mailboxes",
            "rows": rows,
            "reviewable": reviewable_mail().count(),
            "unreadable_message": UNREADABLE,
        },
    )


@admin_required
@never_cache
def mailbox_create(request):
    form = MailboxForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            mailbox = actions.create_mailbox(**form.action_arguments())
        except InvalidInput as error:
            add_action_errors(form, error)
        else:
            messages.success(request, f"Mailbox {mailbox.address} created.")
            return redirect("settings:mailbox", pk=mailbox.pk)
    return render(
        request,
        "mail/settings/mailbox_form.html",
        {"section": "mailboxes", "form": form, "creating": True},
        status=INVALID if form.is_bound else 200,
    )


@admin_required
@never_cache
def mailbox_edit(request, pk: int):
    mailbox = _mailbox(pk)
    form = MailboxForm.for_mailbox(mailbox, request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.update_mailbox(mailbox=mailbox, **form.action_arguments())
        except InvalidInput as error:
            add_action_errors(form, error)
        else:
            messages.success(request, f"Mailbox {mailbox.address} saved.")
            return redirect("settings:mailboxes")
    return render(
        request,
        "mail/settings/mailbox_form.html",
        {
            "section": "mailboxes",
            "form": form,
            "mailbox": mailbox,
            "has_mail": actions.mailbox_has_mail(mailbox),
            "polling_now": is_leased(mailbox),
            "fetch_mode": fetch_mode(mailbox, leased=is_leased(mailbox)),
            "password_unreadable": _password_unreadable(mailbox),
            "unreadable_message": UNREADABLE,
        },
        status=INVALID if form.is_bound else 200,
    )


@admin_required
@require_POST
def mailbox_delete(request, pk: int):
    mailbox = _mailbox(pk)
    if actions.delete_mailbox(mailbox=mailbox):
        messages.success(request, f"Mailbox {mailbox.address} deleted.")
    else:
        messages.success(
            request,
            f"Mailbox {mailbox.address} has mail, so it was deactivated instead of deleted: "
            "it receives nothing more, and its tickets keep their history.",
        )
    return redirect("settings:mailboxes")


@admin_required
@require_POST
def mailbox_test(request, pk: int):
    """Log in and open the folder with the saved settings; the result is a message, never the
    password. Nothing is fetched or flagged."""
    mailbox = _mailbox(pk)
    if mailbox.receive_via != Mailbox.Inbound.IMAP:
        messages.error(request, "Only IMAP mailboxes connect to a server; this one does not.")
        return redirect("settings:mailbox", pk=mailbox.pk)
    try:
        result = check_connection(mailbox)
    except ImapProblem as problem:
        messages.error(request, f"Connection test failed: {problem}")
    else:
        messages.success(request, result)
    return redirect("settings:mailbox", pk=mailbox.pk)


# --- quarantine -----------------------------------------------------------------------------


def raw_headers(raw: bytes) -> str:
    """The header block as received, for reading (bytes that are not UTF-8 show as �)."""
    end = _HEADER_END.search(raw, 0, HEADER_LIMIT + 4)
    head = raw[: end.start()] if end else raw[:HEADER_LIMIT]
    return head.decode("utf-8", "replace")


def _quarantine_page(cursor: str):
    mail = reviewable_mail().select_related("mailbox")
    if cursor:
        try:
            received_at, pk = decode_cursor(cursor, "received_at")
        except (ValueError, TypeError):
            raise Http404("No such page") from None
        mail = mail.filter(Q(received_at__lt=received_at) | Q(received_at=received_at, pk__lt=pk))
    rows = list(mail[: QUARANTINE_PAGE + 1])
    more = len(rows) > QUARANTINE_PAGE
    rows = rows[:QUARANTINE_PAGE]
    next_cursor = encode_cursor(rows[-1].received_at, rows[-1].pk) if more else None
    return rows, next_cursor


@admin_required
@require_safe
def quarantine_list(request):
    rows, next_cursor = _quarantine_page(request.GET.get("cursor", ""))
    return render(
        request,
        "mail/settings/quarantine.html",
        {
            "section": "quarantine",
            "rows": rows,
            "next_cursor": next_cursor,
            "first_page": not request.GET.get("cursor"),
        },
    )


def _inbound(pk: int) -> InboundMail:
    inbound = InboundMail.objects.select_related("mailbox", "ticket").filter(pk=pk).first()
    if inbound is None:
        raise Http404("No such mail")
    return inbound


@admin_required
@require_safe
def quarantine_detail(request, pk: int):
    inbound = _inbound(pk)
    return render(
        request,
        "mail/settings/quarantine_detail.html",
        {
            "section": "quarantine",
            "inbound": inbound,
            "headers": raw_headers(bytes(inbound.raw)),
            "reviewable": inbound.state in REVIEWABLE,
        },
    )


@admin_required
@require_POST
def quarantine_retry(request, pk: int):
    inbound = _inbound(pk)
    try:
        retry_inbound(inbound=inbound)
    except InvalidInput as error:
        messages.error(request, f"Mail #{inbound.pk}: {error.errors[0].message}.")
        return redirect("settings:quarantine_detail", pk=inbound.pk)
    messages.success(request, f"Mail #{inbound.pk} is being processed again.")
    return redirect("settings:quarantine")


@admin_required
@require_POST
def quarantine_dismiss(request, pk: int):
    inbound = _inbound(pk)
    try:
        dismiss_inbound(inbound=inbound, agent=request.agent)
    except InvalidInput as error:
        messages.error(request, f"Mail #{inbound.pk}: {error.errors[0].message}.")
        return redirect("settings:quarantine_detail", pk=inbound.pk)
    messages.success(request, f"Mail #{inbound.pk} dismissed; its raw message is kept.")
    return redirect("settings:quarantine")

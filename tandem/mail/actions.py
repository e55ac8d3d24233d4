"""Writes of the email channel's configuration and transports: mailboxes, and storing received mail.

Every page, API endpoint and command that changes a mailbox calls these; the IMAP poller and the
SMTP listener store what they receive through `receive_mail`.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.template import Engine, TemplateSyntaxError

from tandem.core.errors import FieldError, InvalidInput
from tandem.mail.intake import receive_raw
from tandem.mail.models import InboundMail, Mailbox
from tandem.mail.secrets import encrypt_secret
from tandem.people.models import Team, Track

log = logging.getLogger("tandem.mail")

# Every field an admin sets; the password goes in clear as `imap_password` and is stored encrypted.
EDITABLE = frozenset(
    {
        "address",
        "display_name",
        "default_team",
        "default_track",
        "receive_via",
        "use_reply_to",
        "active",
        "imap_host",
        "imap_port",
        "imap_security",
        "imap_user",
        "imap_folder",
        "imap_move_to",
        "poll_interval_seconds",
        "acknowledge_new_tickets",
        "acknowledgement_subject",
        "acknowledgement_body",
        "sender_limit_per_minute",
    }
)
# A change to any of these makes the last poll's error a statement about old settings.
_CONNECTION = frozenset(
    {"receive_via", "imap_host", "imap_port", "imap_security", "imap_user", "imap_folder"}
    | {"imap_move_to", "imap_password_encrypted"}
)
MIN_POLL_SECONDS = 10
MAX_POLL_SECONDS = 86_400


def max_message_bytes() -> int:
    """The largest message either transport takes: two attachments' worth, base64 included."""
    return settings.ATTACHMENT_MAX_BYTES * 2


# --- mailboxes ------------------------------------------------------------------------------


# The kind of engine the outbox renders acknowledgements with: built-in tags and filters only,
# no {% load %}able libraries, no template folders.
_TEMPLATES = Engine(dirs=[], app_dirs=False, libraries={}, autoescape=False)


def _template_errors(name: str, source: str, errors: list[FieldError]) -> None:
    try:
        _TEMPLATES.from_string(source)
    except TemplateSyntaxError as error:
        errors.append(FieldError(name, f"is not a valid template: {error}"))


def _validate(mailbox: Mailbox, *, has_password: bool) -> list[FieldError]:
    errors: list[FieldError] = []
    try:
        validate_email(mailbox.address)
    except ValidationError:
        errors.append(FieldError("address", "is not a valid email address"))
    else:
        taken = Mailbox.objects.filter(address__iexact=mailbox.address).exclude(pk=mailbox.pk)
        if taken.exists():
            errors.append(FieldError("address", "another mailbox already has this address"))
    if len(mailbox.display_name) > 120:
        errors.append(FieldError("display_name", "may be at most 120 characters"))
    if mailbox.default_track not in Track.values:
        errors.append(FieldError("default_track", "must be service or support"))
    if mailbox.receive_via not in Mailbox.Inbound.values:
        errors.append(FieldError("receive_via", "must be smtp, imap or none"))
    if mailbox.receive_via == Mailbox.Inbound.IMAP:
        if not mailbox.imap_host.strip():
            errors.append(FieldError("imap_host", "is required to fetch mail by IMAP"))
        if not mailbox.imap_user.strip():
            errors.append(FieldError("imap_user", "is required to fetch mail by IMAP"))
        if not has_password:
            errors.append(FieldError("imap_password", "is required to fetch mail by IMAP"))
        if not mailbox.imap_folder.strip():
            errors.append(FieldError("imap_folder", "is required to fetch mail by IMAP"))
        if mailbox.imap_move_to and mailbox.imap_move_to == mailbox.imap_folder:
            errors.append(
                FieldError("imap_move_to", "must differ from the folder mail is read from")
            )
    if not 1 <= mailbox.imap_port <= 65535:
        errors.append(FieldError("imap_port", "must be between 1 and 65535"))
    if mailbox.imap_security not in Mailbox.Security.values:
        errors.append(FieldError("imap_security", "must be ssl, starttls or none"))
    if not MIN_POLL_SECONDS <= mailbox.poll_interval_seconds <= MAX_POLL_SECONDS:
        errors.append(
            FieldError(
                "poll_interval_seconds",
                f"must be between {MIN_POLL_SECONDS} and {MAX_POLL_SECONDS} seconds",
            )
        )
    if mailbox.sender_limit_per_minute < 1:
        errors.append(FieldError("sender_limit_per_minute", "must be at least 1"))
    if "\n" in mailbox.acknowledgement_subject or "\r" in mailbox.acknowledgement_subject:
        errors.append(FieldError("acknowledgement_subject", "must be one line"))
    if len(mailbox.acknowledgement_subject) > 250:
        errors.append(FieldError("acknowledgement_subject", "may be at most 250 characters"))
    _template_errors("acknowledgement_subject", mailbox.acknowledgement_subject, errors)
    _template_errors("acknowledgement_body", mailbox.acknowledgement_body, errors)
    return errors


def _apply(mailbox: Mailbox, fields: dict[str, Any]) -> set[str]:
    unknown = set(fields) - EDITABLE
    if unknown:
        raise TypeError(f"not mailbox settings: {', '.join(sorted(unknown))}")
    changed = set()
    for name, value in fields.items():
        if name in {"address", "imap_host", "imap_user", "imap_folder", "imap_move_to"}:
            value = (value or "").strip()
        if name == "address":
            value = value.lower()
        if name == "default_team" and value is not None and not isinstance(value, Team):
            raise TypeError("default_team must be a Team or None")
        if getattr(mailbox, name) != value:
            setattr(mailbox, name, value)
            changed.add(name)
    return changed


@transaction.atomic
def create_mailbox(*, address: str, imap_password: str = "", **fields: Any) -> Mailbox:
    """A new mailbox; `fields` are any of EDITABLE, the rest keep the model's defaults."""
    mailbox = Mailbox()
    _apply(mailbox, {"address": address, **fields})
    errors = _validate(mailbox, has_password=bool(imap_password))
    if errors:
        raise InvalidInput(errors)
    mailbox.imap_password_encrypted = encrypt_secret(imap_password)
    mailbox.save()
    return mailbox


@transaction.atomic
def update_mailbox(*, mailbox: Mailbox, imap_password: str = "", **changes: Any) -> Mailbox:
    """Change what is given; the stored password is replaced only when a new one is typed."""
    mailbox = Mailbox.objects.select_for_update().get(pk=mailbox.pk)
    changed = _apply(mailbox, changes)
    has_password = bool(imap_password or mailbox.imap_password_encrypted)
    errors = _validate(mailbox, has_password=has_password)
    if errors:
        raise InvalidInput(errors)
    if imap_password:
        mailbox.imap_password_encrypted = encrypt_secret(imap_password)
        changed.add("imap_password_encrypted")
    if changed & _CONNECTION and mailbox.last_poll_error:
        mailbox.last_poll_error = ""  # it described the old settings
        changed.add("last_poll_error")
    if changed & _CONNECTION and mailbox.imap_uses_idle is not None:
        mailbox.imap_uses_idle = None  # another server, or another account: ask it again
        changed.add("imap_uses_idle")
    if changed:
        mailbox.save(update_fields=sorted(changed))
    return mailbox


def mailbox_has_mail(mailbox: Mailbox) -> bool:
    return mailbox.inbound.exists() or mailbox.outbound.exists()


@transaction.atomic
def delete_mailbox(*, mailbox: Mailbox) -> bool:
    """Delete a mailbox no mail refers to (True); one with mail is deactivated instead (False),
    so the history keeps the address it came in and went out through."""
    mailbox = Mailbox.objects.select_for_update().get(pk=mailbox.pk)
    if mailbox_has_mail(mailbox):
        if mailbox.active:
            mailbox.active = False
            mailbox.save(update_fields=["active"])
        return False
    mailbox.delete()
    return True


# --- received mail ----------------------------------------------------------------------------


@dataclass
class Receipt:
    inbound: InboundMail
    duplicate: bool = False  # the same bytes were already stored for this mailbox


def receive_mail(
    *,
    raw: bytes,
    source: str,
    mailbox: Mailbox | None,
    envelope_from: str = "",
    envelope_to: Sequence[str] = (),
    once: bool = False,
    before: Callable[[], None] | None = None,
) -> Receipt:
    """Store a received message durably (receive_raw) and say so only once it is committed.

    `once` skips the store when this mailbox already has these exact bytes (a poller that died
    between storing and flagging). `before` runs first inside the transaction; raising there
    stores nothing (the IMAP poller checks that it still holds its lease).

    When the commit succeeded but scheduling the processing job failed (the job queue is down),
    the mail is safe: the sweep processes rows left "received". That is logged, not raised, so
    the transport acknowledges the message instead of making the sender deliver it twice.
    """
    digest = hashlib.sha256(raw).hexdigest()
    stored: InboundMail | None = None
    try:
        with transaction.atomic():
            if before is not None:
                before()
            if once and mailbox is not None:
                existing = InboundMail.objects.filter(mailbox=mailbox, sha256=digest).first()
                if existing is not None:
                    return Receipt(existing, duplicate=True)
            stored = receive_raw(
                raw=raw,
                source=source,
                mailbox=mailbox,
                envelope_from=envelope_from,
                envelope_to=list(envelope_to),
            )
    except Exception:
        if stored is None or not InboundMail.objects.filter(pk=stored.pk).exists():
            raise
        log.exception(
            "inbound mail %s is stored but its processing job could not be queued; "
            "the mail sweep will process it",
            stored.pk,
        )
    return Receipt(stored)

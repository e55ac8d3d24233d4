"""The SMTP listener: accepts mail for the desk's SMTP mailboxes and answers 250 once it is stored.

aiosmtpd runs the protocol in an event loop on its own thread; every database call runs in a
small thread pool, because Django's ORM is synchronous (and refuses to run inside a loop). The
250 is sent only after the raw row is committed; any failure to store answers 451, so the
sending server keeps the message and tries again later: nothing is lost either way.

Recipients: an active mailbox with "SMTP listener" as its delivery, matched case-insensitively;
`support+anything@desk` is taken for `support@desk` (plus addressing) when no mailbox has the
tagged address itself. Others get 550. A message for several of our mailboxes is stored once,
under the first of them, with every accepted recipient in `envelope_to`.
"""

from __future__ import annotations

import asyncio
import logging
import socket
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlparse

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from django.conf import settings
from django.db import close_old_connections, connection
from django.db.models import Q

from tandem.mail.actions import max_message_bytes, receive_mail
from tandem.mail.models import InboundMail, Mailbox

log = logging.getLogger("tandem.mail.smtp")

ACCEPTED = "250 Message accepted for delivery"
TRY_LATER = "451 4.3.0 Temporary failure, try again later"
DB_THREADS = 4


def _no_such_mailbox(address: str) -> str:
    return f"550 5.1.1 <{address}>: no such mailbox here"


def parse_listen(value: str) -> tuple[str, int]:
    """(host, port) from "127.0.0.1:2525" or "[::1]:2525"; ValueError with the reason."""
    host, sep, port = value.strip().rpartition(":")
    host = host.strip("[]")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(f"expected HOST:PORT such as 127.0.0.1:2525, got {value!r}")
    return host, int(port)


def _candidates(address: str) -> list[str]:
    address = address.strip().lower()
    local, at, domain = address.rpartition("@")
    if at and "+" in local:
        return [address, f"{local.split('+', 1)[0]}@{domain}"]
    return [address]


def mailbox_for_recipient(address: str) -> int | None:
    """The pk of the SMTP mailbox an envelope recipient names, or None."""
    candidates = _candidates(address)
    query = Q()
    for candidate in candidates:
        query |= Q(address__iexact=candidate)
    found = {
        address.lower(): pk
        for pk, address in Mailbox.objects.filter(
            query, active=True, receive_via=Mailbox.Inbound.SMTP
        ).values_list("pk", "address")
    }
    return next((found[c] for c in candidates if c in found), None)


def store_message(
    *, raw: bytes, mailbox_pk: int | None, envelope_from: str, envelope_to: list[str]
) -> InboundMail:
    """Runs in a pool thread: one committed row per message."""
    mailbox = Mailbox.objects.filter(pk=mailbox_pk).first() if mailbox_pk else None
    return receive_mail(
        raw=raw,
        source=InboundMail.Source.SMTP,
        mailbox=mailbox,  # None only if it was deleted since RCPT: kept, never dropped
        envelope_from=envelope_from,
        envelope_to=envelope_to,
    ).inbound


def _sender(mail_from: str | None) -> str:
    """The envelope sender; the null sender of bounces ("MAIL FROM:<>") is stored empty."""
    return "" if not mail_from or mail_from == "<>" else mail_from


class DeskHandler:
    """aiosmtpd handler hooks; the first accepted recipient's mailbox is kept on the envelope."""

    def __init__(self) -> None:
        self.executor = ThreadPoolExecutor(max_workers=DB_THREADS, thread_name_prefix="smtp-db")

    async def _in_thread(self, function, *args, **kwargs):
        def call():
            close_old_connections()
            try:
                return function(*args, **kwargs)
            finally:
                # Pool threads live on: a connection left open here would be idle forever.
                connection.close()

        return await asyncio.get_running_loop().run_in_executor(self.executor, call)

    async def handle_RCPT(  # noqa: N802 - aiosmtpd's hook name
        self, server: SMTP, session: Session, envelope: Envelope, address: str, rcpt_options
    ) -> str:
        try:
            mailbox_pk = await self._in_thread(mailbox_for_recipient, address)
        except Exception:
            log.exception("looking up SMTP recipient %s failed", address)
            return TRY_LATER
        if mailbox_pk is None:
            return _no_such_mailbox(address)
        envelope.rcpt_tos.append(address)
        if getattr(envelope, "tandem_mailbox_pk", None) is None:
            envelope.tandem_mailbox_pk = mailbox_pk
        return "250 OK"

    async def handle_DATA(  # noqa: N802 - aiosmtpd's hook name
        self, server: SMTP, session: Session, envelope: Envelope
    ) -> str:
        try:
            inbound = await self._in_thread(
                store_message,
                raw=envelope.original_content,
                mailbox_pk=getattr(envelope, "tandem_mailbox_pk", None),
                envelope_from=_sender(envelope.mail_from),
                envelope_to=list(envelope.rcpt_tos),
            )
        except Exception:
            log.exception("storing mail from %s over SMTP failed", session.peer)
            return TRY_LATER
        log.info("SMTP: stored inbound mail %s (%d bytes)", inbound.pk, inbound.size)
        return ACCEPTED

    def close(self) -> None:
        self.executor.shutdown(wait=True)


class TandemSMTP(SMTP):
    # RFC 5321 allows 1,000 octets a line, but real senders exceed it; refusing such mail with a
    # permanent error would bounce a customer's message, so take up to 64 KiB.
    line_length_limit = 65_536


class Listener(Controller):
    """aiosmtpd's threaded controller with our SMTP class; stop() also drains the DB threads."""

    def factory(self):
        return TandemSMTP(self.handler, **self.SMTP_kwargs)

    def stop(self, no_assert: bool = False) -> None:
        super().stop(no_assert=no_assert)
        self.handler.close()

    @property
    def address(self) -> str:
        return f"{self.hostname}:{self.port}"


def _server_name() -> str:
    return urlparse(settings.BASE_URL).hostname or socket.gethostname()


def _check_bindable(host: str, port: int) -> None:
    """Fail at once with the OS's reason; aiosmtpd would only time out after ready_timeout."""
    family = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0][0]
    with socket.create_server((host, port), family=family):
        pass


def start_listener(host: str, port: int, *, max_bytes: int | None = None) -> Listener:
    """Listen on host:port in a background thread; OSError when the address cannot be bound."""
    _check_bindable(host, port)
    chatter = logging.getLogger("mail.log")  # aiosmtpd logs every command at INFO
    if chatter.level == logging.NOTSET:
        chatter.setLevel(logging.WARNING)
    listener = Listener(
        DeskHandler(),
        hostname=host,
        port=port,
        server_hostname=_server_name(),  # aiosmtpd would ask DNS for an FQDN otherwise
        ident="Tandem ESMTP",
        data_size_limit=max_bytes or max_message_bytes(),
        enable_SMTPUTF8=True,
        decode_data=False,
        ready_timeout=10,
    )
    try:
        listener.start()
    except BaseException:
        listener.handler.close()
        raise
    log.info("SMTP listener on %s", listener.address)
    return listener

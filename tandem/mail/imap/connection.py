"""One IMAP session for a mailbox: connect, log in, select, fetch raw bytes, flag or move.

Messages are fetched with BODY.PEEK[] so that reading never marks them seen, and kept as the
exact bytes the server sent (imap-tools' parsed `obj` re-serialises and would not be). Flags
are set with plain UID STORE: imap-tools' `flag()` and `delete()` send a bare EXPUNGE, which
would also purge messages someone else marked deleted in the same folder.
"""

from __future__ import annotations

import contextlib
import email
import imaplib
import re
import socket
import ssl
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property

from imap_tools import BaseMailBox, MailBox, MailBoxStartTls, MailBoxUnencrypted, MailMessage
from imap_tools.errors import (
    ImapToolsError,
    MailboxFolderSelectError,
    MailboxLoginError,
    UnexpectedCommandStatusError,
)
from imap_tools.utils import encode_folder

from tandem.mail.models import Mailbox
from tandem.mail.secrets import SecretUnreadable, decrypt_secret

TIMEOUT_SECONDS = 60
_SIZE = re.compile(rb"RFC822\.SIZE (\d+)")
_UID = re.compile(rb"UID (\d+)")


class ImapProblem(Exception):
    """Something an admin can act on, worded for the settings page (never holds the password)."""


class RawMessage(MailMessage):
    """A fetched message that keeps the server's bytes; parsed only if someone asks for `obj`."""

    def __init__(self, fetch_data: list) -> None:
        raw, uid_data, flag_data = self._get_message_data_parts(fetch_data)
        self.raw = bytes(raw)
        self._raw_uid_data = uid_data
        self._raw_flag_data = flag_data

    @cached_property
    def obj(self) -> email.message.Message:  # type: ignore[override]
        return email.message_from_bytes(self.raw)


class _Raw:
    email_message_class = RawMessage


class _SSL(_Raw, MailBox):
    pass


class _StartTLS(_Raw, MailBoxStartTls):
    pass


class _Plain(_Raw, MailBoxUnencrypted):
    pass


def _server_text(error: UnexpectedCommandStatusError) -> str:
    data = error.command_result[1] if len(error.command_result) > 1 else []
    parts = [d.decode("utf-8", "replace") if isinstance(d, bytes) else str(d) for d in data or []]
    return " ".join(p for p in parts if p).strip() or str(error.command_result[0])


def _scrubbed(text: str, password: str) -> str:
    return text.replace(password, "••••••") if password else text


def _client(mailbox: Mailbox) -> BaseMailBox:
    host, port = mailbox.imap_host, mailbox.imap_port
    where = f"{host}:{port}"
    try:
        if mailbox.imap_security == Mailbox.Security.SSL:
            return _SSL(
                host, port, timeout=TIMEOUT_SECONDS, ssl_context=ssl.create_default_context()
            )
        if mailbox.imap_security == Mailbox.Security.STARTTLS:
            return _StartTLS(
                host, port, timeout=TIMEOUT_SECONDS, ssl_context=ssl.create_default_context()
            )
        return _Plain(host, port, timeout=TIMEOUT_SECONDS)
    except socket.gaierror:
        raise ImapProblem(f"The server name {host} cannot be resolved.") from None
    except ssl.SSLCertVerificationError as error:
        raise ImapProblem(
            f"The TLS certificate of {where} is not trusted: {error.verify_message}."
        ) from None
    except ssl.SSLError as error:
        raise ImapProblem(
            f"TLS with {where} failed ({error.reason or error}); check the port and security."
        ) from None
    except TimeoutError:
        raise ImapProblem(f"{where} did not answer within {TIMEOUT_SECONDS} seconds.") from None
    except ConnectionRefusedError:
        raise ImapProblem(f"{where} refused the connection; check the host and port.") from None
    except OSError as error:
        raise ImapProblem(f"Cannot connect to {where}: {error.strerror or error}.") from None
    except (ImapToolsError, imaplib.IMAP4.error, ValueError) as error:
        raise ImapProblem(f"{where} did not speak IMAP as expected: {error}") from None


def _refresh_capabilities(client: BaseMailBox) -> None:
    """imaplib keeps the pre-login list; servers announce MOVE and UIDPLUS after login."""
    typ, data = client.client.capability()
    if typ == "OK" and data and data[-1]:
        client.client.capabilities = tuple(data[-1].decode("ascii", "replace").upper().split())


@dataclass
class Session:
    """A logged-in connection with the mailbox's folder selected."""

    client: BaseMailBox
    mailbox: Mailbox

    def unseen_uids(self) -> list[str]:
        return self.client.uids("UNSEEN", charset=None)

    def sizes(self, uids: list[str]) -> dict[str, int]:
        if not uids:
            return {}
        typ, data = self.client.client.uid("FETCH", ",".join(uids), "(UID RFC822.SIZE)")
        self._ok(typ, data, "reading message sizes")
        sizes = {}
        for item in data:
            line = item[0] if isinstance(item, tuple) else item
            uid, size = _UID.search(line or b""), _SIZE.search(line or b"")
            if uid and size:
                sizes[uid.group(1).decode()] = int(size.group(1))
        return sizes

    def fetch(self, uids: list[str]) -> Iterator[RawMessage]:
        """One message per command, oldest first, without setting \\Seen."""
        if not uids:  # imap-tools reads an empty uid_list as "no list" and fetches ALL
            return
        yield from self.client.fetch(uid_list=uids, mark_seen=False, bulk=False)

    def mark_done(self, uid: str) -> None:
        """Seen, then moved when the mailbox says so; called only once the mail is committed."""
        raw_client = self.client.client
        typ, data = raw_client.uid("STORE", uid, "+FLAGS.SILENT", r"(\Seen)")
        self._ok(typ, data, f"marking message {uid} seen")
        target = self.mailbox.imap_move_to
        if not target:
            return
        folder = encode_folder(target)
        if "MOVE" in raw_client.capabilities:
            typ, data = raw_client.uid("MOVE", uid, folder)
            self._ok(typ, data, f"moving message {uid} to {target}")
            return
        typ, data = raw_client.uid("COPY", uid, folder)
        self._ok(typ, data, f"copying message {uid} to {target}")
        typ, data = raw_client.uid("STORE", uid, "+FLAGS.SILENT", r"(\Deleted)")
        self._ok(typ, data, f"removing message {uid} after copying it")
        if "UIDPLUS" in raw_client.capabilities:  # expunge just this one; else leave it, seen
            typ, data = raw_client.uid("EXPUNGE", uid)
            self._ok(typ, data, f"expunging message {uid}")

    @staticmethod
    def _ok(typ: str, data, doing: str) -> None:
        if typ != "OK":
            text = " ".join(
                d.decode("utf-8", "replace") for d in data or [] if isinstance(d, bytes)
            )
            raise ImapProblem(f"The server refused {doing}: {text or typ}")

    def close(self) -> None:
        with contextlib.suppress(OSError, ImapToolsError, imaplib.IMAP4.error):
            self.client.logout()  # the session is over either way


def open_session(mailbox: Mailbox) -> Session:
    """Connect, log in and select the folder; ImapProblem says what went wrong."""
    try:
        password = decrypt_secret(mailbox.imap_password_encrypted)
    except SecretUnreadable as error:
        raise ImapProblem(str(error)) from None
    if not password:
        raise ImapProblem("No password is stored for this mailbox; type it in the settings.")
    client = _client(mailbox)
    try:
        try:
            if (mailbox.imap_user + password).isascii():
                client.login(mailbox.imap_user, password, initial_folder=None)
            else:  # LOGIN is ASCII only; AUTHENTICATE PLAIN carries UTF-8
                client.login_utf8(mailbox.imap_user, password, initial_folder=None)
        except (MailboxLoginError, imaplib.IMAP4.error) as error:
            text = _server_text(error) if isinstance(error, MailboxLoginError) else str(error)
            raise ImapProblem(
                f"The server refused the login for {mailbox.imap_user}: {_scrubbed(text, password)}"
            ) from None
        _refresh_capabilities(client)
        try:
            client.folder.set(mailbox.imap_folder)
        except MailboxFolderSelectError as error:
            raise ImapProblem(
                f"The folder {mailbox.imap_folder!r} cannot be opened: {_server_text(error)}"
            ) from None
        if mailbox.imap_move_to and not client.folder.exists(mailbox.imap_move_to):
            raise ImapProblem(
                f"The folder {mailbox.imap_move_to!r} to move fetched mail to does not exist on "
                "the server: create it there, or leave the field empty to only mark mail seen."
            )
    except ImapProblem:
        Session(client, mailbox).close()
        raise
    except (OSError, ImapToolsError, imaplib.IMAP4.error) as error:
        Session(client, mailbox).close()
        raise ImapProblem(describe(error, password)) from None
    return Session(client, mailbox)


def describe(error: BaseException, password: str = "") -> str:
    """An error met during a session, in words for the settings list."""
    if isinstance(error, ImapProblem):
        return str(error)
    if isinstance(error, TimeoutError):
        return f"The server stopped answering (no reply within {TIMEOUT_SECONDS} seconds)."
    if isinstance(error, imaplib.IMAP4.abort):
        return f"The server closed the connection: {_scrubbed(str(error), password)}"
    if isinstance(error, OSError):
        return f"The connection failed: {error.strerror or error}."
    if isinstance(error, UnexpectedCommandStatusError):
        return f"The server refused a command: {_scrubbed(_server_text(error), password)}"
    return f"IMAP error: {_scrubbed(str(error), password)}"


def check_connection(mailbox: Mailbox) -> str:
    """Log in and select the folder as the poller would: what to tell the admin, or ImapProblem."""
    session = open_session(mailbox)
    try:
        try:
            unseen = len(session.unseen_uids())
        except (OSError, ImapToolsError, imaplib.IMAP4.error) as error:
            raise ImapProblem(describe(error)) from None
    finally:
        session.close()
    where = f"{mailbox.imap_host}:{mailbox.imap_port}"
    waiting = f"{unseen} unread message{'s' if unseen != 1 else ''}"
    moved = f", then moves it to {mailbox.imap_move_to}" if mailbox.imap_move_to else ""
    return (
        f"Connected to {where} as {mailbox.imap_user}; the folder {mailbox.imap_folder} has "
        f"{waiting}. The poller fetches unread mail and marks it seen{moved}."
    )

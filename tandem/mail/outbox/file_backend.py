"""A Django mail backend that writes each sent message as one `.eml` file, for desks without SMTP.

The demo desk and any installation without TANDEM_EMAIL_URL "send" through it: every mail
lands whole (headers, MIME parts, attachments) in $TANDEM_HOME/mail/sent/, openable by any
mail client. Files appear complete or not at all (written aside, then renamed).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import secrets
from pathlib import Path

from django.conf import settings
from django.core.mail.backends.base import BaseEmailBackend


def sent_folder() -> Path:
    configured = getattr(settings, "EMAIL_FILE_PATH", None)
    return Path(configured) if configured else Path(settings.TANDEM_HOME) / "mail" / "sent"


class EmlFileBackend(BaseEmailBackend):
    def __init__(self, *args, file_path: str | os.PathLike | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.folder = Path(file_path) if file_path else sent_folder()

    def send_messages(self, email_messages) -> int:
        sent = 0
        for message in email_messages or ():
            try:
                self.write(message)
            except Exception:
                if not self.fail_silently:
                    raise
                continue
            sent += 1
        return sent

    def write(self, message) -> Path:
        mime = message.message()
        data = mime.as_bytes(linesep="\r\n")
        message_id = str(mime["Message-ID"] or "") or secrets.token_hex(8)
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S.%fZ")
        digest = hashlib.sha256(message_id.encode("utf-8", "replace")).hexdigest()[:16]
        self.folder.mkdir(parents=True, exist_ok=True)
        final = self.folder / f"{stamp}-{digest}.eml"
        temporary = self.folder / f".{final.name}.{secrets.token_hex(4)}.tmp"
        try:
            with open(temporary, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temporary, final)
        finally:
            temporary.unlink(missing_ok=True)
        return final

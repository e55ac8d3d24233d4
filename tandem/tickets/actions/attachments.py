"""Checking and storing attachments through Django's storage API."""

from __future__ import annotations

import mimetypes
import secrets
from dataclasses import dataclass
from typing import IO

from django.conf import settings
from django.core.files.base import ContentFile, File
from django.utils.text import get_valid_filename

from tandem.core.errors import FieldError, InvalidInput
from tandem.tickets.models import Attachment, Message, Ticket


@dataclass
class IncomingFile:
    """An attachment on its way in, from a form upload, the API or a parsed email."""

    filename: str
    content: bytes | IO[bytes]
    content_type: str = ""
    content_id: str = ""

    @property
    def size(self) -> int:
        if isinstance(self.content, bytes | bytearray):
            return len(self.content)
        return getattr(self.content, "size", None) or len(self.content.read())

    @classmethod
    def from_upload(cls, upload) -> IncomingFile:
        return cls(filename=upload.name, content=upload, content_type=upload.content_type or "")


def safe_filename(raw: str) -> str:
    name = (raw or "").replace("\\", "/").rsplit("/", 1)[-1].strip()
    try:
        cleaned = get_valid_filename(name)[:200]
    except Exception:  # get_valid_filename refuses names that clean to nothing
        cleaned = ""
    return cleaned or "attachment"


def check_files(files: list[IncomingFile], *, field: str = "attachments") -> None:
    """Refuse the whole write, naming each file, before anything is stored."""
    errors = []
    if len(files) > settings.ATTACHMENT_MAX_COUNT:
        errors.append(FieldError(field, f"at most {settings.ATTACHMENT_MAX_COUNT} files at once"))
    limit_mb = settings.ATTACHMENT_MAX_BYTES // (1024 * 1024)
    for index, incoming in enumerate(files):
        if incoming.size > settings.ATTACHMENT_MAX_BYTES:
            errors.append(
                FieldError(f"{field}[{index}]", f"{incoming.filename} is larger than {limit_mb} MB")
            )
    if errors:
        raise InvalidInput(errors)


def store_files(ticket: Ticket, message: Message, files: list[IncomingFile]) -> list[Attachment]:
    stored = []
    for incoming in files:
        filename = safe_filename(incoming.filename)
        content_type = (
            incoming.content_type or mimetypes.guess_type(filename)[0] or "application/octet-stream"
        )
        payload = incoming.content
        django_file = (
            ContentFile(bytes(payload)) if isinstance(payload, bytes | bytearray) else File(payload)
        )
        attachment = Attachment(
            ticket=ticket,
            message=message,
            token=secrets.token_hex(16),
            filename=filename,
            content_type=content_type[:200],
            size=django_file.size,
            content_id=incoming.content_id[:255],
        )
        attachment.file.save(filename, django_file, save=False)
        attachment.save()
        stored.append(attachment)
    return stored

"""Which parsed attachments a message may keep under the desk's size and count limits.

A refused attachment never refuses the message: the message is stored, and it says what was
left out (`Refusal.note`, appended to the text; `Refusal.as_meta`, kept in Message.meta).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from tandem.mail import ParsedAttachment


@dataclass(frozen=True)
class Refusal:
    filename: str
    size: int
    reason: str

    def note(self) -> str:
        return (
            f"[Attachment {self.filename} ({human_size(self.size)}) was not accepted: "
            f"{self.reason}]"
        )

    def as_meta(self) -> dict:
        return {"filename": self.filename, "size": self.size, "reason": self.reason}


def human_size(size: int) -> str:
    if size < 1024:
        return f"{size} bytes"
    if size < 1024 * 1024:
        return f"{size / 1024:.0f} KB"
    megabytes = f"{size / (1024 * 1024):.1f}".removesuffix(".0")
    return f"{megabytes} MB"


def screen_attachments(
    attachments: Sequence[ParsedAttachment], *, max_bytes: int, max_count: int
) -> tuple[list[ParsedAttachment], list[Refusal]]:
    """Accepted attachments in message order, and the refused ones with their reason."""
    accepted: list[ParsedAttachment] = []
    refused: list[Refusal] = []
    for attachment in attachments:
        if attachment.size > max_bytes:
            refused.append(
                Refusal(
                    attachment.filename, attachment.size, f"larger than {human_size(max_bytes)}"
                )
            )
        elif len(accepted) >= max_count:
            refused.append(
                Refusal(
                    attachment.filename,
                    attachment.size,
                    f"more than {max_count} attachments on one message",
                )
            )
        else:
            accepted.append(attachment)
    return accepted, refused

"""Mail the desk must never ingest (its own coming back) and mail it must never answer.

Pure functions over parsed values: `loop_reason` says why a message is the desk's own,
`automatic_reasons` lists what makes a message automatic (stored in Message.meta["automatic"]
so triggers and surveys skip it too), `may_acknowledge` is the one rule for acknowledgements.
"""

from __future__ import annotations

from collections.abc import Collection

from tandem.mail.automatic import Automation
from tandem.mail.ingest.recipients import untagged
from tandem.mail.message_ids import is_ours

# Automation flags and the words stored for them; from_noreply is left out on purpose:
# people do write from no-reply addresses, so it is no reason to treat mail as automatic.
_REASONS = (
    ("is_auto_submitted", "auto-submitted"),
    ("suppress_autoreply", "auto-response-suppress"),
    ("is_bulk", "bulk"),
    ("is_autoreply_header", "auto-reply header"),
    ("from_daemon", "mailer-daemon"),
    ("empty_return_path", "empty return path"),
    ("is_out_of_office", "out-of-office"),
    ("is_bounce", "bounce"),
)


def loop_reason(
    *, from_address: str, message_id: str, desk_addresses: Collection[str], x_loop: str = ""
) -> str:
    """Why this message is the desk's own mail coming back ("" when it is not)."""
    if from_address and untagged(from_address) in desk_addresses:
        return f"loop guard: sent from the desk's own address {from_address}"
    if message_id and is_ours(message_id):
        return f"loop guard: <{message_id}> is a Message-ID the desk generated"
    looped = x_loop.lower()
    for address in desk_addresses:
        if address in looped:
            return f"loop guard: X-Loop names the desk's address {address}"
    return ""


def automatic_reasons(automation: Automation) -> list[str]:
    reasons = [word for flag, word in _REASONS if getattr(automation, flag)]
    if automation.report_type and not automation.is_bounce:
        reasons.append(f"report: {automation.report_type}")
    return reasons


def may_acknowledge(
    *,
    live: bool,
    new_ticket: bool,
    automatic: Collection[str],
    from_agent: bool,
    mailbox_acknowledges: bool,
    noreply_requester: bool,
) -> bool:
    """Only a person's new ticket from live mail gets the mailbox's acknowledgement.

    Never for imports (history is not live traffic), automatic mail (RFC 3834: no answer to a
    machine), agents, or a requester who is a no-reply address (the answer would bounce).
    """
    return (
        live
        and new_ticket
        and not automatic
        and not from_agent
        and mailbox_acknowledges
        and not noreply_requester
    )

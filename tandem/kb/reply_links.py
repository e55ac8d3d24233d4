"""Counts how often agents link help-center articles in their public replies.

An event-bus subscriber: when a public agent reply is added, every help-center article URL
in it (`/help/articles/<id>-<slug>/`, on any host) counts once for that article.
"""

from __future__ import annotations

import re

from tandem.core.event_bus import ActionEvents

ARTICLE_URL = re.compile(r"/help/articles/(\d+)(?:-[\w-]*)?")


def article_ids_in(text: str) -> list[int]:
    return sorted({int(match) for match in ARTICLE_URL.findall(text or "")})


def count_links_in_replies(batch: ActionEvents) -> bool:
    from tandem.kb.actions import add_reply_links
    from tandem.tickets.models import TicketEvent

    for event in batch.of_kind(TicketEvent.Kind.MESSAGE_ADDED):
        message = event.message
        if message is None or not message.is_public_agent_reply:
            continue
        ids = article_ids_in(f"{message.body}\n{message.html}")
        if ids:
            add_reply_links(article_ids=ids)
    return False  # the ticket itself is not changed

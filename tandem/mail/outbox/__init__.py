"""The email channel's outbound side: outbox rows written with the message, sent by jobs.

queueing (the deliverer), composing (the mail), sending (attempts, back-off, sweep),
acknowledgements, bounces, and the `.eml` file backend. See docs/email-outbound.md.
"""

from tandem.mail.outbox.acknowledgements import queue_acknowledgement

__all__ = ["queue_acknowledgement"]

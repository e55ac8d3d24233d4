"""Inbound mail, from a stored InboundMail row to tickets and messages.

`processing.process_inbound` is the one entry point for live mail (SMTP, IMAP) and imports;
the decisions it takes are pure functions in `threading`, `loop_guard`, `recipients` and
`attachments`, so they are tested with plain values.
"""

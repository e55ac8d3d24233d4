"""Fetching mail from IMAP mailboxes: the periodic poller, its per-mailbox lease, the connection."""

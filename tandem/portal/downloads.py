"""Customers' attachment downloads follow the desk-wide rule in tandem.tickets.downloads."""

from __future__ import annotations

from tandem.tickets.downloads import attachment_response, served_content_type

__all__ = ["attachment_response", "served_content_type"]

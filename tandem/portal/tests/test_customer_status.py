"""Statuses in customer words (pure)."""

import pytest

from tandem.portal.customer_status import customer_status, customer_status_css


@pytest.mark.parametrize(
    ("status", "words", "css"),
    [
        ("new", "Open", "open"),
        ("open", "Open", "open"),
        ("pending", "Awaiting your reply", "awaiting"),
        ("on_hold", "Open", "open"),
        ("solved", "Solved", "solved"),
        ("closed", "Closed", "closed"),
    ],
)
def test_customer_status(status, words, css):
    assert customer_status(status) == words
    assert customer_status_css(status) == css

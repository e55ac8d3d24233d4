"""An agent finds a macro from the composer, previews it for the ticket, inserts it and sends.

The macro's text is rendered for this very ticket (the customer's name, the number), and
its actions (status, tag) happen with the reply, not before it.
"""

from __future__ import annotations

import json
import uuid

from playwright.sync_api import expect

from tests.e2e.test_agent_story import AGENT, new_ticket, open_ticket, sign_in, unique

NEW_MACRO = """
from tandem.kb.macro_actions import create_macro
from tandem.people.models import Agent
admin = Agent.objects.get(email="admin@e2e.test")
create_macro(agent=admin, title={title!r}, scope="everyone", set_status="pending",
    add_tags=["needs-screenshot"],
    body="Hi {{{{ contact.first_name }}}}, could you send a screenshot for "
    "#{{{{ ticket.number }}}}?")
"""

TICKET_STATE = """
import json
from tandem.kb.models import Macro
from tandem.tickets.models import Ticket
ticket = Ticket.objects.get(number={number})
tags = sorted(ticket.tags.values_list("name", flat=True))
print(json.dumps({{"status": ticket.status, "tags": tags,
    "used": Macro.objects.get(title={title!r}).usage_count}}))
"""


def ticket_state(desk, number: int, title: str) -> dict:
    output = desk["tandem"]("shell", "-c", TICKET_STATE.format(number=number, title=title))
    return json.loads(output.strip().splitlines()[-1])


def test_agent_previews_inserts_and_sends_a_macro_for_this_ticket(page, desk):
    title = f"Ask for a screenshot {uuid.uuid4().hex[:6]}"
    desk["tandem"]("shell", "-c", NEW_MACRO.format(title=title))
    number = new_ticket(desk, unique("Chart is blank"), "The usage chart shows nothing today.")

    sign_in(page, desk, AGENT)
    open_ticket(page, number)
    page.get_by_text("Macros", exact=True).click()
    page.get_by_label("Search macros").press_sequentially("screenshot", delay=20)
    choice = page.locator("#macro-results").get_by_role("button", name=title)
    expect(choice).to_be_visible()
    choice.click()

    preview = page.locator("#macro-preview")
    expected = f"Hi Carol, could you send a screenshot for #{number}?"
    expect(preview.locator(".macro-preview-text")).to_have_text(expected)
    expect(preview).to_contain_text("Set status to Pending; Add tags needs-screenshot")
    preview.get_by_role("button", name="Insert into reply").click()

    expect(page.get_by_label("Message", exact=True)).to_have_value(expected)
    expect(page.locator("#composer-macro-note")).to_contain_text(title)
    # Nothing has happened to the ticket yet: the macro applies when the reply is sent.
    state = ticket_state(desk, number, title)
    assert state == {"status": "new", "tags": [], "used": 0}

    page.locator("#composer").get_by_role("button", name="Send reply").click()
    reply = page.locator("#timeline").get_by_role("article", name="Public reply by Alex Agent")
    expect(reply.filter(has_text="could you send a screenshot")).to_be_visible()
    expect(page.locator("#ticket-header .pill")).to_have_text("Pending")
    state = ticket_state(desk, number, title)
    assert state == {"status": "pending", "tags": ["needs-screenshot"], "used": 1}

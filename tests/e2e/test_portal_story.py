"""A customer signs in with an emailed link, asks for help and reads the agent's answer."""

import re

from playwright.sync_api import expect

AGENT_REPLY = """
from tandem.people.actors import Actor
from tandem.people.models import Agent
from tandem.tickets import actions
from tandem.tickets.models import Ticket
ticket = Ticket.objects.get(subject="Invoice shows the wrong VAT number")
agent = Agent.objects.get(email="alex@e2e.test")
actions.add_message(actor=Actor.for_agent(agent), ticket=ticket, body="Internal: check billing",
                    visibility="internal")
actions.add_message(actor=Actor.for_agent(agent), ticket=ticket,
                    body="We corrected the VAT number; the new invoice is in your account.")
print(ticket.number)
"""


def test_customer_signs_in_by_link_submits_request_and_sees_reply(page, desk, tmp_path):
    link = desk["tandem"]("loginlink", "carol@customer.test").strip()
    assert link.startswith(desk["base"] + "/portal/")

    page.goto(link)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/portal/requests/"))
    expect(page.get_by_text("Export to CSV fails")).to_be_visible()

    page.get_by_role("link", name="New request").first.click()
    page.get_by_label("Subject").fill("Invoice shows the wrong VAT number")
    page.get_by_label("Description").fill("Our VAT number is DE123456789, the invoice says DE0.")
    attachment = tmp_path / "invoice.txt"
    attachment.write_text("invoice 2026-11")
    page.get_by_label("Attachments").set_input_files(str(attachment))
    page.get_by_role("button", name="Submit request").click()
    expect(page.get_by_role("heading", name="Invoice shows the wrong VAT number")).to_be_visible()
    expect(page.get_by_text("invoice.txt")).to_be_visible()

    number = desk["tandem"]("shell", "-c", AGENT_REPLY).strip().splitlines()[-1]
    assert page.url.rstrip("/").endswith(f"/portal/requests/{number}")
    page.reload()
    expect(page.get_by_text("We corrected the VAT number")).to_be_visible()
    expect(page.get_by_text("Internal: check billing")).to_have_count(0)

    page.get_by_role("button", name="Mark as solved").click()
    expect(page.get_by_text("Solved").first).to_be_visible()


def test_used_sign_in_link_cannot_be_used_again(page, desk):
    link = desk["tandem"]("loginlink", "carol@customer.test").strip()
    page.goto(link)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/portal/requests/"))
    page.context.clear_cookies()
    page.goto(link)
    expect(page.get_by_role("button", name="Sign in")).to_have_count(0)
    expect(page.get_by_text(re.compile("(used|expired)", re.I)).first).to_be_visible()

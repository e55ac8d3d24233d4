"""An agent works a ticket in the browser: reply, note, solve; what the customer then sees;
the shortcuts overlay; and a colleague's note arriving live on an open ticket page.

Each test opens its own ticket, so the tests pass in any order and alone.
"""

from __future__ import annotations

import os
import re
import uuid
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import _broken_resource, _console_error

AGENT = "alex@e2e.test"  # Alex Agent, team Support Tier 1
COLLEAGUE = "admin@e2e.test"  # Ada Admin
CUSTOMER = "carol@customer.test"  # Carol Customer

NEW_TICKET = """
from tandem.people.actors import Actor
from tandem.people.models import Contact, Team
from tandem.tickets import actions
carol = Contact.objects.get(email={customer!r})
ticket = actions.create_ticket(actor=Actor.for_contact(carol), contact=carol, subject={subject!r},
    body={body!r}, channel="portal", team=Team.objects.get(name="Support Tier 1"))
print(ticket.number)
"""


def new_ticket(desk, subject: str, body: str) -> int:
    """A fresh portal ticket from Carol for Support Tier 1; its number."""
    script = NEW_TICKET.format(customer=CUSTOMER, subject=subject, body=body)
    return int(desk["tandem"]("shell", "-c", script).strip().splitlines()[-1])


def unique(subject: str) -> str:
    return f"{subject} ({uuid.uuid4().hex[:6]})"


def sign_in(page: Page, desk, email: str) -> None:
    page.goto("/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(desk["password"])
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="All open", level=1)).to_be_visible()


def open_ticket(page: Page, number: int) -> None:
    page.goto(f"/tickets/{number}/")
    expect(page.locator("#ticket-header")).to_contain_text(f"#{number}")


def write(page: Page, kind: str, text: str) -> None:
    """Type into the composer as a public reply or an internal note and send it."""
    composer = page.locator("#composer")
    composer.get_by_text(kind, exact=True).click()  # the tab; its radio is visually hidden
    expect(page.get_by_role("radio", name=kind)).to_be_checked()
    page.get_by_label("Message", exact=True).fill(text)
    send = "Send reply" if kind == "Public reply" else "Add note"
    composer.get_by_role("button", name=send).click()


def timeline_message(page: Page, kind: str, author: str, text: str):
    return (
        page.locator("#timeline")
        .get_by_role("article", name=f"{kind} by {author}")
        .filter(has_text=text)
    )


def event_lines(page: Page):
    return page.locator("#timeline .event .event-text")


@pytest.fixture
def another_page(browser, desk, request):
    """A second, separate browser (its own cookies), held to the same rules as `page`."""
    opened: list[tuple[Page, list[str]]] = []

    def open_page() -> Page:
        context = browser.new_context(
            base_url=desk["base"], viewport={"width": 1400, "height": 900}
        )
        other = context.new_page()
        errors: list[str] = []
        other.on("pageerror", lambda error: errors.append(str(error)))
        other.on("console", lambda msg: _console_error(msg, errors))
        other.on("response", lambda response: _broken_resource(response, errors))
        opened.append((other, errors))
        return other

    yield open_page
    shots = Path(os.environ.get("TANDEM_E2E_SHOTS", desk["home"] / "shots"))
    shots.mkdir(parents=True, exist_ok=True)
    all_errors = []
    for index, (other, errors) in enumerate(opened, start=2):
        other.screenshot(path=str(shots / f"{request.node.name}-{index}.png"), full_page=True)
        other.context.close()
        all_errors += errors
    assert not all_errors, all_errors


def test_agent_replies_adds_a_note_and_solves_without_reloading(page, desk):
    subject = unique("Export to PDF times out")
    number = new_ticket(desk, subject, "The PDF export spins for a minute and then fails.")

    sign_in(page, desk, AGENT)
    row = page.locator("[data-ticket-list] tr[data-row]").filter(has_text=subject)
    expect(row).to_have_count(1)
    expect(row.locator(".col-status")).to_have_text("New")
    row.get_by_role("link", name=subject).click()

    expect(page).to_have_url(re.compile(rf"/tickets/{number}/\?in="))
    expect(page.get_by_role("heading", level=1)).to_have_text(f"#{number} {subject}")
    expect(
        timeline_message(page, "Customer message", "Carol Customer", "PDF export spins")
    ).to_be_visible()
    # From here on every change is an htmx swap: a full load would drop this marker.
    page.evaluate("window.e2eSamePage = 'still the same page'")

    write(page, "Public reply", "Thanks Carol, we can reproduce it and are on it.")
    expect(
        timeline_message(page, "Public reply", "Alex Agent", "we can reproduce it")
    ).to_be_visible()
    expect(page.get_by_label("Message", exact=True)).to_have_value("")

    write(page, "Internal note", "Only big reports time out; looks like the PDF worker limit.")
    expect(
        timeline_message(page, "Internal note", "Alex Agent", "PDF worker limit")
    ).to_be_visible()

    status = page.get_by_label("Status", exact=True)
    status.focus()  # as a person does, clicking the control before choosing
    status.select_option(label="Solved")
    expect(page.locator("#ticket-header .pill")).to_have_text("Solved")
    expect(page.get_by_label("Status", exact=True)).to_have_value("solved")
    expect(event_lines(page)).to_have_text(
        [
            "Alex Agent changed status from new to open",
            "Alex Agent changed status from open to solved",
        ]
    )
    expect(page.locator("#timeline .msg")).to_have_count(3)
    assert page.evaluate("window.e2eSamePage") == "still the same page"


def test_customer_sees_the_agents_reply_and_never_the_internal_note(page, desk, another_page):
    subject = unique("Cannot download my invoice")
    number = new_ticket(desk, subject, "The invoice link gives me an empty page.")
    agent = another_page()
    sign_in(agent, desk, AGENT)
    open_ticket(agent, number)
    write(agent, "Public reply", "Hi Carol, the link works again; please try once more.")
    expect(timeline_message(agent, "Public reply", "Alex Agent", "works again")).to_be_visible()
    write(agent, "Internal note", "Root cause: expired storage token on the invoice bucket.")
    expect(
        timeline_message(agent, "Internal note", "Alex Agent", "expired storage")
    ).to_be_visible()

    page.goto(desk["tandem"]("loginlink", CUSTOMER).strip())
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/portal/requests/"))
    page.get_by_role("link", name=re.compile(re.escape(subject))).click()

    expect(page.get_by_role("heading", name=subject)).to_be_visible()
    conversation = page.get_by_role("list", name="Conversation")
    expect(conversation.get_by_role("listitem")).to_have_count(2)
    expect(conversation.get_by_role("listitem").last).to_contain_text(
        "Hi Carol, the link works again; please try once more."
    )
    expect(conversation.get_by_role("listitem").last).to_contain_text("Alex Agent")
    expect(page.get_by_text("expired storage token")).to_have_count(0)
    expect(page.get_by_text("Root cause")).to_have_count(0)


def test_question_mark_on_the_inbox_lists_the_shortcuts(page, desk):
    sign_in(page, desk, AGENT)
    dialog = page.get_by_role("dialog", name="Keyboard shortcuts")

    tag_filter = page.get_by_label("Tag", exact=True)
    tag_filter.click()
    page.keyboard.press("?")  # typed into the field, not a shortcut
    expect(tag_filter).to_have_value("?")
    expect(dialog).to_be_hidden()
    tag_filter.fill("")
    page.keyboard.press("Escape")  # leaves the field

    page.keyboard.press("?")
    expect(dialog).to_be_visible()
    expect(dialog.locator("dt")).to_have_text(
        [
            "g i",
            "/",
            "c",
            "?",
            "j / k",
            "Enter or o",
            "x",
            "] or j",
            "[ or k",
            "r",
            "n",
            "s",
            "Ctrl Enter",
            "u",
        ]
    )
    expect(dialog.locator("dd")).to_have_text(
        [
            "Go to the inbox",
            "Filter the inbox (or go to a ticket #)",
            "New ticket",
            "Show this list",
            "Next / previous ticket",
            "Open the ticket",
            "Select it for a bulk action",
            "Next ticket in your list",
            "Previous ticket in your list",
            "Write a public reply",
            "Write an internal note",
            "Submit as solved (or set status to solved)",
            "Send what you wrote",
            "Back to the list",
        ]
    )
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    page.keyboard.press("?")  # and again: closing it leaves the shortcuts working
    expect(dialog).to_be_visible()


def test_a_colleagues_note_appears_on_an_open_ticket_without_reload(page, desk, another_page):
    subject = unique("Scheduled export sends empty CSV")
    number = new_ticket(desk, subject, "The nightly export mail has an empty file attached.")

    sign_in(page, desk, AGENT)
    with page.expect_websocket(lambda ws: f"/ws/tickets/{number}/" in ws.url):
        open_ticket(page, number)
    page.evaluate("window.e2eSamePage = 'still the same page'")
    draft = page.get_by_label("Message", exact=True)
    draft.fill("Hi Carol, half-written answer")  # the agent is typing when the note arrives

    colleague = another_page()
    sign_in(colleague, desk, COLLEAGUE)
    open_ticket(colleague, number)
    write(colleague, "Internal note", "Heads up: the export job ran out of disk last night.")
    expect(timeline_message(colleague, "Internal note", "Ada Admin", "out of disk")).to_be_visible()

    expect(timeline_message(page, "Internal note", "Ada Admin", "out of disk")).to_be_visible()
    expect(page.locator("#timeline .msg")).to_have_count(2)
    expect(draft).to_have_value("Hi Carol, half-written answer")
    expect(draft).to_be_focused()
    assert page.evaluate("window.e2eSamePage") == "still the same page"


def test_picking_an_availability_saves_it_at_once(page, desk):
    sign_in(page, desk, COLLEAGUE)
    picker = page.get_by_label("Availability")
    expect(page.locator(".availability-form").get_by_role("button", name="Set")).to_be_hidden()
    with page.expect_navigation():
        picker.select_option(label="Away")
    expect(page.get_by_label("Availability")).to_have_value("away")
    with page.expect_navigation():
        page.get_by_label("Availability").select_option(label="Online")
    expect(page.get_by_label("Availability")).to_have_value("online")

"""Two agents on one ticket, each in their own browser: they see each other, see each other
typing, a reply drafted while a colleague answered is held with what arrived, and a mention
lights the bell."""

from __future__ import annotations

import os
from pathlib import Path

from playwright.sync_api import Page, expect

from tests.e2e.test_agent_story import (  # noqa: F401 - another_page is a fixture
    AGENT,
    COLLEAGUE,
    another_page,
    new_ticket,
    open_ticket,
    sign_in,
    unique,
    write,
)


def shot(page: Page, desk, name: str) -> None:
    shots = Path(os.environ.get("TANDEM_E2E_SHOTS", desk["home"] / "shots"))
    shots.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(shots / f"collab-{name}.png"), full_page=True)


def settle(*pages: Page) -> None:
    """Let live refreshes still on their way land before the pages close."""
    for each in pages:
        each.wait_for_load_state("networkidle")
        each.wait_for_timeout(500)


def test_two_agents_see_each_other_typing_and_a_stale_reply_is_held(page, another_page, desk):  # noqa: F811
    subject = unique("Invoice shows the wrong VAT")
    number = new_ticket(desk, subject, "My invoice has 19% VAT, it should be 7%.")

    alex = page
    sign_in(alex, desk, AGENT)
    open_ticket(alex, number)

    ada = another_page()
    sign_in(ada, desk, COLLEAGUE)
    open_ticket(ada, number)

    expect(alex.locator("[data-presence]")).to_contain_text("Ada Admin")
    expect(ada.locator("[data-presence]")).to_contain_text("Alex Agent")

    # Ada starts a reply: Alex sees her typing.
    ada.get_by_label("Message", exact=True).fill("Hi, I will correct the VAT on your invoice")
    expect(alex.locator("[data-typing]")).to_have_text("Ada Admin is typing a reply…")
    expect(alex.locator("[data-presence] .is-typing")).to_contain_text("Ada Admin")
    shot(alex, desk, "alex-sees-ada-typing")

    # Alex answers first, while Ada is still drafting.
    write(alex, "Public reply", "Thanks, the corrected invoice is attached to your account.")
    expect(
        alex.locator("#timeline").get_by_role("article", name="Public reply by Alex Agent")
    ).to_be_visible()

    # Ada sends her draft: it is held, and she sees what Alex wrote.
    ada.locator("#composer").get_by_role("button", name="Send reply").click()
    warning = ada.locator("[data-stale-draft]")
    expect(warning).to_contain_text("Not sent yet")
    expect(warning).to_contain_text("Alex Agent")
    expect(warning).to_contain_text("the corrected invoice is attached")
    expect(ada.get_by_label("Message", exact=True)).to_have_value(
        "Hi, I will correct the VAT on your invoice"
    )
    shot(ada, desk, "ada-reply-held")
    expect(
        ada.locator("#timeline").get_by_role("article", name="Public reply by Ada Admin")
    ).to_have_count(0)

    # She edits and confirms: now it goes out.
    ada.get_by_label("Message", exact=True).fill("Adding to Alex's reply: the refund follows.")
    ada.locator("#composer").get_by_role("button", name="Send reply").click()
    expect(
        ada.locator("#timeline").get_by_role("article", name="Public reply by Ada Admin")
    ).to_be_visible()
    expect(ada.locator("[data-stale-draft]")).to_have_count(0)

    # Ada leaves: Alex no longer sees her.
    ada.wait_for_load_state("networkidle")
    ada.goto("/inbox/")
    expect(alex.locator("[data-presence]")).to_be_hidden()
    settle(alex, ada)


def test_a_mention_lights_the_colleagues_bell_live(page, another_page, desk):  # noqa: F811
    subject = unique("Refund for a double charge")
    number = new_ticket(desk, subject, "I was charged twice for March.")

    ada = page
    sign_in(ada, desk, COLLEAGUE)
    expect(ada.locator("#bell-count")).to_be_hidden()

    alex = another_page()
    sign_in(alex, desk, AGENT)
    open_ticket(alex, number)
    write(alex, "Internal note", "@Ada Admin can you approve this refund?")
    note = alex.locator("#timeline").get_by_role("article", name="Internal note by Alex Agent")
    expect(note.locator("a.mention")).to_have_text("@Ada Admin")

    expect(ada.locator("#bell-count")).to_contain_text("1")
    ada.locator("[data-bell] summary").click()
    item = ada.locator("#bell-menu .notification").filter(has_text="Alex Agent mentioned you")
    expect(item).to_be_visible()
    shot(ada, desk, "ada-bell-open")
    item.locator(".notification-link").click()
    expect(ada).to_have_url(f"{desk['base']}/tickets/{number}/")
    expect(ada.locator("#bell-count")).to_be_hidden()
    settle(alex, ada)

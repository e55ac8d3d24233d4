"""On a ticket, the agent sees help-center articles that may answer it and links one."""

from __future__ import annotations

import re
import uuid

from playwright.sync_api import expect

from tests.e2e.test_agent_story import AGENT, new_ticket, open_ticket, sign_in, unique

PUBLISH = """
from tandem.kb import actions
from tandem.people.models import Agent
agent = Agent.objects.get(email="admin@e2e.test")
actions.create_article(agent=agent, title={title!r}, status="published",
    body="Open *Settings*, then *Calendar sync*, and reconnect the calendar.")
"""


def test_agent_inserts_a_suggested_article_link_into_the_reply(page, desk):
    word = f"zq{uuid.uuid4().hex[:6]}"  # a word only this article and this ticket share
    title = f"Fix calendar sync {word}"
    desk["tandem"]("shell", "-c", PUBLISH.format(title=title))
    number = new_ticket(
        desk, unique(f"Calendar sync {word} stopped"), "Nothing syncs since Monday."
    )

    sign_in(page, desk, AGENT)
    open_ticket(page, number)
    panel = page.locator("#kb-suggestions")
    expect(panel.get_by_role("link", name=title)).to_be_visible()
    box = page.get_by_label("Message", exact=True)
    box.fill("Hi Carol, this should help:")
    panel.get_by_role("button", name=f"Insert a link to “{title}” into the reply").click()
    expect(box).to_have_value(
        re.compile(rf"Hi Carol, this should help:\n{title}: http\S+/help/articles/\d+-")
    )

    page.locator("#composer").get_by_role("button", name="Send reply").click()
    reply = page.locator("#timeline").get_by_role("article", name="Public reply by Alex Agent")
    expect(reply.filter(has_text="/help/articles/")).to_be_visible()
    # The link counts for the article, as the editor's "linked in replies" shows.
    linked = desk["tandem"](
        "shell",
        "-c",
        f"from tandem.kb.models import Article; "
        f"print(Article.objects.get(title={title!r}).linked_in_replies)",
    )
    assert linked.strip().splitlines()[-1] == "1"

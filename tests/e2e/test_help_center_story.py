"""A visitor starts writing a request, is offered a help-center article, and reads it."""

import json
import re

from playwright.sync_api import expect

PUBLISH = """
from tandem.kb import actions
from tandem.people.models import Agent
agent = Agent.objects.get(email="alex@e2e.test")
actions.create_article(agent=agent, title="Export a report to CSV",
    body="Open **Reports**, choose the report and press *Export CSV*.", status="published")
actions.create_article(agent=agent, title="CSV export internals", body="Agents only: export "
    "jobs run on the reports queue.", status="published", audience="agents")
"""

DEFLECTIONS = """
import json
from tandem.kb.models import DeflectionEvent
print(json.dumps(sorted(set(DeflectionEvent.objects.values_list("kind", flat=True)))))
"""


def test_visitor_sees_a_suggested_article_while_typing_and_opens_it(page, desk):
    desk["tandem"]("shell", "-c", PUBLISH)

    page.goto("/portal/submit/")
    page.get_by_label("Subject").press_sequentially("How do I export to CSV", delay=20)
    suggestion = page.get_by_role("link", name="Export a report to CSV")
    expect(suggestion).to_be_visible()
    expect(page.get_by_text("CSV export internals")).to_have_count(0)

    with page.expect_popup() as popup:
        suggestion.click()
    article = popup.value
    expect(article).to_have_url(re.compile(r"/help/articles/\d+-export-a-report-to-csv/"))
    expect(article.get_by_role("heading", name="Export a report to CSV")).to_be_visible()
    expect(article.get_by_text("Was this helpful?")).to_be_visible()
    article.get_by_role("button", name="Yes").click()
    expect(article.get_by_text("Thanks for your feedback.").first).to_be_visible()

    recorded = json.loads(desk["tandem"]("shell", "-c", DEFLECTIONS).strip().splitlines()[-1])
    assert recorded == ["opened", "shown"]

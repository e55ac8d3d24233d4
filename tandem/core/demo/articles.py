"""The demo desk's knowledge base: help-center articles on what its customers ask about.

Written through kb.actions like any editor's work, so versions, the search index and the
help center see them exactly as they would see real articles. One topic the demo tickets
raise (outages, account changes) deliberately have no article, so the knowledge-gap report
has gaps to show. An article answers a ticket category through its kb category or its tags.
"""

from __future__ import annotations

import random

from tandem.kb import actions as kb
from tandem.kb.models import Article
from tandem.people.models import Agent

PUBLIC, AGENTS = Article.Audience.PUBLIC, Article.Audience.AGENTS
PUBLISHED, DRAFT = Article.Status.PUBLISHED, Article.Status.DRAFT

# (category name, description, the ticket category it answers, sections)
# Each section: (name, articles); each article: (title, body, audience, status, tags).
KNOWLEDGE_BASE = (
    (
        "Signing in",
        "Passwords, two-factor authentication and single sign-on.",
        "login",
        (
            (
                "Passwords and two-factor",
                (
                    (
                        "Reset your password",
                        """If you forgot your password, you can choose a new one in a minute.

1. Open the Lumio sign-in page and choose **Forgot password**.
2. Enter the email address you sign in with.
3. Open the link we email you. It works for **one hour** and only once.

## The reset email does not arrive

- Check your spam or junk folder.
- Ask your IT team to allow mail from `noreply@lumio.example`: some company
  filters hold it back.
- Request a new link after ten minutes; only the newest link works.

Still nothing? [Send us a request](/portal/submit/) and we will help you in.
""",
                        PUBLIC,
                        PUBLISHED,
                        ("password", "login"),
                    ),
                    (
                        "Locked out after changing phones (two-factor)",
                        """Two-factor codes live on your phone, so a new phone needs a
new enrolment.

- If you saved your **recovery codes**, sign in with one of them and enrol the new phone
  under *Settings → Security*.
- If you did not, your account owner can reset two-factor for you under *Team → Members*.
- If you are the account owner, send us a request from the email address on the account;
  we verify who you are before resetting it.
""",
                        PUBLIC,
                        PUBLISHED,
                        ("2fa", "login"),
                    ),
                    (
                        "The sign-in page just reloads (login loop)",
                        """A sign-in page that reloads without an error is almost always an old
session cookie.

1. Sign in once from a private window. If that works, the cookie is the cause.
2. Clear cookies for `app.lumio.example` in your browser, then sign in normally.

Browser extensions that block third-party cookies can cause it too: allow
`app.lumio.example` in them.
""",
                        PUBLIC,
                        PUBLISHED,
                        ("login",),
                    ),
                ),
            ),
            (
                "Single sign-on",
                (
                    (
                        "Single sign-on fails with 'invalid assertion'",
                        """This error means Lumio could not verify the response from your
identity provider (Okta, Azure AD, Google Workspace...).

The usual cause is a **rotated signing certificate**. Your identity provider admin can:

1. Download the new certificate (or metadata XML) from the identity provider.
2. Upload it under *Settings → Single sign-on* in Lumio.

Check too that the clocks agree: an assertion more than five minutes old is refused.
""",
                        PUBLIC,
                        PUBLISHED,
                        ("sso", "login"),
                    ),
                    (
                        "Verifying identity before a 2FA or SSO reset",
                        """Internal. Before resetting two-factor or SSO settings for a customer:

- The request must come from the account owner's address, or be confirmed by them on the
  ticket.
- Ask for the last four digits of the card on file or the latest invoice number.
- Note on the ticket what you checked, then reset.

Never reset on the word of someone who is not the owner, however urgent it sounds.
""",
                        AGENTS,
                        PUBLISHED,
                        ("2fa", "security"),
                    ),
                ),
            ),
        ),
    ),
    (
        "Billing and refunds",
        "Invoices, payment methods, plans and refunds.",
        "billing",
        (
            (
                "Invoices and payments",
                (
                    (
                        "Download an invoice",
                        """Every invoice is under *Settings → Billing → Invoices*, as a PDF.

- Account owners and billing admins see them; other members do not.
- To add a VAT number or a purchase-order reference, edit *Billing details* before the
  next invoice is issued: past invoices cannot be changed, but we can reissue one on
  request.
""",
                        PUBLIC,
                        PUBLISHED,
                        ("invoice", "billing"),
                    ),
                    (
                        "Why was I charged twice?",
                        """Two charges on your statement are usually one of these:

- **A pending authorisation**: your bank shows a temporary hold that disappears within a
  few days. Only one of the two becomes a charge.
- **A plan change mid-month**: the difference for the rest of the month is charged
  separately from the regular renewal.

If both are final charges for the same period, send us a request with the two amounts
and dates; we refund the duplicate.
""",
                        PUBLIC,
                        PUBLISHED,
                        ("billing", "refunds"),
                    ),
                ),
            ),
            (
                "Refunds",
                (
                    (
                        "How refunds work",
                        """We refund in full within 30 days of a charge, and pro rata after that
when you downgrade or cancel.

A refund goes back to the card or account that paid. It usually shows on your statement
within **5 to 10 business days**, depending on your bank.
""",
                        PUBLIC,
                        PUBLISHED,
                        ("refunds",),
                    ),
                    (
                        "Refund approval limits",
                        """Internal. Agents may refund up to one month's subscription without
approval. Above that, hand the ticket to the Billing team with the amount and the reason
in an internal note; a team lead approves it the same day.
""",
                        AGENTS,
                        PUBLISHED,
                        ("refund",),
                    ),
                ),
            ),
        ),
    ),
    (
        "Orders and returns",
        "Tracking an order, changing it, and sending something back.",
        "orders",
        (
            (
                "Orders",
                (
                    (
                        "Track your order",
                        """Your order confirmation email has a tracking link once the parcel
leaves our warehouse, usually within one business day.

No tracking after three business days? Reply to the confirmation email or send us a
request with your order number, and we will chase the carrier.
""",
                        PUBLIC,
                        PUBLISHED,
                        ("shipping", "orders"),
                    ),
                    (
                        "Change the delivery address of an order",
                        """You can change the address until the order ships: open the order
from your confirmation email and choose **Edit address**. Once it has shipped, the carrier
can sometimes redirect it; send us a request with the order number and the new address.
""",
                        PUBLIC,
                        PUBLISHED,
                        ("orders",),
                    ),
                ),
            ),
            (
                "Returns",
                (
                    (
                        "Return an item",
                        """You can return anything within **30 days** of delivery.

1. Send us a request with your order number and what you are returning.
2. We email you a prepaid return label.
3. Once the parcel reaches us, we refund you within five business days.

Damaged on arrival? Include a photo and we send a replacement straight away.
""",
                        PUBLIC,
                        PUBLISHED,
                        ("returns", "orders"),
                    ),
                ),
            ),
        ),
    ),
    (
        "Troubleshooting",
        "When the app crashes, data does not sync, or pages are slow.",
        "sync",
        (
            (
                "Sync and data",
                (
                    (
                        "Changes do not sync between devices",
                        """Lumio syncs every few seconds while you are online.

1. Check the sync indicator in the top bar: a red dot means the device is offline.
2. Sign out and back in on the device that is behind; it fetches everything again.
3. Make sure the app is up to date: versions older than six months cannot sync.

If one device still shows old data, send us a request naming both devices and the item
that differs.
""",
                        PUBLIC,
                        PUBLISHED,
                        ("sync",),
                    ),
                    (
                        "Export your data",
                        """Under *Settings → Data → Export* you can download everything in your
workspace as CSV files in a ZIP. Large workspaces take a few minutes; we email you the
link when it is ready.
""",
                        PUBLIC,
                        PUBLISHED,
                        ("export",),
                    ),
                ),
            ),
            (
                "Crashes and speed",
                (
                    (
                        "The app crashes on start",
                        """A crash on start usually comes from a damaged local cache.

- **Desktop**: quit Lumio, delete the `Lumio/Cache` folder in your user data folder, and
  start it again. Your data is safe on our servers.
- **Mobile**: update the app from the store; if it still crashes, reinstall it.

If it keeps crashing, send us the crash report (*Help → Report a problem*).
""",
                        PUBLIC,
                        PUBLISHED,
                        ("crash",),
                    ),
                    (
                        "Dashboards load slowly",
                        """Dashboards with many widgets over long date ranges take longest.

- Narrow the date range, or split one large dashboard into two.
- Widgets with live data refresh every minute; switch rarely used ones to hourly.
""",
                        PUBLIC,
                        PUBLISHED,
                        ("performance",),
                    ),
                    (
                        "Collecting a HAR file from a customer",
                        """Draft, for Tier 2. When a problem only happens in one customer's
browser, a HAR file shows every request the page made.

Ask the customer to open the developer tools (F12), the *Network* tab, reproduce the
problem, and choose *Save all as HAR*. HAR files contain cookies: delete the attachment
from the ticket once the investigation is done.
""",
                        AGENTS,
                        DRAFT,
                        ("escalation",),
                    ),
                ),
            ),
        ),
    ),
    (
        "Developers",
        "The Lumio API, webhooks and limits.",
        "api",
        (
            (
                "API",
                (
                    (
                        "API rate limits",
                        """Each API token may make **600 requests per minute**. Above that the API
answers `429 Too Many Requests` with a `Retry-After` header saying how many seconds to wait.

Batch endpoints count as one request for up to 100 items: use them for bulk imports.
""",
                        PUBLIC,
                        PUBLISHED,
                        ("api",),
                    ),
                    (
                        "Webhooks stopped arriving",
                        """We switch a webhook off after it fails for 24 hours in a row (any answer
other than 2xx, or no answer within 10 seconds). Fix the endpoint, then switch the webhook
on again under *Settings → Webhooks*; deliveries from the last 72 hours are replayed.
""",
                        PUBLIC,
                        PUBLISHED,
                        ("api", "webhook"),
                    ),
                ),
            ),
        ),
    ),
    (
        "Getting started",
        "Setting up a workspace, inviting your team and choosing a plan.",
        "onboarding",
        (
            (
                "Your workspace",
                (
                    (
                        "Invite your teammates",
                        """Under *Team → Members*, choose **Invite** and enter their email
addresses. Invitations expire after seven days; you can resend them from the same page.

Each plan includes a number of seats; inviting beyond it asks you to add seats first.
""",
                        PUBLIC,
                        PUBLISHED,
                        ("onboarding",),
                    ),
                    (
                        "Upgrade or change your plan",
                        """Account owners change the plan under *Settings → Billing → Plan*.
An upgrade takes effect at once and you pay the difference for the rest of the period; a
downgrade takes effect at the next renewal.
""",
                        PUBLIC,
                        PUBLISHED,
                        ("upgrade", "billing"),
                    ),
                ),
            ),
        ),
    ),
)

# Pairs of titles shown as "related articles" to each other.
RELATED = (
    ("Reset your password", "The sign-in page just reloads (login loop)"),
    ("Reset your password", "Locked out after changing phones (two-factor)"),
    ("How refunds work", "Why was I charged twice?"),
    ("Return an item", "How refunds work"),
    ("Track your order", "Change the delivery address of an order"),
    ("Changes do not sync between devices", "The app crashes on start"),
)


def write_demo_articles(desk, *, seed: int) -> int:
    """Categories, sections and articles with some reader history; returns the article count."""
    rng = random.Random(seed)
    author = next(a for a in desk.agents.values() if a.role == Agent.Role.ADMIN)
    by_title: dict[str, Article] = {}
    for name, description, ticket_category, sections in KNOWLEDGE_BASE:
        category = kb.create_category(
            agent=author, name=name, description=description, ticket_category=ticket_category
        )
        for section_name, articles in sections:
            section = kb.create_section(agent=author, category=category, name=section_name)
            for title, body, audience, status, tags in articles:
                by_title[title] = kb.create_article(
                    agent=author,
                    title=title,
                    body=body,
                    status=status,
                    audience=audience,
                    section=section,
                    tags=tags,
                )
    for first, second in RELATED:
        kb.update_article(
            agent=author,
            article=by_title[first],
            related=[*by_title[first].related.all(), by_title[second]],
        )
    for article in by_title.values():
        if article.status == PUBLISHED and article.audience == PUBLIC:
            _read_by_customers(article, rng)
    return len(by_title)


def _read_by_customers(article: Article, rng: random.Random) -> None:
    """Views and helpful votes, so the help center's 'popular' list and the stats mean something."""
    views = rng.randint(8, 120)
    for _ in range(views):
        kb.record_view(article=article)
    for index in range(views // rng.randint(5, 12)):
        kb.vote_on_article(
            article=article, helpful=rng.random() < 0.8, session_key=f"demo-reader-{index}"
        )

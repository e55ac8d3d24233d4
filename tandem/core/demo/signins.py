"""What `tandem demo --sign-ins` prints: where to go and who to be on the demo desk."""

from __future__ import annotations

from django.conf import settings

from tandem.core.demo.cast import ADMIN_EMAIL, DEMO_CUSTOMER_EMAIL, DEMO_PASSWORD
from tandem.people.models import Agent, Contact

SHOWN_AGENTS = (
    ("service agent", "sam.okafor@demo.test"),
    ("support agent, tier 1", "jo.brennan@demo.test"),
    ("support agent, tier 2", "nadia.petrova@demo.test"),
    ("billing agent, own teams only", "omar.haddad@demo.test"),
    ("light agent (engineering)", "priya.natarajan@demo.test"),
)


def portal_link(contact: Contact) -> str:
    """A fresh one-time portal sign-in URL, or how to get one if the portal cannot make it."""
    try:
        from tandem.portal.signin import create_sign_in_url
    except ImportError:
        return f"run `tandem loginlink {contact.email}` for a portal link"
    url = create_sign_in_url(contact)
    return f"{settings.BASE_URL}{url}" if url.startswith("/") else url


def sign_in_lines() -> list[str]:
    base = f"{settings.BASE_URL}/"
    agents = {
        a.email: a
        for a in Agent.objects.filter(
            email__in=[ADMIN_EMAIL, *(email for _, email in SHOWN_AGENTS)]
        )
    }
    if ADMIN_EMAIL not in agents:
        return [f"Tandem: {base}", "The demo desk is not loaded here (run `tandem demo`)."]
    lines = [
        f"Tandem demo desk: {base}",
        f"  Password for every demo agent: {DEMO_PASSWORD}  (demo only; change it or reload)",
        f"  {'admin':<32} {ADMIN_EMAIL}",
    ]
    for label, email in SHOWN_AGENTS:
        if email in agents:
            lines.append(f"  {label:<32} {email}")
    customer = Contact.objects.filter(email=DEMO_CUSTOMER_EMAIL).first()
    if customer is not None:
        label = f"customer portal ({customer.display_name})"
        lines.append(f"  {label:<32} {portal_link(customer)}")
        lines.append(f"  {'':<32} (one use, valid {settings.PORTAL_LINK_MAX_AGE_MINUTES} minutes)")
    return lines
